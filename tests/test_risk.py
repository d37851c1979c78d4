"""Schedule risk (issue 15): the plan language of uncertainty, sampling checked against
analytic answers, levelled iterations, determinism, and the `risk` command."""

import json
import textwrap
import zipfile

import pytest
from click.testing import CliRunner
from conftest import HEADER
from openpyxl import load_workbook
from rackplan.cli import main
from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.plan import Spread
from rackplan.scheduler.risk import Runner, percentile, quantile, study
from rackplan.scheduler.source import Source


def source(body: str) -> Source:
    return Source("risk.toml", textwrap.dedent(HEADER) + textwrap.dedent(body))


def run(body: str, iterations: int, **kw) -> dict:
    src = source(body)
    kw.setdefault("check", "all")
    kw.setdefault("workers", 1)
    return study(src, src.load(), iterations=iterations, until_stable=False, **kw)


def problems(body: str) -> list[str]:
    with pytest.raises(PlanInvalid) as exc:
        source(body).load()
    return exc.value.lines()


# -- the plan language --------------------------------------------------------------------------
def test_range_with_min_above_likely_is_refused_at_its_line():
    lines = problems("""
        [tasks.a]
        duration = { min = "5h", likely = "4h", max = "8h" }
    """)
    assert lines == ["risk.toml:9: tasks.a.duration.min: '5h' is more than likely '4h'; give "
                     "min <= likely <= max"]


def test_bad_values_are_all_reported_with_their_fields():
    lines = problems("""
        [resources.crew]
        capacity = 1
        [tasks.a]
        duration = { min = "3h", likely = "4h", max = "8h", dist = "normal" }
        uses = { crew = 1 }
        [uncertainty]
        durations = "10%"
        trades = { crow = "-5%..+20%" }
        [risks.flood]
        probability = 1.5
        tasks = ["b"]
        extra = "2h"
        [risks.strike]
        probability = 0.1
        resource = "crews"
        lasting = "2d"
    """)
    text = "\n".join(lines)
    assert "tasks.a.duration.dist: unknown distribution 'normal'; use 'triangular' or 'pert'" \
        in text
    assert "uncertainty.durations: '10%' is not a range; write e.g. '-10%..+30%'" in text
    assert "uncertainty.trades.crow: no resource has trade 'crow' (did you mean 'crew'?)" in text
    assert "risks.flood.probability: must be a probability from 0 to 1, got 1.5" in text
    assert "risks.flood.tasks: unknown task 'b'" in text
    assert "risks.strike.resource: unknown resource 'crews' (did you mean 'crew'?)" in text
    assert all(line.startswith("risk.toml:") for line in lines)


def test_delivery_delay_needs_its_range():
    lines = problems("""
        [deliveries.racks]
        item = "rack"
        quantity = 1
        first = "0h"
        per_day = 1
        delay = { p = 0.3, min = "1d" }
        [tasks.a]
        needs = "rack"
        duration = "1h"
    """)
    assert lines == ["risk.toml:13: deliveries.racks.delay.max: is required, e.g. delay = "
                     "{ p = 0.2, min = \"1d\", max = \"5d\" }"]


def test_deterministic_scheduling_uses_the_likely_duration():
    plan = source("""
        [tasks.a]
        duration = { min = "3h", likely = "4h", max = "8h", dist = "pert" }
    """).load()
    mode = plan.tasks["a"].modes[0]
    assert mode.duration == 4
    assert mode.spread == Spread(3.0, 4.0, 8.0, "pert")


# -- sampling against analytic answers --------------------------------------------------------
CHAIN = """
[tasks.a]
duration = { min = "10h", likely = "20h", max = "60h"DIST }
[tasks.b]
after = ["a"]
duration = { min = "10h", likely = "20h", max = "60h"DIST }
[tasks.c]
after = ["b"]
duration = { min = "10h", likely = "20h", max = "60h"DIST }
"""


@pytest.mark.parametrize("dist, mean", [("", 3 * (10 + 20 + 60) / 3),
                                        (', dist = "pert"', 3 * (10 + 4 * 20 + 60) / 6)])
def test_a_chain_of_ranged_tasks_has_the_analytic_mean(dist, mean):
    # Triangular mean (a+c+b)/3 = 30 h a task, BetaPERT (a+4c+b)/6 = 25 h; three in a chain.
    # Each draw is rounded to a whole 1 h slot, which moves the mean by far less than the
    # tolerance; the chain's sd is ~19 h, so the mean of 2,000 has sd ~0.4 h.
    summary = run(CHAIN.replace("DIST", dist), 2000)
    assert summary["finish"]["mean"] == pytest.approx(mean, abs=1.5)
    assert summary["deterministic"]["finish"] == 60  # the likely values: 3 x 20 h


def _triangular_cdf(x, a=10, c=20, b=60):
    if x <= c:
        return (x - a) ** 2 / ((b - a) * (c - a))
    return 1 - (b - x) ** 2 / ((b - a) * (b - c))


def test_two_parallel_equal_paths_show_the_merge_bias():
    # The finish is the later of two independent draws: P(finish <= d) = F(d)^2, with F the
    # triangular CDF at d + 0.5 (draws are rounded to whole hours).
    summary = run("""
        [tasks.a]
        duration = { min = "10h", likely = "20h", max = "60h" }
        [tasks.b]
        duration = { min = "10h", likely = "20h", max = "60h" }
    """, 4000)
    finishes = summary["histogram"]
    for d in (20, 30, 40):
        share = sum(1 for f in finishes if f <= d) / len(finishes)
        assert share == pytest.approx(_triangular_cdf(d + 0.5) ** 2, abs=0.025)
    # The deterministic forecast (20 h, both likely) is met only ~5% of the time.
    assert summary["deterministic"]["finish"] == 20
    assert summary["deterministic"]["probability"] == pytest.approx(
        _triangular_cdf(20.5) ** 2, abs=0.02)


CREW_BOUND = """
[resources.crew]
capacity = CAP
[tasks.a]
duration = { min = "10h", likely = "20h", max = "60h" }
uses = { crew = 1 }
[tasks.b]
duration = { min = "10h", likely = "20h", max = "60h" }
uses = { crew = 1 }
"""


def test_levelled_p50_is_later_than_the_unlevelled_one():
    # One crew: a and b run one after the other, so every finish is a + b; with two crews it
    # is max(a, b). a + b - max(a, b) = min(a, b) >= 10 h in every iteration, so the levelled
    # P50 is at least 10 h later.
    levelled = run(CREW_BOUND.replace("CAP", "1"), 600, seed=3)
    free = run(CREW_BOUND.replace("CAP", "2"), 600, seed=3)
    assert levelled["finish"]["p50"]["value"] >= free["finish"]["p50"]["value"] + 10
    assert levelled["trades"][0] == {"trade": "crew", "critical": 1.0, "crew_bound": 1.0}


def test_correlation_one_moves_the_group_together():
    # Fully correlated: a and b draw the same quantile, so they always take the same time.
    runner = Runner(source("""
        [tasks.a]
        duration = { min = "10h", likely = "20h", max = "60h" }
        [tasks.b]
        duration = { min = "10h", likely = "20h", max = "60h" }
        [uncertainty.groups.vendor]
        tasks = ["a", "b"]
        correlation = 1.0
    """).load(), "release")
    for i in range(50):
        plan = runner.sampler.draw(7, i).plan
        assert plan.tasks["a"].modes[0].duration == plan.tasks["b"].modes[0].duration


def test_trade_default_range_applies_to_that_trade_only():
    runner = Runner(source("""
        [resources.fiber]
        capacity = 1
        [resources.crew]
        capacity = 1
        [tasks.cable]
        duration = "10h"
        uses = { fiber = 1 }
        [tasks.set]
        duration = "10h"
        uses = { crew = 1 }
        [uncertainty]
        trades = { fiber = "0%..+100%" }
    """).load(), "release")
    cables = set()
    for i in range(30):
        plan = runner.sampler.draw(0, i).plan
        cables.add(plan.tasks["cable"].modes[0].duration)
        assert plan.tasks["set"].modes[0].duration == 10
    assert min(cables) >= 10 and max(cables) <= 20 and len(cables) > 3


def test_certain_risks_and_delays_move_the_finish_exactly():
    # The delivery always comes exactly 2 days late (48 h), the leak always adds 5 h to the
    # test: the rack lands at 48 h, is set 48-50, tested 50-57 (2 h + 5 h): finish 57 h.
    summary = run("""
        [deliveries.racks]
        item = "rack"
        quantity = 1
        first = "0h"
        per_day = 1
        delay = { p = 1.0, min = "2d", max = "2d" }
        [tasks.set]
        needs = "rack"
        duration = "2h"
        [tasks.test]
        after = ["set"]
        duration = "2h"
        [risks.leak]
        probability = 1.0
        tasks = ["test"]
        extra = "5h"
    """, 5)
    assert summary["finish"]["min"] == summary["finish"]["max"] == 57
    assert summary["deterministic"]["finish"] == 4


def test_a_short_batch_holds_back_only_its_last_units():
    # 4 racks in one truck; always short by 1, which comes 10 h later: three racks are set at
    # 0-1, 1-2, 2-3 on the one rigger; the fourth lands at 10 and is set 10-11.
    summary = run("""
        [resources.rigger]
        capacity = 1
        [deliveries.racks]
        item = "rack"
        quantity = 4
        first = "0h"
        per_day = 4
        short = { p = 1.0, units = 1, late = "10h" }
        [templates.rack.set]
        needs = "rack"
        duration = "1h"
        uses = { rigger = 1 }
        [[levels]]
        name = "rack"
        count = 4
        id = "rack-{1}"
    """, 3)
    assert summary["finish"]["max"] == 11


def test_a_lost_crew_spell_delays_the_work_it_hits():
    # The only crew is gone for 24 h from somewhere in [0, 1) h: task a (10 h) can only run
    # after the spell, 24-34.
    summary = run("""
        [resources.crew]
        capacity = 1
        [tasks.a]
        duration = "10h"
        uses = { crew = 1 }
        [risks.strike]
        probability = 1.0
        resource = "crew"
        lasting = "24h"
        window = { from = "0h", to = "25h" }
    """, 3)
    assert summary["finish"]["min"] == summary["finish"]["max"] == 34


# -- the study ----------------------------------------------------------------------------------
TWO_CREWS = """
[resources.crew]
capacity = 2
[deliveries.racks]
item = "rack"
quantity = 6
first = "0h"
per_day = 3
delay = { p = 0.5, min = "2h", max = "20h" }
[templates.rack.set]
needs = "rack"
duration = { min = "2h", likely = "3h", max = "8h" }
uses = { crew = 1 }
[templates.rack.test]
after = ["set"]
duration = { min = "1h", likely = "1h", max = "4h", dist = "pert" }
uses = { crew = 1 }
online = true
[[levels]]
name = "rack"
count = 6
id = "rack-{1}"
gpus = 64
[targets.half]
gpus = 192
by = "2d"
"""


def test_same_seed_same_numbers_with_any_number_of_workers():
    one = run(TWO_CREWS, 60, seed=11, workers=1)
    two = run(TWO_CREWS, 60, seed=11, workers=2)
    assert one == two
    other = run(TWO_CREWS, 60, seed=12, workers=1)
    assert other["histogram"] != one["histogram"]


def test_every_iteration_passes_the_verifier_and_targets_get_probabilities():
    summary = run(TWO_CREWS, 80, check="all")
    assert summary["verified"] == summary["scheduled"] == 80
    (half,) = summary["targets"]
    reached = summary["histogram"]  # sorted finishes
    assert 0 < half["probability"] <= 1
    assert half["p80"]["value"] <= percentile(reached, 0.8)
    assert [g["gpus"] for g in summary["gpus"]][-1] == 384


def test_a_certain_plan_stops_once_p80_is_stable():
    # No spread at all: every finish is the same, P80's interval has width 0 at the first
    # checkpoint (200 iterations).
    src = source("""
        [tasks.a]
        duration = "4h"
    """)
    summary = study(src, src.load(), iterations=1000, workers=1)
    assert summary["stopped_early"] and summary["iterations"] == 200


def test_quantile_inverts_the_triangular_cdf():
    s = Spread(10, 20, 60)
    for u in (0.01, 0.2, 0.5, 0.9):
        assert _triangular_cdf(quantile(s, u)) == pytest.approx(u)


# -- the command --------------------------------------------------------------------------------
def test_risk_command_reports_and_writes_json_and_workbook(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text(textwrap.dedent(HEADER) + textwrap.dedent(TWO_CREWS))
    out_json, out_xlsx = tmp_path / "risk.json", tmp_path / "risk.xlsx"
    result = CliRunner().invoke(main, ["risk", str(plan), "--iterations", "40", "--workers",
                                       "1", "-q", "--json", str(out_json), "--xlsx",
                                       str(out_xlsx)])
    assert result.exit_code == 0, result.output
    assert "P80" in result.output and "Deterministic forecast" in result.output
    doc = json.loads(out_json.read_text())
    assert doc["kind"] == "risk" and doc["iterations"] == 40
    p80 = doc["finish"]["p80"]
    assert p80["interval"][0]["day"] <= p80["day"] <= p80["interval"][1]["day"]
    assert doc["cdf"][-1]["probability"] == 1.0
    assert sum(h["count"] for h in doc["histogram"]) == 40
    wb = load_workbook(out_xlsx)
    ws = wb["Risk"]
    assert ws["A5"].value == "P10" and ws["C7"].value == p80["day"]
    with zipfile.ZipFile(out_xlsx) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 4  # S-curve, histogram, GPUs online at P50/P80, tornado


def test_risk_command_refuses_a_bad_plan_without_a_traceback(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text(textwrap.dedent(HEADER) + """
[tasks.a]
duration = { min = "3h", likely = "4h" }
""")
    result = CliRunner().invoke(main, ["risk", str(plan)])
    assert result.exit_code == 2
    assert "tasks.a.duration.max: is required" in result.output
    assert "Traceback" not in result.output


def test_check_confidence_fails_when_a_hard_target_is_not_sure_enough(tmp_path):
    # The chain of three ranged tasks (likely 60 h) with a hard 70 h target: met by the
    # deterministic schedule, but the chain's mean is 90 h, so far less than 80% of the
    # iterations make it.
    plan = tmp_path / "plan.toml"
    plan.write_text(textwrap.dedent(HEADER) + CHAIN.replace("DIST", "") + """
[targets.done]
finish = "all"
by = "70h"
hard = true
""")
    result = CliRunner().invoke(main, ["check", str(plan), "--confidence", "0.8",
                                       "--iterations", "200", "--time-limit", "5",
                                       "--workers", "1", "-q"])
    assert result.exit_code == 1, result.output
    assert "confidence FAILED: done (due 2024-01-03 22:00) is met in" in result.output
    loose = plan.read_text().replace('by = "70h"', 'by = "200h"')
    plan.write_text(loose)
    result = CliRunner().invoke(main, ["check", str(plan), "--confidence", "0.8",
                                       "--iterations", "200", "--time-limit", "5",
                                       "--workers", "1", "-q"])
    assert result.exit_code == 0, result.output
    assert "confidence ok: done (due 2024-01-09 08:00) is met in 100% of 200" in result.output


def test_risk_from_a_status_date_studies_the_work_left(tmp_path):
    """a finished 2 h late at 06:00 (the status date); b (2/4/6 h, triangular) and c (4 h)
    remain: the finish is 06:00 + b + 4 h, between 12 and 16 h, 14 h on average and in the
    deterministic forecast. The workers rebuild the same remaining plan from the rows."""
    plan = tmp_path / "chain.toml"
    plan.write_text(textwrap.dedent(HEADER) + textwrap.dedent("""
        [tasks.a]
        duration = "4h"
        [tasks.b]
        after = ["a"]
        duration = { min = "2h", likely = "4h", max = "6h" }
        [tasks.c]
        after = ["b"]
        duration = "4h"
    """))
    progress = tmp_path / "p.csv"
    progress.write_text("task,actual_start,actual_finish,status_date\n"
                        "a,2024-01-01T00:00,2024-01-01T06:00,2024-01-01T06:00\n")
    out = tmp_path / "r.json"
    for workers in ("1", "2"):
        result = CliRunner().invoke(main, ["risk", str(plan), "--progress", str(progress),
                                           "--iterations", "300", "--all-iterations",
                                           "--workers", workers, "-q", "--json", str(out)])
        assert result.exit_code == 0, result.output
        doc = json.loads(out.read_text())
        hours = [round(p["day"] * 24, 2) for p in doc["cdf"]]
        assert 11.9 <= hours[0] and hours[-1] <= 16.1  # days are given to 2 decimals
        assert doc["finish"]["mean_day"] * 24 == pytest.approx(14, abs=0.3)
        assert doc["deterministic"]["day"] * 24 == pytest.approx(14, abs=0.13)  # 0.58 d
