"""Forward-backward improvement: right-justify, then left-justify, while the finish shrinks."""

from conftest import FAST, MAX_LAG_PLAN, make_plan

from rackplan.scheduler.calendar import Calendars
from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.heuristic import list_schedule
from rackplan.scheduler.justify import forward_backward, right_justify
from rackplan.scheduler.schedule import SolveStatus, make_task
from rackplan.scheduler.verify import verify

# One crew of 2. The list scheduler starts c first (longest tail: c + d = 6 h against a + b =
# 5 h): c [0,3) on 1; a needs both, so [3,5); b [5,8); d needs both and the crew holds b until
# 8, so d [8,11): 11 h. The optimum is 8 h: the crew's work is 2*2 + 3 + 3 + 2*3 = 16 h of 2.
PACKING = """
[resources.crew]
capacity = 2
[tasks.a]
duration = "2h"
uses = { crew = 2 }
[tasks.b]
duration = "3h"
uses = { crew = 1 }
after = ["a"]
[tasks.c]
duration = "3h"
uses = { crew = 1 }
[tasks.d]
duration = "3h"
uses = { crew = 2 }
after = ["c"]
"""


def spans(tasks):
    return {tid: (st.start, st.finish) for tid, st in tasks.items()}


def test_list_schedule_of_the_packing_plan_takes_11_hours():
    tasks = list_schedule(make_plan(PACKING))
    assert spans(tasks) == {"c": (0, 3), "a": (3, 5), "b": (5, 8), "d": (8, 11)}


def test_right_justify_packs_tasks_against_the_finish():
    """Tests the backward pass, latest finish first, by 11: d [8,11); b cannot share [8,11)
    with d, so [5,8); c finishes by d's start and shares [5,8) with b; a ends by b's start:
    [3,5)."""
    plan = make_plan(PACKING)
    late = right_justify(plan, list_schedule(plan))
    assert spans(late) == {"d": (8, 11), "b": (5, 8), "c": (5, 8), "a": (3, 5)}
    assert verify(plan, late) == []


def test_forward_backward_finds_the_8_hour_schedule():
    """Tests the forward pass over the right-justified order (a 3, b 5, c 5, d 8): a [0,2),
    b and c [2,5) side by side, d [5,8) - the 8 h optimum."""
    plan = make_plan(PACKING)
    best = forward_backward(plan, list_schedule(plan))
    assert spans(best) == {"a": (0, 2), "b": (2, 5), "c": (2, 5), "d": (5, 8)}
    assert verify(plan, best) == []


def test_solve_returns_the_improved_list_schedule_when_it_meets_the_bound():
    """Tests that solve() seeds with the improved schedule: 8 h meets the crew bound, so no
    search is needed (without the improvement, 11 h would go to CP-SAT)."""
    result = solve(make_plan(PACKING), FAST)
    assert (result.status, result.makespan, result.source) == (SolveStatus.OPTIMAL, 8, "heuristic")


def test_right_justify_follows_the_crew_calendar():
    """Tests a 10 h task on an 08:00-16:00 crew moved late: by the end at 40 (Tuesday 16:00, set
    by a 40 h elapsed soak) it works Monday [14,16) and Tuesday [32,40); its 4 h predecessor on
    the same crew ends by 14: [10,14)."""
    plan = make_plan("""
        [calendars.day]
        shifts = ["08:00-16:00"]
        [resources.crew]
        capacity = 1
        calendar = "day"
        [tasks.a]
        duration = "4h"
        uses = { crew = 1 }
        [tasks.b]
        duration = "10h"
        uses = { crew = 1 }
        after = ["a"]
        [tasks.soak]
        duration = "40h"
    """)
    cals = Calendars(plan)
    early = list_schedule(plan, cals)
    assert early["b"].segments == ((12, 16), (32, 38))
    late = right_justify(plan, early, cals)
    assert late["b"].segments == ((14, 16), (32, 40))
    assert (late["a"].start, late["a"].finish) == (10, 14)
    assert verify(plan, late) == []


def test_right_justify_gives_up_rather_than_break_a_release():
    """Tests the release guard on a schedule whose successor y sits at [2,3): x (not before
    02:00, 1 h) would have to end by 2, i.e. start at 1, before its release: None."""
    plan = make_plan("""
        [tasks.x]
        duration = "1h"
        not_before = 2024-01-01T02:00:00
        [tasks.y]
        duration = "1h"
        after = ["x"]
    """)
    cals = Calendars(plan)
    assert plan.tasks["x"].release == 2
    given = {"x": make_task(plan, cals, "x", 2, 0), "y": make_task(plan, cals, "y", 2, 0)}
    assert right_justify(plan, given, cals) is None


def test_plans_with_maximum_lags_are_left_as_they_are():
    plan = make_plan(MAX_LAG_PLAN)
    tasks = list_schedule(plan)
    assert forward_backward(plan, tasks) is tasks
