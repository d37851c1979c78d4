"""Paid modes moved onto the critical chain (scheduler/paid_modes.py)."""

from conftest import make_plan

from rackplan.scheduler.calendar import Calendars
from rackplan.scheduler.heuristic import ListScheduler
from rackplan.scheduler.paid_modes import spend_on_chain
from rackplan.scheduler.schedule import objective_value
from rackplan.scheduler.verify import verify

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
