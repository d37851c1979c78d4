"""The joint bound on the finish and the soft targets (scheduler/joint_bound.py)."""

import random
from pathlib import Path

import pytest
from conftest import make_plan
from test_bounds import _plain_optimum, _random_ff_plan

from rackplan.scheduler.bounds import after_finish, bounds
from rackplan.scheduler.calendar import Calendars
from rackplan.scheduler.crew_walk import latest_ends
from rackplan.scheduler.cpsat import SolveOptions, solve
from rackplan.scheduler.heuristic import earliest_finishes, list_schedule
from rackplan.scheduler.joint_bound import (
    _lowered,
    _reach_by,
    _Split,
    joint_floor,
    split_floor,
    started_by,
)
from rackplan.scheduler.load import load_plan
from rackplan.scheduler.schedule import SolveStatus, forecast, gpu_until, objective_value
from rackplan.scheduler.verify import verify

DATA = Path(__file__).resolve().parent / "data"

TWO_HALLS = """
    [resources.fitters]
    capacity = 1
    changes = [{ from = "4h", capacity = 2 }]
    [[levels]]
    name = "hall"
    count = 2
    id = "hall-{A}"
    [[levels]]
    name = "rack"
    count = 2
    id = "rack-{1}"
    gpus = 64
    [templates.hall.loop]
    duration = "4h"
    uses = { fitters = 1 }
    [templates.rack.connect]
    after = ["hall:loop"]
    duration = "1h"
    uses = { fitters = 1 }
    [templates.rack.accept]
    after = ["connect"]
    duration = 0
    online = true
    [targets.half]
    gpus = 128
    by = "2h"
    hard = false
    penalty = 1
"""


def test_the_second_loop_holds_a_fitter_while_the_first_halls_racks_wait():
    """Tests two halls, each a 4 h cooling loop then two 1 h connects on the fitters (one
    until 4 h, then two); half the GPUs (one hall's racks) due at 2 h, 1 per hour late.
    Apart, the bounds are tight: the second loop cannot start before 4, so the finish is at
    least 4 + 4 + 1 = 9; a hall's two racks can be connected 4-5 on both fitters, online at 5
    (3 late): floor 9 + 3 = 12. Together they are not: to finish by 9 the second loop must
    run 4-8 and the first hall's racks share one fitter, 4-5 and 5-6 (9 + 4 = 13); letting
    them have both first delays the loop to 5-9 and the finish to 10 (10 + 3 = 13). The
    joint bound: for a finish of 9 the loop that starts second (at 4 at the soonest) must be
    running from its latest start 8 - 4 = 4 to 8, so the racks get one fitter: online at 6,
    9 + 4 = 13; from 10 on, 10 + 3 = 13."""
    plan = make_plan(TWO_HALLS)
    cals = Calendars(plan)
    proven = bounds(plan, cals, 20)
    floor = proven.objective(plan, 0)
    assert (proven.finish, proven.reach["half"], floor) == (9, 5, 12)
    assert _reach_by(plan, cals, proven, after_finish(plan), 9)["half"] == 6
    assert joint_floor(plan, cals, proven, floor, 20) == 13
    result = solve(plan, SolveOptions(time_limit=10, workers=1))
    assert result.status == SolveStatus.OPTIMAL and result.objective == 13


def test_the_second_loop_ends_early_enough_for_all_its_racks():
    """Tests the two halls with four racks each, half the GPUs (two racks) due at 5 h, 3 per
    hour late. Apart: the finish is at least 10 (the second loop 4-8, its four racks on both
    fitters 8-10) and two racks online at 5 (both fitters 4-5 on the first hall): floor 10.
    A finish of 10 needs the second loop done by 8, not just by 9 (one rack's connect after
    it): four connects on two fitters take 2 h from its end (the walk from each end T,
    scheduler/crew_walk.py). So it runs 4-8, the first hall's racks share one fitter, the
    second online at 6: 10 + 3 = 13. A finish of 11 lets the loop run 5-9 after both
    fitters connect two racks 4-5: 11, the optimum (CP-SAT proves it on the plain model);
    with the one-rack tail the joint bound said 10."""
    plan = make_plan(TWO_HALLS.replace('count = 2\n    id = "rack-{1}"',
                                       'count = 4\n    id = "rack-{1}"')
                     .replace('by = "2h"', 'by = "5h"').replace("penalty = 1", "penalty = 3"))
    cals = Calendars(plan)
    proven = bounds(plan, cals, 30)
    floor = proven.objective(plan, 0)
    assert (proven.finish, proven.reach["half"], floor) == (10, 5, 10)
    assert latest_ends(plan, cals, proven.flow, 10) == {"hall-A/loop": 8, "hall-B/loop": 8}
    assert _reach_by(plan, cals, proven, after_finish(plan), 10)["half"] == 6
    assert joint_floor(plan, cals, proven, floor, 20) == 11
    assert _plain_optimum(plan, cals, 30, 20)[1] == 11


ENERGISE = """
    [resources.electricians]
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
    [templates.hall.energise]
    duration = "5h"
    uses = { electricians = 1 }
    [templates.rack.power]
    after = ["hall:energise"]
    duration = "2h"
    uses = { electricians = 1 }
    not_before = "8h"
    [templates.rack.accept]
    after = ["power"]
    duration = 0
    online = true
    [targets.half]
    gpus = 256
    by = "12h"
    hard = false
    penalty = 1
"""


def test_the_third_energising_starts_before_the_racks_if_the_finish_is_early():
    """Tests two electricians, three halls energised 5 h each, two racks a hall powered 2 h
    each from 8 h, four racks (two halls) due at 12, 1 per hour late. Apart: the finish is at
    least 15 (by 8 the energisings fill at most 5 + 5 on one unit's 8 h and 5 on the other's,
    so 2 h of them and 12 h of power are left for two units; 14 without that), four racks at
    12 (both units power 8-12): floor 15. A finish by 16 leaves the crew 2 x 8 h after 8 for
    12 h of power, so the energisings must do 11 h before 8: all three start by 7 (two of
    them do 10 at most), the third (5 h from 5 at the soonest, after one of the first two)
    holds a unit 7-10, and the fourth rack is powered no sooner than 14 (13 without: the third
    would only need to end by 14 for its racks). By 15: 14 as well; by 17 the third may wait:
    12. Floor min(15 + 2, 16 + 2, 17) = 17 (16 when the finish bound said 14); the optimum is
    18 (finish 16 reaching 14: u1 energises 0-5 and 5-10; or finishing at 19, no lateness)."""
    plan = make_plan(ENERGISE)
    cals = Calendars(plan)
    proven = bounds(plan, cals, 30)
    floor = proven.objective(plan, 0)
    assert (proven.finish, proven.reach["half"], floor) == (15, 12, 15)
    start = earliest_finishes(plan, cals)[0]
    assert started_by(plan, cals, start, after_finish(plan), 16) == {
        "hall-A/energise": 7, "hall-B/energise": 7, "hall-C/energise": 7}
    assert started_by(plan, cals, start, after_finish(plan), 17) == {}
    assert [_reach_by(plan, cals, proven, after_finish(plan), f)["half"]
            for f in (15, 16, 17)] == [14, 14, 12]
    assert joint_floor(plan, cals, proven, floor, 19) == 17
    assert _plain_optimum(plan, cals, 40, 20)[1] == 18


def _random_energise_plan(rng) -> str:
    """Halls energised by a crew of two or three (maybe on days, maybe shrinking for a while),
    racks powered by it after their hall and not before a release, a soft GPU target."""
    size = rng.choice((2, 2, 3))
    days = 'calendar = "days"\n' if rng.random() < 0.4 else ""
    drop = (f'changes = [{{ from = "{rng.randint(4, 20)}h", capacity = {size - 1} }}, '
            f'{{ from = "{rng.randint(24, 40)}h", capacity = {size} }}]'
            if rng.random() < 0.4 else "")
    halls, racks, energise = rng.randint(2, 3), rng.randint(1, 3), rng.randint(3, 9)
    # The racks come while the energisings cannot yet fill the crew's time (on days: the
    # second morning, after 8 working hours).
    release = 32 + rng.randint(0, 4) if days else rng.randint(energise + 1, 2 * energise)
    energise += 4 if days else 0
    return f"""
        [calendars.days]
        days = ["mon", "tue", "wed", "thu", "fri"]
        shifts = ["08:00-12:00", "13:00-17:00"]
        [resources.electricians]
        capacity = {size}
        {days}
        {drop}
        [[levels]]
        name = "hall"
        count = {halls}
        id = "hall-{{A}}"
        [[levels]]
        name = "rack"
        count = {racks}
        id = "rack-{{1}}"
        gpus = 64
        [templates.hall.energise]
        duration = "{energise}h"
        uses = {{ electricians = 1 }}
        {days}
        [templates.rack.power]
        after = ["hall:energise"]
        duration = "{rng.randint(1, 3)}h"
        uses = {{ electricians = 1 }}
        not_before = "{release}h"
        {days}
    """ + _accepted_and_due(rng, "power", racks, halls, (6, 16))


@pytest.mark.parametrize("case", range(16))
def test_energisings_before_the_racks_never_above_a_proven_optimum(case):
    """Tests the joint bound with the energisings' leftover at the racks' release and those
    that must start before it (started_by) on small random plans against CP-SAT's proven
    optimum of the plain model, given a schedule a little worse than it (finish ranges of an
    hour or two); and in the optimal schedule the target is reached no sooner than the reach
    bound for its finish says (a script over 104 more: never above; started_by moved the
    reach on 3 of 100 and the floor on 2, case 9 from 36 to the optimum 40)."""
    plan = make_plan(_random_energise_plan(random.Random(case)))
    cals = Calendars(plan)
    tasks, value = _plain_optimum(plan, cals, 120, 30)
    end = max(t.finish for t in tasks.values())
    proven = bounds(plan, cals, max(t.finish for t in list_schedule(plan, cals).values()))
    floor = proven.objective(plan, 0)
    assert floor <= joint_floor(plan, cals, proven, floor, int(value) + 2) <= value
    reach = _reach_by(plan, cals, proven, after_finish(plan), end)
    assert reach["half"] <= forecast(plan, tasks, plan.targets["half"])


def _random_halls_plan(rng) -> str:
    """Halls behind a loop each on a shared crew that grows, racks connected on that crew
    after their hall's loop, then powered on by techs (maybe on a day calendar), diagnostics
    ending after power-on (FF), GPUs online at acceptance; a soft GPU target."""
    halls, racks = rng.randint(2, 3), rng.randint(2, 3)
    days = 'calendar = "days"\n' if rng.random() < 0.4 else ""
    return f"""
        [calendars.days]
        days = ["mon", "tue", "wed", "thu", "fri"]
        shifts = ["08:00-12:00", "13:00-17:00"]
        [resources.fitters]
        capacity = 1
        changes = [{{ from = "{rng.randint(2, 8)}h", capacity = {rng.randint(2, 3)} }}]
        [resources.techs]
        capacity = {rng.randint(1, 2)}
        {days}
        [[levels]]
        name = "hall"
        count = {halls}
        id = "hall-{{A}}"
        [[levels]]
        name = "rack"
        count = {racks}
        id = "rack-{{1}}"
        gpus = 64
        [templates.hall.loop]
        duration = "{rng.randint(2, 8)}h"
        uses = {{ fitters = 1 }}
        [templates.rack.connect]
        after = ["hall:loop"]
        duration = "{rng.randint(1, 2)}h"
        uses = {{ fitters = 1 }}
        [templates.rack.power-on]
        after = ["connect"]
        duration = "{rng.randint(1, 3)}h"
        uses = {{ techs = 1 }}
        [templates.rack.diagnostics]
        after = [{{ task = "power-on", type = "FF", lag = "1h" }}]
        duration = "1h"
    """ + _accepted_and_due(rng, "diagnostics", racks, halls, (2, 10))


def _accepted_and_due(rng, after: str, racks: int, halls: int, due: tuple[int, int]) -> str:
    """The random plans' acceptance after `after` and a soft target of some halls' GPUs."""
    return f"""
        [templates.rack.accept]
        after = ["{after}"]
        duration = 0
        online = true
        [targets.half]
        gpus = {64 * racks * rng.randint(1, halls - 1)}
        by = "{rng.randint(*due)}h"
        hard = false
        penalty = {rng.choice((1, 2, 5))}
    """


@pytest.mark.parametrize("case", range(40))
def test_joint_bound_never_above_a_proven_optimum(case):
    """Tests the joint bound on small random plans against CP-SAT's proven optimum of the
    plain model (which knows nothing of the bounds), given a schedule far worse than the
    optimum (so every finish range is looked at), and the split on the steps' j-th finishes
    too (a script over 60 of them: stronger than the plain floor on 4, each time at the
    optimum); and in the optimal schedule the target is reached no sooner than the reach bound
    for its finish says."""
    make = _random_halls_plan if case % 4 else _random_ff_plan
    plan = make_plan(make(random.Random(case)))
    cals = Calendars(plan)
    tasks, value = _plain_optimum(plan, cals, 120, 30)
    end = max(t.finish for t in tasks.values())
    listed = list_schedule(plan, cals)
    proven = bounds(plan, cals, max(t.finish for t in listed.values()))
    floor = proven.objective(plan, 0)
    worse = objective_value(plan, listed, 0) + 40
    assert floor <= joint_floor(plan, cals, proven, floor, worse) <= value
    listed_end = max(t.finish for t in listed.values())
    until = gpu_until(plan, listed_end)
    assert floor <= split_floor(plan, cals, proven, floor, worse, until, listed_end) <= value
    reach = _reach_by(plan, cals, proven, after_finish(plan), end)
    assert reach["half"] <= forecast(plan, tasks, plan.targets["half"])


def test_compulsory_parts_lower_the_crew_and_give_it_back():
    """Tests the capacity steps less what a step holds: 1 until 4 h then 2, less one unit
    4-8 and two 12-13: 1 until 8, 2 until 12, 0 for an hour, 2 again."""
    from rackplan.scheduler.plan import Resource

    crew = Resource("crew", None, ((0, 1), (4, 2)))
    assert _lowered(crew, [(4, 8, 1), (12, 13, 2)]) == ((0, 1), (8, 2), (12, 0), (13, 2))


def test_a_varied_plan_whose_finish_and_target_trade_off_is_proven_optimal():
    """Tests bench/varied.py's plan 16 (595 tasks; finish + 1 per hour that half the GPUs are
    late). Apart, the finish is at least 801 h (the fibre crews' flow line) and half the GPUs
    (the first hall's five arrays) online at 568 h at the soonest: floor 801 + (568 - 408) =
    961. For a finish of 801 the second hall's 87 h cooling loop must be running on the
    pipefitters' nights from its latest start until it can end (it cannot start before the
    crew grows on day 8): the first hall's racks get two pipefitters, not three, and come
    online at 609: 801 + 201 = 1,002, which the schedule found scores."""
    plan = load_plan(DATA / "varied-16.toml")
    cals = Calendars(plan)
    proven = bounds(plan, cals, 1100)
    floor = proven.objective(plan, 0)
    assert (proven.finish, proven.reach["half"], floor) == (801, 568, 961)
    assert _reach_by(plan, cals, proven, after_finish(plan), 801)["half"] == 609
    result = solve(plan, SolveOptions(time_limit=30, workers=1))
    assert result.status == SolveStatus.OPTIMAL and result.objective == 1002
    assert not verify(plan, result.tasks)


TWO_HALLS_GPU_HOURS = TWO_HALLS.replace("""    [targets.half]
    gpus = 128
    by = "2h"
    hard = false
    penalty = 1
""", """    [objective]
    kind = "gpu-hours"
    until = "12h"
""")


def test_when_the_second_loop_ends_splits_the_gpu_hours_bound():
    """Tests the two halls above with GPU-hours to 12 h (64 GPUs a rack). Apart, the racks
    come online no sooner than 5, 5 (the first hall's on both fitters from 4) and 9, 9 (the
    second loop, on one fitter until 4, ends at 8 at the soonest): 64 x (7 + 7 + 3 + 3) =
    1,280. Split on when the second loop ends: by 8, it runs 4-8 (its latest start, and its
    soonest), so the first hall's racks share one fitter, online at 5 and 6: 64 x (7 + 6 + 3
    + 3) = 1,216; after 8, the second hall's racks are online at 10 at the soonest: 64 x (7 +
    7 + 2 + 2) = 1,152. The floor is the larger loss, -1,216: the optimum."""
    plan = make_plan(TWO_HALLS_GPU_HOURS)
    cals = Calendars(plan)
    proven = bounds(plan, cals, 20)
    floor = proven.objective(plan, 12)
    assert floor == -1280
    assert split_floor(plan, cals, proven, floor, 0, 12, 20) == -1216
    result = solve(plan, SolveOptions(time_limit=10, workers=1))
    assert (result.status, result.objective) == (SolveStatus.OPTIMAL, -1216)


def _random_gpu_hours_plan(rng) -> str:
    """Halls behind a cooling loop on fitters (one, then more) and an energising on one
    electrician (maybe on a day calendar); each rack connected and powered after them; GPUs
    online at acceptance; GPU-hours to a random date."""
    halls, racks = rng.randint(2, 3), rng.randint(2, 3)
    days = 'calendar = "days"\n' if rng.random() < 0.4 else ""
    return f"""
        [calendars.days]
        days = ["mon", "tue", "wed", "thu", "fri"]
        shifts = ["08:00-12:00", "13:00-17:00"]
        [resources.fitters]
        capacity = 1
        changes = [{{ from = "{rng.randint(2, 8)}h", capacity = {rng.randint(2, 3)} }}]
        [resources.electricians]
        capacity = 1
        {days}
        [[levels]]
        name = "hall"
        count = {halls}
        id = "hall-{{A}}"
        [[levels]]
        name = "rack"
        count = {racks}
        id = "rack-{{1}}"
        gpus = 64
        [templates.hall.loop]
        duration = "{rng.randint(2, 8)}h"
        uses = {{ fitters = 1 }}
        [templates.hall.energise]
        duration = "{rng.randint(2, 8)}h"
        uses = {{ electricians = 1 }}
        [templates.rack.connect]
        after = ["hall:loop"]
        duration = "{rng.randint(1, 2)}h"
        uses = {{ fitters = 1 }}
        [templates.rack.power]
        after = ["hall:energise"]
        duration = "{rng.randint(1, 3)}h"
        uses = {{ electricians = 1 }}
        [templates.rack.accept]
        after = ["connect", "power"]
        duration = 0
        online = true
        [objective]
        kind = "gpu-hours"
        until = "{rng.randint(15, 60)}h"
    """


# 30 cases; 11, 16 and 27 are left out: CP-SAT takes 4-25 s to prove their optimum.
@pytest.mark.parametrize("case", [c for c in range(33) if c not in (11, 16, 27)])
def test_split_bound_never_above_a_proven_optimum(case):
    """Tests the split on small random GPU-hours plans against CP-SAT's proven optimum of the
    plain model, given a schedule far worse than it (so every range is looked at). (A script
    over 160 such plans: never above, stronger than the plain floor on 15, equal to the
    optimum on 10 of them.)"""
    from ortools.sat.python import cp_model

    from rackplan.scheduler.cpsat.model import RackplanModel

    plan = make_plan(_random_gpu_hours_plan(random.Random(case)))
    cals = Calendars(plan)
    listed = list_schedule(plan, cals)
    end, until = max(t.finish for t in listed.values()), plan.objective.until
    built = RackplanModel(plan, cals, 3 * end + until, until).build()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 60
    assert solver.solve(built.model) == cp_model.OPTIMAL
    proven = bounds(plan, cals, end)
    floor = proven.objective(plan, until)
    worse = objective_value(plan, listed, until) + 1000
    assert floor <= split_floor(plan, cals, proven, floor, worse, until, end) \
        <= solver.objective_value


def test_the_third_loop_ending_past_the_horizon_bounds_varied_plan_103():
    """Tests bench/varied.py's plan 103 (652 tasks; GPU-hours to day 33 = 792 h, 320 GPUs an
    array; the pipefitters run three 91 h cooling loops and connect every rack). The flow line
    alone has all fifteen arrays online by 871 h, arrays 11-14 at 723-778: -760,640. Split on
    when the third loop ends: if after 792, its hall's arrays come online after 792 (the flow
    line from there: 897 h on) and the other ten no sooner than 458, 464, 532, 538, 559, 602,
    608, 628, 634 and 703 h: 320 x (334 + 328 + 260 + 254 + 233 + 190 + 184 + 164 + 158 + 89)
    = 702,080. Every earlier end bounds no lower (the loop holds pipefitters the first halls'
    racks wait for), so that split alone gives -702,080. Paired with when the second loop
    ends, the least cell is the second loop ending at 532 h (its soonest: it holds a
    pipefitter until then, while the first hall's racks wait) and the third after 792. The
    loops that hold pipefitters no longer need them in that cell's relaxed plan, but keep the
    finishes the plan's own flow line gives them (388, 532, 532 h: the first loop is laid by
    the one pipefitter of the first days); without that the first could end sooner and the
    cell said -688,960. With it the cell, and the floor, are -672,000: the best schedule
    found at 60 s is optimal."""
    plan = load_plan(DATA / "varied-103.toml")
    cals = Calendars(plan)
    proven = bounds(plan, cals, 871)
    floor = proven.objective(plan, 792)
    assert floor == -760640
    loop = "templates.hall.cooling-loop"
    after = bounds(plan, cals, 871, {loop: [(3, 793)]})
    assert after.lines[0].count[:10] == proven.lines[0].count[:10]
    assert min(after.lines[0].count[10:]) == 897
    assert after.objective(plan, 792) == -702080
    split = _Split(plan, cals, proven.flow, 792, 871, None)
    assert split.least([split.ranges(loop, 3, 6)]) == -702080
    assert proven.flow.F[loop] == [388, 532, 532]
    assert split.bound(((loop, 2, None, 532), (loop, 3, 792, None))) == -672000
    assert split_floor(plan, cals, proven, floor, -671000, 792, 871) == -672000


def test_two_sets_of_compulsory_parts_of_one_step_merge_by_the_larger():
    """Tests the merge of what the same tasks hold under two conditions: one unit 0-4 and two
    units 2-6 hold one unit 0-2 and two 2-6 (not three 2-4: they are the same tasks)."""
    from rackplan.scheduler.joint_bound import _most

    merged = _most([("crew", 0, 4, 1)], [("crew", 2, 6, 2)])
    assert sorted(merged) == [("crew", 0, 2, 1), ("crew", 2, 4, 2), ("crew", 4, 6, 2)]
    assert _most([], [("crew", 0, 1, 1)]) == [("crew", 0, 1, 1)]


TWO_HALLS_TECHS = """
    [resources.fitters]
    capacity = 1
    changes = [{ from = "3h", capacity = 2 }]
    [resources.techs]
    capacity = 2
    [[levels]]
    name = "hall"
    count = 2
    id = "hall-{A}"
    [[levels]]
    name = "rack"
    count = 2
    id = "rack-{1}"
    gpus = 64
    [templates.hall.loop]
    duration = "6h"
    uses = { fitters = 1 }
    [templates.rack.connect]
    after = ["hall:loop"]
    duration = "2h"
    uses = { fitters = 1 }
    [templates.rack.power-on]
    after = ["connect"]
    duration = "1h"
    uses = { techs = 1 }
    [templates.rack.diagnostics]
    after = [{ task = "power-on", type = "FF", lag = "1h" }]
    duration = "1h"
    [templates.rack.accept]
    after = ["diagnostics"]
    duration = 0
    online = true
    [targets.half]
    gpus = 128
    by = "9h"
    hard = false
    penalty = 5
"""


def test_narrower_finish_ranges_prove_the_optimum():
    """Two halls' 6 h loops and 2 h connects on fitters (one, two from 3 h), 1 h power-ons,
    diagnostics ending an hour after them; two racks online by 9 h or 5 an hour. The first
    hall's racks by 10 h need its loop at 0-6 and both connects at 6-8, so the second loop
    starts at 8 and the finish is 18: 18 + 5 = 23, the optimum. A finish by 17 needs the
    second loop to end by 13 (connect, power-on, diagnostics after it), so it holds a fitter
    over 7-12 and one first-hall connect ends at 10 or later: two racks at 12 at best, and
    14 + 15 = 29 even at the least finish. The floor on its own: finish 14 + 5 for a reach
    of 10 = 19; the finish ranges of the first pass were too wide to see it (19 as well)."""
    plan = make_plan(TWO_HALLS_TECHS)
    cals = Calendars(plan)
    listed = list_schedule(plan, cals)
    proven = bounds(plan, cals, max(t.finish for t in listed.values()))
    floor = proven.objective(plan, 0)
    assert (proven.finish, proven.reach["half"], floor) == (14, 10, 19)
    assert _reach_by(plan, cals, proven, after_finish(plan), 17)["half"] == 12
    assert joint_floor(plan, cals, proven, floor, objective_value(plan, listed, 0) + 40) == 23
    result = solve(plan, SolveOptions(time_limit=20, workers=1))
    assert result.status == SolveStatus.OPTIMAL and result.objective == 23
