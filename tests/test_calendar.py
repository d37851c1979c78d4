"""Working time on the slot axis: shifts past midnight, weekdays, holidays, DST, length groups."""

import pendulum

from rackplan.scheduler.calendar import WorkTime
from rackplan.scheduler.plan import CalendarSpec


def _cal(shifts, days=range(7), holidays=(), tz="UTC", start="2024-01-01T00:00:00"):
    spec = CalendarSpec("c", frozenset(days), tuple(shifts), frozenset(holidays))
    return WorkTime(spec, pendulum.parse(start, tz=tz), 60)


def test_overnight_shift_belongs_to_the_day_it_starts():
    """Tests a 16:00-02:00 shift on Mondays only: works Mon 16-24 and Tue 00-02."""
    cal = _cal([(960, 1560)], days=[0])
    assert [t for t in range(48) if cal.is_working(t)] == list(range(16, 26))


def test_finish_and_segments_skip_the_gap():
    """Tests 06:00-16:00 and 16:00-02:00 shifts: a 6 h task from 22:00 pauses 02:00-06:00."""
    cal = _cal([(360, 960), (960, 1560)])
    assert cal.finish(22, 6) == 32
    assert cal.segments(22, 6) == [(22, 26), (30, 32)]


def test_length_groups_partition_the_starts():
    """Tests that starts are grouped by elapsed length: 2 h fits unless it crosses 02:00."""
    cal = _cal([(360, 960), (960, 1560)])
    groups = cal.length_groups(2, 48)
    assert groups[2][0] == (0, 0)  # Monday 00:00 (Sunday's night shift) fits
    assert (1, 1) in groups[6]  # 01:00 + 1 h, pause 02-06, + 1 h -> ends 07:00
    assert sum(b - a + 1 for spans in groups.values() for a, b in spans) == sum(
        cal.is_working(t) for t in range(48))


def test_daylight_saving_keeps_local_shift_times():
    """Tests that a 08:00-16:00 shift stays at local 08:00 across the March DST change."""
    cal = _cal([(480, 960)], tz="America/Chicago", start="2024-03-09T00:00:00")
    # Saturday 9 March: 08:00 local = slot 8. Sunday 10 March loses an hour at 02:00, so
    # 08:00 local is 24 + 7 = slot 31 in elapsed hours.
    assert cal.is_working(8) and not cal.is_working(7)
    assert cal.is_working(31) and not cal.is_working(30)


def test_holidays_are_off():
    """Tests that a holiday date has no working slots."""
    cal = _cal([(0, 1440)], holidays=["2024-01-02"])
    assert not any(cal.is_working(t) for t in range(24, 48))
    assert cal.is_working(23) and cal.is_working(48)


HALF_SATURDAY = """
[project]
name = "half Saturday"
start = 2024-01-06T00:00:00     # a Saturday
timezone = "UTC"
[calendars.crews]
shifts = ["06:00-16:00"]
sat = ["06:00-12:00"]
[resources.crew]
capacity = 1
calendar = "crews"
[tasks.a]
duration = "8h"
uses = { crew = 1 }
"""


def test_a_weekday_with_shifts_of_its_own():
    """Tests per-weekday shifts: 8 h of work begun Saturday 00:00 take the half Saturday
    (06-12, slots 6-12), then Monday 06-08 (slots 54-56): finish 56. Without the Saturday
    shift the work waits for Monday 06-14: finish 62. A day's own empty list takes it off."""
    from rackplan.scheduler.cpsat import SolveOptions, solve
    from rackplan.scheduler.load import plan_from_toml

    fast = SolveOptions(time_limit=5, workers=1)
    for text, finish in ((HALF_SATURDAY, 56),
                         (HALF_SATURDAY.replace('sat = ["06:00-12:00"]\n', ""), 62),
                         (HALF_SATURDAY.replace('sat = ["06:00-12:00"]', "sat = []\nmon = []"),
                          24 * 3 + 14)):
        result = solve(plan_from_toml("t.toml", text), fast)
        assert result.makespan == finish, text
    plan = plan_from_toml("t.toml", HALF_SATURDAY)
    assert solve(plan, fast).tasks["a"].segments == ((6, 12), (54, 56))


def test_a_weekday_shift_off_the_slot_grid_is_refused():
    """Tests that day shifts get the same slot check as the common ones."""
    import pytest

    from rackplan.scheduler.errors import PlanInvalid
    from rackplan.scheduler.load import plan_from_toml

    with pytest.raises(PlanInvalid) as err:
        plan_from_toml("t.toml", HALF_SATURDAY.replace("06:00-12:00", "06:00-12:30"))
    assert err.value.lines() == [
        "t.toml:8: calendars.crews.sat[0]: does not start and end on the project's 1h slots; "
        "round it to whole slots or use a finer project.resolution"]
