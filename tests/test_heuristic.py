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
