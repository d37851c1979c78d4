"""The crews followed slot by slot (scheduler/crew_walk.py): GPU-slots of a crew that lays the
halls' loops and connects their racks; a dock and riggers through a staging area."""

import random
import time

import pytest
from conftest import FAST, make_plan
from test_bounds import NIGHTS_AND_DAYS, _assert_bounded_by_schedules, _plain_optimum

from rackplan.scheduler.bounds import bounds, lower_bound
from rackplan.scheduler.calendar import Calendars
from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.crew_walk import walk_floor
from rackplan.scheduler.schedule import SolveStatus

THREE_LOOPS = """
    [resources.pipefitters]
    capacity = 2
    [[levels]]
    name = "hall"
    count = 3
    id = "hall-{A}"
    [[levels]]
    name = "rack"
    count = 2
    id = "rack-{1}"
    gpus = 64
    [templates.hall.loop]
    duration = "4h"
    uses = { pipefitters = 1 }
    [templates.rack.connect]
    after = ["hall:loop"]
    duration = "1h"
    uses = { pipefitters = 1 }
    [templates.hall.accept]
    after = ["rack:connect"]
    duration = 0
    online = true
    [objective]
    kind = "gpu-hours"
    until = "20h"
"""


def test_three_loops_on_two_pipefitters_cost_the_gpu_hours_the_walk_sees():
    """Tests two pipefitters laying three halls' 4 h loops, each hall's two racks connected
    (1 h) after its loop, 128 GPUs a hall, GPU-hours counted to hour 20. On its own each hall
    can be online at 5 (a loop, then both connects), 6 (two loops at once, four connects on
    two) and 9 (two loops on one pipefitter to 8, the other connecting the first two halls,
    then both on the third): 128 x (15 + 14 + 11) = 5,120 GPU-hours at most. Together, a
    third hall online by 9 leaves one pipefitter for the first two halls' racks (online at
    6 and 8: 23 hours in all), by 10 it needs its loop started by 5 (one pipefitter for the
    second hall's racks: 5, 7, 10), later ones no better than 5, 6, 11: at least 22 hours
    of waiting, 128 x (60 - 22) = 4,864 at most, which CP-SAT proves optimal."""
    plan = make_plan(THREE_LOOPS)
    cals = Calendars(plan)
    proven = bounds(plan, cals, 30)
    floor = proven.objective(plan, 20)
    assert floor == -5120
    assert walk_floor(plan, cals, proven, floor, 0, 20, time.monotonic() + 10) == -4864
    result = solve(plan, FAST)
    assert result.status == SolveStatus.OPTIMAL and result.objective == -4864


def test_walk_floor_leaves_finish_objectives_alone():
    """Tests that a finish objective gets its floor back unchanged (the walk counts
    GPU-slots)."""
    plan = make_plan(THREE_LOOPS.replace('kind = "gpu-hours"\n    until = "20h"', ""))
    cals = Calendars(plan)
    proven = bounds(plan, cals, 30)
    assert walk_floor(plan, cals, proven, 11, 20, 20, time.monotonic() + 10) == 11


@pytest.mark.parametrize("case", range(10))
def test_walk_floor_never_above_a_schedule(case):
    """Tests the walk's floor on random gpu-hours plans (a crew on nights, days or round the
    clock that lays hall loops and connects racks, capacities that change, sometimes a test
    within a maximum lag on another crew) against CP-SAT's best in two seconds on the plain
    model, which knows no bound: the floor is never above a schedule's score."""
    from ortools.sat.python import cp_model

    from rackplan.scheduler.cpsat.model import RackplanModel
    from rackplan.scheduler.heuristic import list_schedule
    from rackplan.scheduler.schedule import gpu_until, make_task, objective_value

    plan = make_plan(_random_gpu_plan(random.Random(case)))
    cals = Calendars(plan)
    listed = list_schedule(plan, cals)
    horizon = max(t.finish for t in listed.values())
    until = gpu_until(plan, horizon)
    proven = bounds(plan, cals, horizon)
    floor = walk_floor(plan, cals, proven, proven.objective(plan, until), 0, until,
                       time.monotonic() + 20)
    built = RackplanModel(plan, cals, horizon + 100, until).build()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = 2
    assert solver.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    tasks = {tid: make_task(plan, cals, tid, s, m) for tid, (s, m) in built.read(solver).items()}
    assert floor <= objective_value(plan, tasks, until)
    assert floor <= objective_value(plan, listed, until)


def _random_gpu_plan(rng) -> str:
    changes = ""
    if rng.random() < 0.5:
        changes = f'changes = [{{ from = "{rng.randint(1, 4)}d", ' \
                  f'capacity = {rng.choice([1, 2, 3])} }}]'
    test = ""
    if rng.random() < 0.4:
        test = f"""
        [templates.rack.test]
        after = [{{ task = "connect", max_lag = "{rng.randint(1, 4)}h" }}]
        duration = "{rng.randint(1, 4)}h"
        uses = {{ gauges = 1 }}"""
    return f"""
        {NIGHTS_AND_DAYS}
        [resources.pipefitters]
        capacity = {rng.choice([1, 2, 2, 3])}
        calendar = "{rng.choice(["nights", "days", "days"])}"
        {changes}
        [resources.gauges]
        capacity = 1
        [[levels]]
        name = "hall"
        count = {rng.randint(2, 3)}
        id = "hall-{{A}}"
        [[levels]]
        name = "array"
        count = {rng.randint(1, 2)}
        id = "array-{{1}}"
        [[levels]]
        name = "rack"
        count = {rng.randint(1, 3)}
        id = "rack-{{1}}"
        gpus = 64
        [templates.hall.loop]
        duration = "{rng.randint(4, 20)}h"
        uses = {{ pipefitters = 1 }}
        [templates.rack.connect]
        after = ["hall:loop"]
        duration = "{rng.randint(1, 3)}h"
        uses = {{ pipefitters = 1 }}
        {test}
        [templates.array.burn-in]
        after = ["rack:{"test" if test else "connect"}"]
        duration = "{rng.randint(1, 12)}h"
        [templates.array.accept]
        after = ["burn-in"]
        duration = 0
        online = true
        [objective]
        kind = "gpu-hours"
        until = "{rng.randint(4, 12)}d"
    """


STAGING = """
    [calendars.days]
    days = ["mon", "tue", "wed", "thu", "fri"]
    shifts = ["07:00-11:00", "12:00-16:00"]
    [resources.dock]
    capacity = 1
    [resources.riggers]
    capacity = 4
    calendar = "days"
    [storage.staging]
    capacity = 1
    [[levels]]
    name = "rack"
    count = 8
    id = "rack-{1}"
    [templates.rack.receive]
    duration = "1h"
    uses = { dock = 1 }
    fills = "staging"
    [templates.rack.position]
    after = ["receive"]
    duration = "2h"
    uses = { riggers = 1 }
    empties = "staging"
"""


def test_a_staging_area_of_one_paces_four_riggers_to_the_dock():
    """Tests eight racks received at one dock round the clock (1 h each) into a staging area
    of one, positioned by four riggers on 07:00-11:00 and 12:00-16:00 (2 h each). Overnight
    one rack waits in staging; a second can be received by 07:00, when the first leaves. So
    two positions start at 07:00 and then one an hour as the dock delivers (08, 09, 10); the
    rack received 10-11 waits out lunch, the one received 11-12 arrives as it leaves, both
    start at 12, the last at 13 and ends at 15. The riggers' hours alone say 11 (16 h of
    work on four from 07:00); followed with the dock through the staging area
    (scheduler/crew_walk.py) the bound is 15, CP-SAT's proven optimum of the plain model."""
    plan = make_plan(STAGING)
    cals = Calendars(plan)
    assert lower_bound(plan, cals, horizon=100) == 15
    assert _plain_optimum(plan, cals, 100, 30)[1] == 15


@pytest.mark.parametrize("case", range(10))
def test_staging_pair_never_above_a_schedule(case):
    """Tests the walk through a staging area on random plans (one or two docks, maybe on day
    shifts, a staging area of one to four, one to five riggers on days or nights whose
    number may change) against every rule's list schedule and CP-SAT's best in two seconds on
    the plain model: no step's k-th start or finish sooner than the bounds say (a script over
    40 of them: the bound moved on 12, never above CP-SAT's best)."""
    _assert_bounded_by_schedules(make_plan(_random_staging_plan(random.Random(case))), 2, 400)


def _random_staging_plan(rng) -> str:
    changes = ""
    if rng.random() < 0.5:
        changes = f'changes = [{{ from = "{rng.randint(1, 3)}d", ' \
                  f'capacity = {rng.randint(1, 4)} }}]'
    return f"""
        {NIGHTS_AND_DAYS}
        [resources.dock]
        capacity = {rng.choice([1, 1, 2])}
        {rng.choice(["", "", 'calendar = "days"'])}
        [resources.riggers]
        capacity = {rng.randint(1, 5)}
        calendar = "{rng.choice(["days", "nights", "days"])}"
        {changes}
        [storage.staging]
        capacity = {rng.randint(1, 4)}
        [[levels]]
        name = "rack"
        count = {rng.randint(3, 14)}
        id = "rack-{{1}}"
        [templates.rack.receive]
        duration = "{rng.randint(1, 2)}h"
        uses = {{ dock = 1 }}
        fills = "staging"
        [templates.rack.position]
        after = ["receive"]
        duration = "{rng.randint(1, 4)}h"
        uses = {{ riggers = 1 }}
        empties = "staging"
        [templates.rack.after]
        after = ["position"]
        duration = "{rng.randint(1, 3)}h"
    """
