"""The list-scheduling heuristic: feasible (verified) on every example, repairs max lags."""

from conftest import MAX_LAG_PLAN, make_plan

from scheduler.heuristic import list_schedule
from scheduler.load import load_plan
from scheduler.verify import verify


def test_heuristic_repairs_a_broken_max_lag():
    """Tests that when the crew is busy, the fill is delayed so the test starts within 1 h."""
    plan = make_plan(MAX_LAG_PLAN)
    tasks = list_schedule(plan, rules=("tail",))
    assert verify(plan, tasks) == []
    assert tasks["test"].start - tasks["fill"].finish <= 1


def test_heuristic_on_tutorial_is_feasible(root):
    plan = load_plan(root / "plans" / "tutorial.toml")
    tasks = list_schedule(plan)
    assert verify(plan, tasks) == []


def test_heuristic_on_colossus_meets_122_days(root):
    """Tests the 100k-GPU plan: a verified schedule from the heuristic alone within 122 days."""
    plan = load_plan(root / "plans" / "colossus-122d.toml")
    tasks = list_schedule(plan, rules=("release",))
    assert verify(plan, tasks) == []
    assert max(t.finish for t in tasks.values()) <= 122 * 24


def test_left_justify_moves_slack_tasks_early_and_keeps_the_order():
    """Tests the replay of a solver's schedule: y[0,2) x[2,5) z[4,5) on one crew (z needs no
    crew and waits only for y) becomes y[0,2) x[2,5) z[2,3): the crew order y-before-x stays,
    z moves to y's finish."""
    from conftest import make_plan
    from test_explain import CREW

    from scheduler.calendar import Calendars
    from scheduler.heuristic import left_justify
    from scheduler.schedule import make_task

    plan = make_plan(CREW)
    cals = Calendars(plan)
    given = {"y": make_task(plan, cals, "y", 0, 0), "x": make_task(plan, cals, "x", 2, 0),
             "z": make_task(plan, cals, "z", 4, 0)}
    moved = left_justify(plan, given, cals)
    assert {t: (s.start, s.finish) for t, s in moved.items()} == {
        "y": (0, 2), "x": (2, 5), "z": (2, 3)}
