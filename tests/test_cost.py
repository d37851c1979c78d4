"""Cost (issue 18 item 8): crews paid per hour on site, spending at unit costs, delivery costs;
`objective.kind = "cost"` under the hard targets; cost in the report, JSON and workbook."""

import json

import pytest
from click.testing import CliRunner
from conftest import FAST, make_plan
from openpyxl import load_workbook

from rackplan.cli import main
from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.schedule import SolveStatus

# One fiber crew at 100 an hour, paid from the start to the finish (no calendar: around the
# clock). The cable takes 8 h, or 4 h with 4 hours of overtime at OT an hour.
PLAN = """
[resources.fiber]
capacity = 1
cost_per_hour = 100
[budgets.overtime]
total = 10
cost_per_unit = OT
[tasks.cable]
modes = [{ duration = "8h", uses = { fiber = 1 } },
         { duration = "4h", uses = { fiber = 1 }, spends = { overtime = 4 } }]
[objective]
kind = "cost"
"""


@pytest.mark.parametrize("overtime, mode, cents", [
    # 8 h: 8 x 100 = 800; 4 h: 4 x 100 + 4 x 50 = 600 -> the fast mode.
    (50, 1, 60_000),
    # 4 h: 400 + 4 x 150 = 1,000 > 800 -> the slow mode.
    (150, 0, 80_000),
])
def test_the_cheapest_schedule_is_chosen(overtime, mode, cents):
    plan = make_plan(PLAN.replace("OT", str(overtime)))
    result = solve(plan, FAST)
    assert (result.status, result.tasks["cable"].mode, result.objective) == \
        (SolveStatus.OPTIMAL, mode, cents)


def test_the_finish_objective_ignores_prices():
    """Tests that prices alone change nothing: minimising the finish takes the 4 h mode even
    at 150 an overtime hour."""
    plan = make_plan(PLAN.replace("OT", "150").replace('kind = "cost"', 'kind = "finish"'))
    assert solve(plan, FAST).tasks["cable"].mode == 1


def test_cost_in_the_report_json_and_workbook(tmp_path):
    """Tests the outputs: 400 crew + 200 overtime + 250 for the delivery = 850."""
    text = ('[project]\nname = "c"\nstart = 2024-01-01T00:00:00\n' + PLAN.replace("OT", "50")
            + '[deliveries.cable]\nitem = "spool"\nbatches = [{ at = \"0h\", quantity = 1 }]\n'
              "cost = 250\n")
    path = tmp_path / "c.toml"
    path.write_text(text)
    result = CliRunner().invoke(main, ["schedule", str(path), "--workers", "1", "-q",
                                       "--json", str(tmp_path / "s.json"),
                                       "--xlsx", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 0, result.output
    assert "cost                850.00 (crews 400.00, spending 200.00, deliveries 250.00)" in \
        result.output.splitlines()
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["cost"] == {"crews": 400.0, "spending": 200.0, "deliveries": 250.0,
                           "expedites": 0.0, "total": 850.0}
    summary = load_workbook(tmp_path / "s.xlsx")["Summary"]
    rows = {r[0].value: r[1].value for r in summary.iter_rows() if r[0].value}
    assert rows["Cost"] == 850.0 and rows["  crews"] == 400.0


def test_a_cost_objective_needs_prices():
    with pytest.raises(PlanInvalid) as err:
        make_plan('[tasks.a]\nduration = "1h"\n[objective]\nkind = "cost"\n')
    assert err.value.lines() == [
        "test.toml:10: objective.kind: 'cost' needs prices: cost_per_hour on resources, "
        "cost_per_unit on budgets or cost on deliveries"]


def test_a_day_rate_is_paid_for_each_day_the_crew_works():
    """Tests cost_per_day: a crew working 06:00-16:00 Monday to Friday, at 1,000 a day; a 12 h
    job begun Monday 00:00 runs Monday 06-16 and Tuesday 06-08, so 2 days are paid: 2,000
    (and 12 working hours at 10 an hour: 120)."""
    plan = make_plan("""
[calendars.day]
shifts = ["06:00-16:00"]
[resources.crew]
capacity = 1
calendar = "day"
cost_per_day = 1000
cost_per_hour = 10
[tasks.job]
duration = "12h"
uses = { crew = 1 }
[objective]
kind = "cost"
""")
    result = solve(plan, FAST)
    assert (result.status, result.makespan, result.objective) == (SolveStatus.OPTIMAL, 32,
                                                                  212_000)


def test_the_two_halls_example_is_cheapest_and_verified(root):
    """Tests plans/two-halls.toml (every feature of issue 18 at once): a verified, proven
    optimal cost with both freight bills and the air freight it pays for, hall A online
    within its week."""
    from rackplan.scheduler.cost import breakdown
    from rackplan.scheduler.load import load_plan
    from rackplan.scheduler.verify import verify

    plan = load_plan(root / "plans" / "two-halls.toml")
    result = solve(plan, FAST)
    assert result.status == SolveStatus.OPTIMAL
    assert verify(plan, result.tasks, result.expedited) == []
    # Flying hall B's racks in 2 days sooner (4,000) saves two days of crews on site.
    assert result.expedited == frozenset({"hall-B-racks"})
    cost = breakdown(plan, result.tasks, expedited=result.expedited)
    assert (cost["deliveries"], cost["expedites"]) == (600_000, 400_000)
    assert cost["total"] == result.objective
    assert result.forecast(plan.targets["hall-a-online"]) <= plan.targets["hall-a-online"].due


def test_the_workbook_names_the_expedited_deliveries(root, tmp_path):
    """Tests the Summary sheet of the two-halls example: the air freight's 4,000 and which
    delivery it was for."""
    out = tmp_path / "t.xlsx"
    result = CliRunner().invoke(main, ["schedule", str(root / "plans" / "two-halls.toml"),
                                       "--workers", "1", "-q", "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    rows = {r[0].value: r[1].value for r in load_workbook(out)["Summary"].iter_rows()
            if r[0].value}
    assert (rows["  expedites"], rows["Expedited deliveries"]) == (4000.0, "hall-B-racks")


# One rack due at 20 h, which air freight brings 16 h sooner for a price; a 4 h install by the
# one fiber crew, paid 100 an hour from the start to the finish.
RUSH = """
[resources.fiber]
capacity = 1
cost_per_hour = 100
[deliveries.racks]
item = "rack"
batches = [{ at = "20h", quantity = 1 }]
expedite = { earlier = "16h", cost = PRICE }
[tasks.install]
needs = "rack"
duration = "4h"
uses = { fiber = 1 }
[objective]
kind = "KIND"
"""


@pytest.mark.parametrize("price, expedited, finish, cents", [
    # Expedited: release 4, finish 8: 800 of crew + 1,000 = 1,800 < 2,400 on the truck's date.
    (1000, {"racks"}, 8, 180_000),
    # At 2,000 it would cost 2,800 > 2,400: the rack comes by truck, finish 24.
    (2000, set(), 24, 240_000),
])
def test_expediting_a_delivery_when_it_pays(price, expedited, finish, cents):
    from rackplan.scheduler.verify import verify

    plan = make_plan(RUSH.replace("PRICE", str(price)).replace("KIND", "cost"))
    assert plan.tasks["install"].early_release == 4
    result = solve(plan, FAST)
    assert (result.status, set(result.expedited), result.makespan, result.objective) == \
        (SolveStatus.OPTIMAL, expedited, finish, cents)
    assert verify(plan, result.tasks, result.expedited) == []
    if expedited:  # without paying, the early start breaks the delivery date
        assert verify(plan, result.tasks) == [
            "install: starts at slot 4, before its release 20 (deliveries.racks unit 1)"]


def test_only_the_cost_objective_expedites():
    """Tests the finish objective: expediting has no price there, so the truck's date holds."""
    plan = make_plan(RUSH.replace("PRICE", "1").replace("KIND", "finish"))
    result = solve(plan, FAST)
    assert (result.expedited, result.makespan) == (frozenset(), 24)
