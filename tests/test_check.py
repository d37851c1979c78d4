"""`rackplan check`: one small plan per outcome, exact reasons, JUnit read back, minimal conflicts."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_plan

from rackplan.cli import main
from rackplan.scheduler.check import check
from rackplan.scheduler.cpsat.conflict import holds
from rackplan.scheduler.load import load_plan

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--time-limit", "20", "--workers", "1", "-q"]


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def write(tmp_path, body: str) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text('[project]\nname = "p"\nstart = 2024-01-01T00:00:00\n'
                    '[tasks.go]\nduration = 0\n' + body)
    return path


CREW = """
[resources.crew]
capacity = 1
[tasks.a]
after = ["go"]
duration = "4h"
uses = { crew = 1 }
[tasks.b]
after = ["go"]
duration = "4h"
uses = { crew = 1 }
[tasks.done]
after = ["a", "b"]
duration = 0
[targets.soon]
by = "%s"
"""


def test_meets_exits_0(tmp_path):
    """Tests a plan whose target (8 h for two 4 h jobs on one crew) is met exactly."""
    result = run("check", write(tmp_path, CREW % "8h"), *FAST)
    assert result.exit_code == 0, result.output
    assert "result: MEETS every hard target (exit 0)" in result.output


def test_misses_says_by_how_much_and_what_one_more_crew_buys(tmp_path):
    """Tests the reasons: 8 h of work on one crew misses a 6 h target by 2 h; with a second
    crew both jobs run at once and finish at 4 h."""
    plan = write(tmp_path, CREW % "6h")
    result = run("check", plan, *FAST)
    assert result.exit_code == 1
    assert ("Why: 'soon' is missed by 2 h; bottleneck: crew; one more crew unit: forecast "
            "2024-01-01 04:00 (4 h earlier)") in result.output
    assert f"  {plan}:7: resources.crew: capacity 1" in result.output
    assert f"  {plan}:20: targets.soon: hard target 'soon': everything finished by " \
           "2024-01-01 06:00" in result.output


def test_infeasible_deadline_against_deliveries(tmp_path):
    """Tests the conflict of a deadline with a delivery date plus a 72 h burn-in."""
    plan = write(tmp_path, """
[deliveries.racks]
item = "rack"
batches = [{ at = 2024-01-03T00:00:00, quantity = 1 }]
[tasks.burn-in]
needs = "rack"
after = ["go"]
duration = "72h"
[targets.online]
by = "4d"
""")
    result = run("check", plan, *FAST)
    assert result.exit_code == 1
    assert "'online' is missed by 24 h" in result.output
    lines = [ln.strip() for ln in result.output.splitlines()
             if ln.startswith(f"  {plan}") and "[no-successor]" not in ln]
    assert lines == [
        f"{plan}:7: deliveries.racks: 1 unit arriving 2024-01-03 00:00 to 2024-01-03 00:00",
        f"{plan}:14: targets.online: hard target 'online': everything finished by "
        "2024-01-05 00:00",
    ]


def test_infeasible_calendars_and_max_lag(root):
    """Tests the example plan: night fills, day testers and a 2 h maximum lag."""
    path = root / "plans" / "check-infeasible.toml"
    report = check(load_plan(path), time_limit=20, workers=1)
    assert report.outcome == "infeasible" and report.exit_code() == 1
    assert report.conflict == ["calendars.days", "calendars.nights", "tasks.leak-test.after"]
    assert report.conflict_minimal


def test_infeasible_capacity_and_max_lags(tmp_path):
    """Tests two tasks that must both start when 'a' ends, on a crew of one."""
    plan = load_plan(write(tmp_path, """
[resources.crew]
capacity = 1
[tasks.a]
after = ["go"]
duration = "1h"
[tasks.b]
duration = "1h"
uses = { crew = 1 }
after = [{ task = "a", max_lag = 0 }]
[tasks.c]
duration = "1h"
uses = { crew = 1 }
after = [{ task = "a", max_lag = 0 }]
"""))
    report = check(plan, time_limit=20, workers=1)
    assert report.outcome == "infeasible"
    assert report.conflict == ["resources.crew", "tasks.b.after", "tasks.c.after"]


def test_infeasible_storage_limit():
    """Tests a staging area of 1 for three racks that must all be received before 02:00 (the
    plan of tests/test_solve.py::test_staging_limit_binds)."""
    from test_solve import STAGING

    report = check(make_plan(STAGING % 1), time_limit=20, workers=1)
    assert report.outcome == "infeasible"
    assert "storage.staging" in report.conflict and "resources.dock" in report.conflict


@pytest.mark.parametrize("name", ["check-infeasible", "check-misses"])
def test_conflict_sets_are_minimal(root, name):
    """Tests minimality for real: all members together are infeasible, and dropping any one
    member makes the rest feasible."""
    plan = load_plan(root / "plans" / f"{name}.toml")
    report = check(plan, time_limit=20, workers=1)
    assert report.conflict
    assert holds(plan, report.conflict) == "infeasible"
    for member in report.conflict:
        rest = [k for k in report.conflict if k != member]
        assert holds(plan, rest) == "feasible", member


def test_invalid_plan_exits_2_with_annotations(tmp_path):
    bad = write(tmp_path, '[tasks.x]\nduration = "1h"\nafter = ["nope"]\n')
    result = run("check", bad, *FAST, env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 2
    assert (f"::error file={bad},line=8,title=rackplan check::tasks.x.after: unknown task "
            "'nope'") in result.output


def test_unknown_within_a_tiny_time_limit(tmp_path):
    """Tests exit 3: a J120 instance with its target at the proven lower bound (132; best
    known 136): 1 s finds neither a schedule meeting it nor a proof that none exists."""
    from test_explain import J120, _as_toml

    plan = tmp_path / "tight.toml"
    plan.write_text(_as_toml(load_plan(J120), 132))
    result = run("check", plan, "--time-limit", "2", "--workers", "1", "-q")
    assert result.exit_code == 3, result.output
    assert "result: UNKNOWN" in result.output


def test_strict_fails_on_warnings(tmp_path):
    """Tests that a task driving nothing is a warning: exit 0, or 1 with --strict."""
    plan = write(tmp_path, '[tasks.orphan]\nafter = ["go"]\nduration = "1h"\n')
    assert run("check", plan, *FAST).exit_code == 0
    result = run("check", plan, *FAST, "--strict")
    assert result.exit_code == 1
    assert (f"{plan}:6: tasks.orphan: [no-successor] 1 task drives nothing: no task waits for "
            "it and no target names it; link to what needs it") in result.output


def test_junit_and_json_read_back(tmp_path):
    plan = write(tmp_path, CREW % "6h")
    junit, js = tmp_path / "r.xml", tmp_path / "r.json"
    result = run("check", plan, *FAST, "--junit", junit, "--json", js)
    assert result.exit_code == 1
    root = ET.parse(junit).getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert root.get("failures") == "1"
    target = cases[("rackplan.targets", "soon")]
    assert target.get("line") == "20"
    assert target.find("failure").get("message").startswith("'soon' is missed by 2 h")
    assert cases[("rackplan.feasibility", "plan has a schedule")].find("failure") is None
    assert ("rackplan.lint", "no-successor") in cases
    data = json.loads(js.read_text())
    assert data["outcome"] == "misses" and data["exit_code"] == 1
    assert data["misses"][0]["late_slots"] == 2 and data["misses"][0]["bottleneck"] == "crew"
    assert [s["key"] for s in data["conflict"]["statements"]] == ["resources.crew",
                                                                   "targets.soon"]


def test_github_annotations_point_at_plan_lines(root):
    path = root / "plans" / "check-infeasible.toml"
    result = run("check", path, *FAST, env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    assert (f"::error file={path},line=34,title=rackplan check::tasks.leak-test.after: must "
            "start within 2 h of its predecessor (part of a conflict)") in result.output


def test_example_that_misses(root):
    report = check(load_plan(root / "plans" / "check-misses.toml"), time_limit=20, workers=1)
    assert report.outcome == "misses"
    (miss,) = report.misses
    # Two fiber crews cable 8 racks of 8 h: 32 h of cabling after the first rack lands at 08:00
    # (position 06:00-08:00) -> last cable ends 2024-05-07 16:00, + 72 h burn-in = 05-10 16:00,
    # 10 h after the 06:00 due time. A third crew: 3 rounds of 8 h -> 05-07 08:00 + 72 h.
    assert miss.late == 10
    assert miss.bottleneck == "fiber"
    assert report.plan.slot_to_datetime(miss.plus_one).to_datetime_string() == \
        "2024-05-10 08:00:00"
