"""Paid modes moved onto the critical chain (scheduler/paid_modes.py)."""

import time
from pathlib import Path

from conftest import make_plan

from rackplan.scheduler.calendar import Calendars
from rackplan.scheduler.cpsat import SolveOptions, solve
from rackplan.scheduler.cpsat.solve import _improved
from rackplan.scheduler.heuristic import ListScheduler, rule_schedules
from rackplan.scheduler.load import load_plan
from rackplan.scheduler.paid_modes import spend_on_chain
from rackplan.scheduler.schedule import SolveStatus, gpu_until, objective_value
from rackplan.scheduler.verify import verify

DATA = Path(__file__).resolve().parent / "data"

PLAN = """
    [resources.crew]
    capacity = 1
    [budgets.overtime]
    total = 1
    [templates.job]
    [tasks.x]
    modes = [{ duration = "3h", uses = { crew = 1 } },
             { duration = "2h", uses = { crew = 1 }, spends = { overtime = 1 } }]
    [tasks.y]
    not_before = "1h"
    modes = [{ duration = "3h", uses = { crew = 1 } },
             { duration = "2h", uses = { crew = 1 }, spends = { overtime = 1 } }]
    [tasks.z]
    after = ["y"]
    duration = "10h"
"""


def test_overtime_moves_to_the_task_that_drives_the_finish():
    """Tests one crew, x (3 h, or 2 h for the one overtime hour) from 0 and y (the same) from
    1 h, then z (10 h) after y. Earliest release first, x takes the overtime (0-2), y runs
    2-5 and z 5-15. Moved to y, which drives the finish: y 1-3, z 3-13, x 3-6 at 3 h."""
    plan = make_plan(PLAN.replace("[templates.job]\n", ""))
    cals = Calendars(plan)
    first = ListScheduler(plan, cals).run("release")
    assert (first["x"].mode, first["y"].start, first["z"].finish) == (1, 2, 15)
    better = spend_on_chain(plan, first, cals)
    assert not verify(plan, better)
    assert (better["y"].mode, better["y"].start, better["z"].finish) == (1, 1, 13)
    assert better["x"].mode == 0 and max(t.finish for t in better.values()) == 13


def test_no_budget_leaves_the_schedule_as_it_is():
    plan = make_plan("""
        [resources.crew]
        capacity = 1
        [tasks.a]
        duration = "2h"
        uses = { crew = 1 }
    """)
    tasks = ListScheduler(plan).run("tail")
    assert spend_on_chain(plan, tasks) is tasks


def test_overtime_moves_to_the_work_a_late_soft_target_waits_for():
    """Tests one crew, x (3 h, or 2 h for the one overtime hour) whose acceptance brings 64
    GPUs online, wanted by 2 h at 10 per hour late, and y (the same) before z (10 h).
    Longest tail first, y takes the overtime (0-2), z ends at 12 and x runs 2-5: the GPUs
    come 3 h late, 12 + 30 = 42. The target's chain gets the overtime and goes first: x 0-2,
    y 2-5, z 5-15: 15, the target met."""
    plan = make_plan("""
        [resources.crew]
        capacity = 1
        [budgets.overtime]
        total = 1
        [tasks.x]
        modes = [{ duration = "3h", uses = { crew = 1 } },
                 { duration = "2h", uses = { crew = 1 }, spends = { overtime = 1 } }]
        [tasks.accept]
        after = ["x"]
        duration = 0
        gpus = 64
        [tasks.y]
        modes = [{ duration = "3h", uses = { crew = 1 } },
                 { duration = "2h", uses = { crew = 1 }, spends = { overtime = 1 } }]
        [tasks.z]
        after = ["y"]
        duration = "10h"
        [targets.first]
        gpus = 64
        by = "2h"
        hard = false
        penalty = 10
    """)
    cals = Calendars(plan)
    first = ListScheduler(plan, cals).run("tail")
    assert (first["y"].mode, first["x"].finish, first["z"].finish) == (1, 5, 12)
    assert objective_value(plan, first, 0) == 42
    better = spend_on_chain(plan, first, cals)
    assert not verify(plan, better)
    assert (better["x"].mode, better["x"].finish, better["z"].finish) == (1, 2, 15)
    assert objective_value(plan, better, 0) == 15


def test_the_other_rules_schedules_are_improved_when_the_best_misses_the_bound():
    """Tests bench/varied.py's plan 44 (809 tasks): 6 arrays of 8 racks (3,072 GPUs) online by
    day 16 (slot 384), 4 per hour late. One netops tech on weeknights fabric-tests one array a
    night, so the sixth array's test is on Friday 24 May at the earliest: the techs' power-ons
    (2 techs, 8 h days) keep up with the fibre crews' cables only with the four overtime hours
    on the last array's racks; burn-in 72 h, online Tue 28 May 05:00 = slot 527 (143 late). The
    flow line proves both that and the finish 863: 863 + 4 x 143 = 1,435. Every rule's list
    schedule scores 1,723 (online Monday night a week on: 215 late); improved, the release
    rule's (which the tie picks) cannot leave 1,723 (the second hall's energising took the
    electrician's first rack day), the "online" rule's reaches 1,435."""
    plan = load_plan(DATA / "varied-44.toml")
    cals = Calendars(plan)
    listed = rule_schedules(plan, cals)
    assert [value for value, _, _ in listed] == [1723, 1723, 1723]
    first = _improved(plan, cals, listed[0][2], time.monotonic() + 30, 10)
    until = gpu_until(plan, 0)
    assert objective_value(plan, first, until) == 1723
    result = solve(plan, SolveOptions(time_limit=30, workers=1))
    assert result.status == SolveStatus.OPTIMAL and result.source == "heuristic"
    assert (result.objective, result.makespan) == (1435, 863)
    assert not verify(plan, result.tasks)
