"""Lags in working time (issue 18 item 4): "cabling may start 4 working hours after
positioning", in the plan language, the list scheduler, the CP-SAT model and the verifier."""

import pytest
from conftest import FAST, make_plan

from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.heuristic import list_schedule
from rackplan.scheduler.schedule import ScheduledTask, SolveStatus
from rackplan.scheduler.verify import verify

# Monday 2024-01-01 00:00 UTC is slot 0; crews work 06:00-16:00, Monday to Friday.
PLAN = """
[calendars.day]
shifts = ["06:00-16:00"]
[resources.riggers]
capacity = 1
calendar = "day"
[resources.fiber]
capacity = 1
calendar = "day"
[tasks.position]
duration = "8h"
uses = { riggers = 1 }
[tasks.cable]
after = [{ task = "position", lag = "4h"LAG }]
duration = "2h"
uses = { fiber = 1 }
"""


@pytest.mark.parametrize("lag, start", [
    # Elapsed: position ends Monday 14:00 (slot 14); 14 + 4 = 18 is off shift, so the cable
    # waits for Tuesday 06:00 (slot 30).
    ("", 30),
    # Working: 14-16 on Monday is 2 working hours, Tuesday 06-08 the other 2: start at 08:00
    # Tuesday (slot 32).
    (", working = true", 32),
    (', lag_calendar = "day"', 32),
])
def test_a_lag_counts_elapsed_or_working_hours(lag, start):
    """Tests the derivation above in the list scheduler and CP-SAT (optimal: one chain)."""
    plan = make_plan(PLAN.replace("LAG", lag))
    heuristic = list_schedule(plan)
    assert verify(plan, heuristic) == []
    assert heuristic["cable"].start == start
    result = solve(plan, FAST)
    assert (result.status, result.tasks["cable"].start) == (SolveStatus.OPTIMAL, start)
    assert result.makespan == start + 2


def test_the_verifier_counts_working_hours():
    """Tests the independent check: a cable at Monday 18:00 is 4 elapsed hours after the
    position but only 2 working hours: refused."""
    plan = make_plan(PLAN.replace("LAG", ", working = true"))
    tasks = {"position": ScheduledTask("position", 6, 14, 0, ((6, 14),)),
             "cable": ScheduledTask("cable", 30, 32, 0, ((30, 32),))}
    assert verify(plan, tasks) == ["position -> cable (FS, lag 4 working in 'day'): 30 < 32"]


@pytest.mark.parametrize("lag, line", [
    (', working = true, lag_calendar = "day"',
     "test.toml:20: tasks.cable.after.working: give either 'working' or 'lag_calendar', "
     "not both"),
    (', working = true, max_lag = "8h"',
     "test.toml:20: tasks.cable.after.max_lag: a maximum lag counts elapsed time; it cannot "
     "go with a lag in working time"),
    (', lag_calendar = "nights"',
     "test.toml:20: tasks.cable.after.lag_calendar: unknown calendar 'nights'"),
])
def test_misused_working_lags_are_refused(lag, line):
    with pytest.raises(PlanInvalid) as err:
        make_plan(PLAN.replace("LAG", lag))
    assert line in err.value.lines()


def test_a_working_lag_needs_working_time():
    """Tests a successor with no calendar: there is no working time to count in."""
    body = PLAN.replace("LAG", ", working = true").replace(
        'duration = "2h"\nuses = { fiber = 1 }', 'duration = "2h"')
    with pytest.raises(PlanInvalid) as err:
        make_plan(body)
    assert err.value.lines() == [
        "test.toml:20: tasks.cable.after.working: this task runs in elapsed time, so it has no "
        "working time to count the lag in; name one with lag_calendar"]


def test_mspdi_writes_a_working_lag_in_working_hours():
    """Tests the MS Project export: the 4 h working lag is LagFormat 5 (hours), 4 x 600 tenths
    of a minute; an elapsed lag stays LagFormat 6 (elapsed hours)."""
    import re

    from rackplan.exports.json_schedule import schedule_to_dict
    from rackplan.exports.mspdi import mspdi_text

    for lag, fmt in ((", working = true", "5"), ("", "6")):
        plan = make_plan(PLAN.replace("LAG", lag))
        doc = schedule_to_dict(solve(plan, FAST))
        xml = mspdi_text(doc, doc.get("calendars"))
        links = re.findall(r"<LinkLag>(\d+)</LinkLag><LagFormat>(\d+)</LagFormat>", xml)
        assert links == [("2400", fmt)]
