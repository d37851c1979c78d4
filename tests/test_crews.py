"""Crew sizing (`rackplan crews`, issue 17): the cheapest sizes meeting a date, with the proven
bound, on plans whose answers are derived by hand."""

import pytest
from click.testing import CliRunner
from conftest import FAST, make_plan

from rackplan.cli import main
from rackplan.scheduler.cpsat.crews import deadline_of, size_crews
from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.schedule import SolveStatus
from rackplan.scheduler.verify import verify

# Two chains of four 2 h tasks, all on one trade whose size is to be chosen (24/7, 10 an hour).
CHAINS = """
[resources.crew]
capacity = { min = 1, max = 4 }
cost_per_hour = 10
""" + "".join(f"""
[tasks.{c}{k}]
duration = "2h"
uses = {{ crew = 1 }}
{f'after = ["{c}{k - 1}"]' if k > 1 else ''}
""" for c in "ab" for k in (1, 2, 3, 4))


@pytest.mark.parametrize("by, size, cents", [
    # By 8 h both 8 h chains must run side by side: 2 crews x 8 h x 10 = 160.
    ("8h", 2, 16_000),
    # By 16 h one crew runs both chains (16 h of work): 1 x 16 h x 10 = 160.
    ("16h", 1, 16_000),
    # By 12 h one crew has only 12 h for 16 h of work: 2 x 12 x 10 = 240.
    ("12h", 2, 24_000),
])
def test_the_fewest_crews_that_make_the_date(by, size, cents):
    plan = make_plan(CHAINS)
    answer = size_crews(plan, deadline_of(plan, by), FAST)
    assert (answer.status, answer.sizes, answer.cost, answer.bound) == \
        (SolveStatus.OPTIMAL, {"crew": size}, cents, cents)
    assert verify(answer.schedule.plan, answer.schedule.tasks) == []
    assert answer.schedule.makespan <= deadline_of(plan, by)


def test_a_date_no_size_can_make_is_infeasible():
    """Tests 6 h: a chain alone takes 8 h, so no number of crews helps."""
    plan = make_plan(CHAINS)
    assert size_crews(plan, deadline_of(plan, "6h"), FAST).status == SolveStatus.INFEASIBLE


def test_the_crews_command(tmp_path):
    path = tmp_path / "chains.toml"
    path.write_text('[project]\nname = "chains"\nstart = 2024-01-01T00:00:00\n' + CHAINS
                    + '[targets.soon]\nby = "8h"\n')
    result = CliRunner().invoke(main, ["crews", str(path), "--workers", "1", "-q",
                                       "--json", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Crew sizes to finish by 2024-01-01 08:00 and meet every hard target"
    assert lines[3].split() == ["crew", "1", "4", "2", "80.00", "160.00"]
    assert "crew cost   160.00 (optimal (proven); no sizes cost less than 160.00)" in lines
    late = CliRunner().invoke(main, ["crews", str(path), "--by", "6h", "-q", "--workers", "1"])
    assert late.exit_code == 1
    assert "none: the targets cannot be met even with the largest crews" in late.output
    bad = CliRunner().invoke(main, ["crews", str(path), "--by", "someday"])
    assert bad.exit_code == 2 and "--by 'someday' is not a target of the plan" in bad.output


def test_a_size_range_is_validated():
    with pytest.raises(PlanInvalid) as err:
        make_plan(CHAINS.replace("min = 1, max = 4", "min = 5, max = 4"))
    assert err.value.lines() == ["test.toml:9: resources.crew.capacity.min: 5 is more than "
                                 "max 4"]


def test_the_cost_against_finish_curve():
    """Tests the frontier from the critical path (8 h) to 16 h: two crews until one crew has
    the 16 h it needs; each unit is paid over the window up to the date (10 an hour):
    2 x 8 x 10 = 160, 2 x 10 x 10 = 200, 2 x 12 x 10 = 240, 2 x 14 x 10 = 280, 1 x 16 x 10 =
    160."""
    from rackplan.scheduler.cpsat.crews import frontier

    plan = make_plan(CHAINS)
    points = frontier(plan, deadline_of(plan, "16h"), 5, FAST)
    assert [(p.deadline, p.sizes["crew"], p.cost) for p in points] == [
        (8, 2, 16_000), (10, 2, 20_000), (12, 2, 24_000), (14, 2, 28_000), (16, 1, 16_000)]
    assert all(verify(p.schedule.plan, p.schedule.tasks) == [] for p in points)


def test_the_frontier_in_parallel_gives_the_sequential_answers():
    """The same five dates sized on two worker processes (the plan shipped as text): the
    hand-derived sizes and costs of test_the_cost_against_finish_curve."""
    import textwrap

    from conftest import HEADER

    from rackplan.scheduler.cpsat.crews import frontier
    from rackplan.scheduler.source import Source

    source = Source("test.toml", textwrap.dedent(HEADER) + textwrap.dedent(CHAINS))
    plan = source.load()
    points = frontier(plan, deadline_of(plan, "16h"), 5, FAST, source=source)
    assert [(p.deadline, p.sizes["crew"], p.cost) for p in points] == [
        (8, 2, 16_000), (10, 2, 20_000), (12, 2, 24_000), (14, 2, 28_000), (16, 1, 16_000)]


def test_frontier_goes_to_the_json_and_the_workbook(tmp_path):
    import json

    from openpyxl import load_workbook

    from conftest import HEADER

    path = tmp_path / "p.toml"
    path.write_text(HEADER + CHAINS)
    out_json, out_xlsx = tmp_path / "c.json", tmp_path / "c.xlsx"
    result = CliRunner().invoke(main, ["crews", str(path), "--by", "16h", "--frontier", "5",
                                       "--workers", "1", "--time-limit", "20", "-q",
                                       "--json", str(out_json), "--xlsx", str(out_xlsx)])
    assert result.exit_code == 0, result.output
    rows = json.loads(out_json.read_text())["frontier"]
    assert [(r["day"], r["sizes"]["crew"], r["cost"]) for r in rows] == [
        (0.33, 2, 160.0), (0.42, 2, 200.0), (0.5, 2, 240.0), (0.58, 2, 280.0), (0.67, 1, 160.0)]
    ws = load_workbook(out_xlsx)["Frontier"]
    assert [c.value for c in ws[1]] == ["finish by", "day", "status", "crew cost",
                                        "proven bound", "crew"]
    assert [ws.cell(r, 4).value for r in range(2, 7)] == [160, 200, 240, 280, 160]


PHASES = """
[resources.crew]
capacity = { min = 1, max = 3CAPACITY }
cost_per_hour = 10
[tasks.a]
duration = "4h"
uses = { crew = 1 }
[tasks.b]
duration = "4h"
uses = { crew = 1 }
[tasks.c]
duration = "8h"
uses = { crew = 1 }
after = ["a"]
[targets.first]
finish = ["a", "b"]
by = "4h"
hard = true
"""


def test_a_ramp_down_chosen_by_the_solver():
    """a and b (4 h each) must both be done by 4 h: two crews then; c (8 h) follows a to the
    12 h date, one crew enough. One size for the job: 2 x 12 h x 10 = 240. With a ramp the
    change date is picked on a grid of every slot here (12 h / 24 < 1): 2 crews for 4 h and
    1 for 8 h = 80 + 80 = 160."""
    plan = make_plan(PHASES.replace("CAPACITY", ", ramp = true"))
    answer = size_crews(plan, deadline_of(plan, "12h"), FAST)
    assert (answer.status, answer.cost, answer.bound) == (SolveStatus.OPTIMAL, 16_000, 16_000)
    assert answer.sizes == {"crew": 2} and answer.ramps == {"crew": (4, 1)}
    assert answer.schedule.plan.resources["crew"].steps == ((0, 2), (4, 1))
    assert verify(answer.schedule.plan, answer.schedule.tasks) == []
    flat = size_crews(make_plan(PHASES.replace("CAPACITY", "")), 12, FAST)
    assert (flat.sizes, flat.cost) == ({"crew": 2}, 24_000)


def test_a_lead_time_keeps_the_extra_crews_off_site_until_then():
    """Three 4 h tasks by 8 h; until 4 h only min = 1 crew: one task 0-4, the other two 4-8
    need 2 crews from 4 h: 1 x 4 h x 10 + 2 x 4 h x 10 = 120."""
    plan = make_plan("""
        [resources.crew]
        capacity = { min = 1, max = 3, from = "4h" }
        cost_per_hour = 10
        [tasks.x]
        duration = "4h"
        uses = { crew = 1 }
        [tasks.y]
        duration = "4h"
        uses = { crew = 1 }
        [tasks.z]
        duration = "4h"
        uses = { crew = 1 }
    """)
    answer = size_crews(plan, 8, FAST)
    assert (answer.status, answer.sizes, answer.cost) == (SolveStatus.OPTIMAL, {"crew": 2},
                                                          12_000)
    assert answer.schedule.plan.resources["crew"].steps == ((0, 1), (4, 2))
    assert sorted(st.start for st in answer.schedule.tasks.values()) == [0, 4, 4]


def test_a_hiring_step_rounds_the_size_up_to_a_whole_team():
    """The two 8 h chains by 8 h need 2 crews, but crews come in teams of 2 above min = 1:
    sizes 1, 3 -> 3 x 8 h x 10 = 240."""
    plan = make_plan(CHAINS.replace("min = 1, max = 4", "min = 1, max = 5, step = 2"))
    answer = size_crews(plan, deadline_of(plan, "8h"), FAST)
    assert (answer.status, answer.sizes, answer.cost) == (SolveStatus.OPTIMAL, {"crew": 3},
                                                          24_000)


def test_a_step_that_does_not_reach_max_is_refused():
    with pytest.raises(PlanInvalid) as err:
        make_plan(CHAINS.replace("min = 1, max = 4", "min = 1, max = 4, step = 2"))
    assert err.value.lines() == ["test.toml:9: resources.crew.capacity.step: max 4 is not min 1 "
                                 "plus a whole number of steps of 2; make max 3 or 5"]


def _random_sizing_plan(rng) -> str:
    """3-6 tasks on two sized crews (small ranges), random durations, demands and links."""
    out = ["""
[resources.r1]
capacity = { min = 1, max = 3 }
cost_per_hour = 10
[resources.r2]
capacity = { min = 1, max = 2 }
cost_per_hour = 25
"""]
    n = rng.randint(3, 6)
    for k in range(n):
        uses = {r: rng.randint(1, 2) for r in ("r1", "r2") if rng.random() < 0.6} or {"r1": 1}
        uses_text = ", ".join(f"{r} = {q}" for r, q in uses.items())
        after = [f'"t{j}"' for j in range(k) if rng.random() < 0.3]
        out.append(f"""
[tasks.t{k}]
duration = "{rng.randint(1, 4)}h"
uses = {{ {uses_text} }}
{f"after = [{', '.join(after)}]" if after else ""}
""")
    return "".join(out)


def test_sizing_matches_a_brute_force_search_on_small_random_plans():
    """For each small random plan and a date between its critical path and its one-crew
    length: every pair of sizes is tried with the sizes fixed (CP-SAT proves the least
    finish), the cheapest pair that makes the date is the answer size_crews must find, at
    the same cost."""
    import itertools
    import random

    from rackplan.scheduler.cpsat import SolveOptions, solve
    from rackplan.scheduler.cpsat.crews import sized, unit_cents
    from rackplan.scheduler.calendar import Calendars

    rng = random.Random(17)
    checked = 0
    for _ in range(16):
        plan = make_plan(_random_sizing_plan(rng))
        longest = sum(t.modes[0].duration for t in plan.tasks.values())
        deadline = rng.randint(max(1, longest // 2), longest)
        cals = Calendars(plan)
        prices = {r: unit_cents(plan, cals, r, deadline) for r in ("r1", "r2")}
        best = None
        for a, b in itertools.product(range(1, 4), range(1, 3)):
            fixed = solve(sized(plan, {"r1": a, "r2": b}), SolveOptions(10, 1, 0))
            if fixed.status.value == "optimal" and fixed.makespan <= deadline:
                cost = prices["r1"] * a + prices["r2"] * b
                best = cost if best is None else min(best, cost)
        answer = size_crews(plan, deadline, SolveOptions(10, 1, 0))
        if best is None:
            assert answer.status == SolveStatus.INFEASIBLE
        else:
            assert (answer.status, answer.cost) == (SolveStatus.OPTIMAL, best)
            checked += 1
    assert checked >= 8  # and the rest proven infeasible, as the search says
