"""Tasks that must not pause (`interruptible = false`): one unbroken span of working time, in
the plan language, the list scheduler, the CP-SAT model and the verifier (issue 18, item 3)."""

import pytest
from conftest import FAST, make_plan
from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.heuristic import list_schedule
from rackplan.scheduler.load import plan_from_toml
from rackplan.scheduler.schedule import ScheduledTask, SolveStatus
from rackplan.scheduler.verify import verify

# Monday 2024-01-01 00:00 UTC is slot 0; the crew works 06:00-16:00, Monday to Friday.
DAY_SHIFT = """
[calendars.day]
shifts = ["06:00-16:00"]
[resources.crew]
capacity = 1
calendar = "day"
[tasks.position]
duration = "8h"
uses = { crew = 1 }
[tasks.leak-test]
after = ["position"]
duration = "4h"
uses = { crew = 1 }
"""


def test_a_task_that_must_not_pause_waits_for_a_whole_stretch():
    """Tests the makespan both ways. position works 06-14 on Monday (slots 6-14). A leak test
    that may pause works 14-16 and Tuesday 06-08: finish slot 24 + 8 = 32. One that must not
    pause cannot start at 14 (it would break at 16), so it runs Tuesday 06-10: slot 34."""
    pausing = make_plan(DAY_SHIFT)
    whole = make_plan(DAY_SHIFT.replace('duration = "4h"\n',
                                        'duration = "4h"\ninterruptible = false\n'))
    for plan, finish, segments in ((pausing, 32, ((14, 16), (30, 32))),
                                   (whole, 34, ((30, 34),))):
        heuristic = list_schedule(plan)
        assert verify(plan, heuristic) == []
        assert heuristic["leak-test"].segments == segments
        result = solve(plan, FAST)
        assert (result.status, result.makespan) == (SolveStatus.OPTIMAL, finish)
        assert result.tasks["leak-test"].segments == segments


def test_the_verifier_rejects_a_pause():
    """Tests the independent check: the leak test split over the night is refused."""
    plan = make_plan(DAY_SHIFT.replace('duration = "4h"\n',
                                       'duration = "4h"\ninterruptible = false\n'))
    tasks = {"position": ScheduledTask("position", 6, 14, 0, ((6, 14),)),
             "leak-test": ScheduledTask("leak-test", 14, 32, 0, ((14, 16), (30, 32)))}
    assert verify(plan, tasks) == ["leak-test: pauses at slot 16, but must run without a "
                                   "break (interruptible = false)"]


def test_a_task_longer_than_any_stretch_is_refused():
    """Tests validation: 12 h of unbroken work on a 10 h shift never fits, said with the
    line; a non-boolean value is refused too."""
    body = DAY_SHIFT.replace('duration = "4h"\n', 'duration = "12h"\ninterruptible = false\n')
    with pytest.raises(PlanInvalid) as err:
        make_plan(body)
    assert err.value.lines() == [
        "test.toml:19: tasks.leak-test.interruptible: 12 h of work never fit in one unbroken "
        "stretch of calendar 'day' (at most 10 h); allow pauses or shorten the task"]
    with pytest.raises(PlanInvalid) as err:
        make_plan(DAY_SHIFT.replace('duration = "4h"\n', 'duration = "4h"\ninterruptible = 0\n'))
    assert err.value.lines() == [
        "test.toml:19: tasks.leak-test.interruptible: must be true or false, got 0"]


def test_night_shift_pairs_make_one_stretch():
    """Tests shifts that meet at 16:00 (06-16 and 16-02): 20 h of unbroken work fit, so a 12 h
    task that must not pause is valid and runs 06:00 to 18:00 on Monday (slots 6-18)."""
    plan = plan_from_toml("t.toml", """
[project]
name = "t"
start = 2024-01-01T00:00:00
timezone = "UTC"
[calendars.two]
shifts = ["06:00-16:00", "16:00-02:00"]
[resources.crew]
capacity = 1
calendar = "two"
[tasks.lift]
duration = "12h"
uses = { crew = 1 }
interruptible = false
""")
    result = solve(plan, FAST)
    assert result.tasks["lift"].segments == ((6, 18),)
