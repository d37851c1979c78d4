"""The list-scheduling heuristic: feasible (verified) on every example, repairs max lags."""

from conftest import MAX_LAG_PLAN, make_plan

from rackplan.scheduler.heuristic import list_schedule
from rackplan.scheduler.load import load_plan
from rackplan.scheduler.verify import verify


def test_heuristic_repairs_a_broken_max_lag():
    """Tests that when the crew is busy, the fill is delayed so the test starts within 1 h."""
    plan = make_plan(MAX_LAG_PLAN)
    tasks = list_schedule(plan, rules=("tail",))
    assert verify(plan, tasks) == []
    assert tasks["test"].start - tasks["fill"].finish <= 1


def test_max_lag_block_delays_the_fill_until_the_test_fits():
    """Tests the block placement (fill and test tied by the 1 h maximum lag): the crew is busy
    0-4 h with x; a fill at 0 would leave the test to start at 4 > 1 + 1, so the fill moves to
    2 (finish 3) and the test runs 4-5: the optimum, the crew's 5 h of work end no sooner."""
    plan = make_plan(MAX_LAG_PLAN)
    tasks = list_schedule(plan, rules=("release",))
    assert verify(plan, tasks) == []
    assert (tasks["fill"].start, tasks["test"].start, tasks["test"].finish) == (2, 4, 5)


OVERNIGHT_CONNECT = """
[calendars.days]
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
shifts = ["07:00-16:00"]
[resources.fitter]
capacity = 1
calendar = "days"
[resources.gauge]
capacity = 1
[tasks.soak]
duration = "24h"
uses = { gauge = 1 }
[tasks.connect]
duration = "2h"
uses = { fitter = 1 }
[tasks.test]
duration = "4h"
uses = { gauge = 1 }
after = [{ task = "connect", max_lag = "4h" }]
"""


def test_a_delayed_predecessor_may_finish_overnight():
    """Tests the delay of a predecessor over its calendar. The gauge soaks 0-24 (Monday); the
    connect (07:00-16:00 every day) would end at 9 and the test start at 24 > 9 + 4, so the
    connect must end at 20 or later. Started at 15 it works 15-16 and 07-08 next day, ends at
    32 and the test runs 32-36: the optimum (a connect ends by 16 or from 32 on, and one
    ending by 16 leaves the test to start by 20, while the gauge soaks). Delaying the start by
    the shortfall (24 - 13 = 11, to 18, after hours) began it at 31 and ended the test at 37."""
    plan = make_plan(OVERNIGHT_CONNECT)
    tasks = list_schedule(plan, rules=("tail",))
    assert verify(plan, tasks) == []
    assert (tasks["connect"].start, tasks["connect"].finish) == (15, 32)
    assert (tasks["test"].start, tasks["test"].finish) == (32, 36)


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

    from rackplan.scheduler.calendar import Calendars
    from rackplan.scheduler.heuristic import left_justify
    from rackplan.scheduler.schedule import make_task

    plan = make_plan(CREW)
    cals = Calendars(plan)
    given = {"y": make_task(plan, cals, "y", 0, 0), "x": make_task(plan, cals, "x", 2, 0),
             "z": make_task(plan, cals, "z", 4, 0)}
    moved = left_justify(plan, given, cals)
    assert {t: (s.start, s.finish) for t, s in moved.items()} == {
        "y": (0, 2), "x": (2, 5), "z": (2, 3)}


INTERLEAVED_ARRAYS = """
    [resources.crew]
    capacity = 1
    [tasks.a1]
    duration = "2h"
    uses = { crew = 1 }
    [tasks.b1]
    duration = "2h"
    uses = { crew = 1 }
    [tasks.a2]
    duration = "2h"
    uses = { crew = 1 }
    [tasks.b2]
    duration = "2h"
    uses = { crew = 1 }
    [tasks.accept-a]
    after = ["a1", "a2"]
    duration = 0
    gpus = 100
    [tasks.accept-b]
    after = ["b1", "b2"]
    duration = 0
    gpus = 100
    [objective]
    kind = "gpu-hours"
    until = "10h"
"""


def test_online_rule_finishes_one_array_before_starting_the_next():
    """Tests four 2 h installs on one crew, listed a1 b1 a2 b2, each array's 100 GPUs online
    once its two installs are done, GPU-hours counted to 10 h. The release rule keeps plan
    order: A online at 6, B at 8 = 100 x 4 + 100 x 2 = 600. The online rule does A's installs
    first: A at 4, B at 8 = 100 x 6 + 100 x 2 = 800, the bound (installs end no sooner than 2,
    4, 6, 8; CP-SAT proves it here, as the tasks are not steps of a template)."""
    from rackplan.scheduler.calendar import Calendars
    from rackplan.scheduler.cpsat import solve
    from rackplan.scheduler.heuristic import ListScheduler
    from rackplan.scheduler.schedule import SolveStatus, objective_value

    plan = make_plan(INTERLEAVED_ARRAYS)
    released = ListScheduler(plan, Calendars(plan)).run("release")
    assert objective_value(plan, released, 10) == -600
    best = list_schedule(plan)
    assert verify(plan, best) == []
    assert (best["accept-a"].finish, best["accept-b"].finish) == (4, 8)
    assert objective_value(plan, best, 10) == -800
    result = solve(plan)
    assert (result.status, result.objective) == (SolveStatus.OPTIMAL, -800)
