"""Lower bounds that hold for every schedule."""

from conftest import make_plan

from scheduler.bounds import critical_path_bound, lower_bound
from scheduler.calendar import Calendars


def test_energy_bound_beats_the_critical_path():
    """Tests two 4 h jobs on one crew, then a 1 h test: the critical path says 5 h, the crew's
    workload says 4 + 4 + 1 = 9 h."""
    plan = make_plan("""
        [resources.crew]
        capacity = 1
        [tasks.a]
        duration = "4h"
        uses = { crew = 1 }
        [tasks.b]
        duration = "4h"
        uses = { crew = 1 }
        [tasks.test]
        duration = "1h"
        after = ["a", "b"]
    """)
    cals = Calendars(plan)
    assert critical_path_bound(plan, cals) == 5
    assert lower_bound(plan, cals) == 9


def test_energy_bound_counts_working_time_only():
    """Tests a crew on 08:00-16:00 with 12 h of work: it ends Tuesday 12:00 at the earliest
    (Monday 8 h + Tuesday 4 h), slot 36."""
    plan = make_plan("""
        [calendars.day]
        shifts = ["08:00-16:00"]
        [resources.crew]
        capacity = 1
        calendar = "day"
        [tasks.a]
        duration = "6h"
        uses = { crew = 1 }
        [tasks.b]
        duration = "6h"
        uses = { crew = 1 }
    """)
    assert lower_bound(plan, Calendars(plan)) == 36
