"""Budgets (non-renewable resources): modes that spend them, in the model, the list scheduler,
the verifier, check's conflicts and the reports."""

import json

from conftest import FAST, make_plan

from rackplan.exports.json_schedule import schedule_to_dict
from rackplan.exports.text import report
from rackplan.scheduler.check import check
from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.heuristic import list_schedule, reference_modes
from rackplan.scheduler.schedule import SolveStatus, make_task, spent
from rackplan.scheduler.verify import verify

# Three steps one after another. Each takes 4 h, or 2 h with 3 h of overtime paid; the overtime
# budget is 6 h, so two of the three can be rushed.
CHAIN = """
[budgets.overtime]
total = %d
unit = "h"
[tasks.a]
modes = [{ duration = "4h" }, { duration = "2h", spends = { overtime = 3 } }]
[tasks.b]
after = ["a"]
modes = [{ duration = "4h" }, { duration = "2h", spends = { overtime = 3 } }]
[tasks.c]
after = ["b"]
modes = [{ duration = "4h" }, { duration = "2h", spends = { overtime = 3 } }]
"""


def test_budget_limits_the_modes_chosen():
    """Tests the optimum under a 6 h overtime budget: two rushed steps, 2 + 2 + 4 = 8 h."""
    result = solve(make_plan(CHAIN % 6), FAST)
    assert result.status == SolveStatus.OPTIMAL
    assert result.makespan == 8
    assert sorted(st.mode for st in result.tasks.values()) == [0, 1, 1]
    assert spent(result.plan, result.tasks) == {"overtime": 6}


def test_without_the_budget_limit_every_step_is_rushed():
    """Tests that a budget of 9 h pays for all three rushed steps: 3 x 2 h = 6 h."""
    result = solve(make_plan(CHAIN % 9), FAST)
    assert result.makespan == 6


def test_list_scheduler_stays_within_budget():
    """Tests the heuristic alone: feasible, verified, at most the budget spent."""
    plan = make_plan(CHAIN % 3)
    tasks = list_schedule(plan)
    assert verify(plan, tasks) == []
    assert spent(plan, tasks)["overtime"] <= 3


def test_reference_modes_repair_an_overspent_budget():
    """Tests the start of the list scheduler: each task's cheapest mode by share spends A=10 of
    5, so one task moves to its B mode and both budgets fit."""
    plan = make_plan("""
[budgets.A]
total = 5
[budgets.B]
total = 5
[tasks.x]
modes = [{ duration = "1h", spends = { A = 5 } }, { duration = "2h", spends = { B = 5 } }]
[tasks.y]
modes = [{ duration = "1h", spends = { A = 5 } }, { duration = "2h", spends = { B = 5 } }]
""")
    choice = reference_modes(plan)
    assert sorted(choice.values()) == [0, 1]


def test_verifier_catches_overspending():
    """Tests the independent check: all three rushed modes spend 9 h of a 6 h budget."""
    plan = make_plan(CHAIN % 6)
    from rackplan.scheduler.calendar import Calendars

    cals = Calendars(plan)
    tasks = {"a": make_task(plan, cals, "a", 0, 1), "b": make_task(plan, cals, "b", 2, 1),
             "c": make_task(plan, cals, "c", 4, 1)}
    assert verify(plan, tasks) == ["budget overtime: 9 spent, total 6"]


def test_budget_no_mode_choice_fits_is_infeasible():
    """Tests a task whose every mode spends more than the budget holds."""
    plan = make_plan("""
[budgets.cranes]
total = 2
[tasks.lift]
modes = [{ duration = "1h", spends = { cranes = 3 } }, { duration = "3h", spends = { cranes = 4 } }]
""")
    assert list_schedule(plan) is None
    assert solve(plan, FAST).status == SolveStatus.INFEASIBLE


def test_check_names_the_budget_in_the_conflict():
    """Tests check on a 7 h hard target: it needs all three rushed (6 h, 9 h of overtime) but
    the budget holds 6 h, so it is missed by 1 h (8 h at best); the minimal conflict is the
    budget and the target."""
    plan = make_plan(CHAIN % 6 + """
[targets.soon]
by = "7h"
hard = true
""")
    result = check(plan, time_limit=20, workers=1)
    assert result.outcome == "misses"
    assert result.schedule.makespan == 8
    assert result.conflict == ["budgets.overtime", "targets.soon"]
    assert result.conflict_minimal
    from rackplan.scheduler.check import describe

    assert describe(plan, "budgets.overtime") == ("total 6 h; the cheapest modes alone "
                                                  "spend 0")


def test_reports_show_budget_use():
    """Tests the text report's Budgets table and the JSON document's budgets."""
    result = solve(make_plan(CHAIN % 6), FAST)
    text = report(result)
    assert "Budgets\nbudget      spent    total    left  unit\n" in text
    assert "overtime        6        6       0  h" in text
    doc = json.loads(json.dumps(schedule_to_dict(result)))
    assert doc["budgets"] == [{"id": "overtime", "unit": "h", "total": 6, "spent": 6}]


def test_workbook_summary_lists_budgets(tmp_path):
    """Tests the Summary sheet's Budgets rows, read back: overtime 6 spent of 6, 0 left, h."""
    from openpyxl import load_workbook

    from rackplan.exports.xlsx import write_workbook

    result = solve(make_plan(CHAIN % 6), FAST)
    path = tmp_path / "plan.xlsx"
    write_workbook(schedule_to_dict(result), path)
    rows = [[c.value for c in row] for row in load_workbook(path)["Summary"].iter_rows()]
    header = rows.index(["Budget", "Spent", "Total", "Left", "Unit", None])
    assert rows[header + 1][:5] == ["overtime", 6, 6, 0, "h"]
