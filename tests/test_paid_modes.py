"""Paid modes moved onto the critical chain (scheduler/paid_modes.py)."""

from conftest import make_plan

from rackplan.scheduler.calendar import Calendars
from rackplan.scheduler.heuristic import ListScheduler
from rackplan.scheduler.paid_modes import spend_on_chain
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
