"""How late the k-th of a step's tasks may finish (scheduler/back_line.py), and the latest ends
of the halls' loops that use it (scheduler/crew_walk.py)."""

import random

import pytest
from conftest import make_plan
from test_bounds import _plain_optimum, _random_ff_plan
from test_joint_bound import _random_energise_plan, _random_halls_plan

from rackplan.scheduler.back_line import latest_finishes
from rackplan.scheduler.bounds import bounds
from rackplan.scheduler.calendar import Calendars
from rackplan.scheduler.crew_walk import latest_ends
from rackplan.scheduler.heuristic import list_schedule

ONE_HALL = """
    [resources.fitters]
    capacity = 1
    [resources.techs]
    capacity = 1
    [[levels]]
    name = "hall"
    count = 1
    id = "hall-{A}"
    [[levels]]
    name = "rack"
    count = 4
    id = "rack-{1}"
    [templates.hall.loop]
    duration = "4h"
    uses = { fitters = 1 }
    [templates.rack.connect]
    after = ["hall:loop"]
    duration = "1h"
    uses = { fitters = 1 }
    [templates.rack.power-on]
    after = ["connect"]
    duration = "2h"
    uses = { techs = 1 }
"""
CONNECTS = [f"hall-A/rack-{i}/connect" for i in range(1, 5)]
POWER_ONS = [f"hall-A/rack-{i}/power-on" for i in range(1, 5)]


def test_the_techs_after_the_connects_make_the_loop_end_sooner():
    """Tests one hall: a 4 h loop, then four racks each connected (1 h, one fitter) and
    powered on (2 h, one tech). To end by 20 the tech's four power-ons end by 20, 18, 16 and
    14 (one after another), so start by 18, 16, 14 and 12; each connect ends before its
    rack's power-on and the fitter does one at a time: they end by 12, 14, 16, 18 and the
    first starts by 11, the latest the loop can end (it ends at 11, the connects run 11-15,
    the power-ons 12-20). One rack's chain (20 - 1 - 2) said 17, and the fitter's four
    connects before the last rack's tail said 14."""
    plan = make_plan(ONE_HALL)
    cals = Calendars(plan)
    flow = bounds(plan, cals, 30).flow
    assert latest_finishes(plan, cals, flow, POWER_ONS, 20) == [14, 16, 18, 20]
    assert latest_finishes(plan, cals, flow, CONNECTS, 20) == [12, 14, 16, 18]
    assert latest_finishes(plan, cals, flow, CONNECTS[:1] + POWER_ONS[:1], 20) is None
    assert latest_ends(plan, cals, flow, 20) == {"hall-A/loop": 11}


def test_two_techs_on_day_shifts_power_on_two_at_a_time():
    """Tests the same hall with two techs working 08:00-12:00 and 13:00-17:00 on weekdays
    (the plan starts Monday 00:00), power-ons of 3 h, and a finish by Tuesday 11:00 (35).
    Two at a time: the last two end by 35 and start by Tuesday 08:00 (32); the first two end
    by 32, that is by Monday 17:00, and start by 14 (Monday 14:00). The connects end 3 h
    before the finish and before their power-ons: by 32, 32, 14, 14; the one fitter (no
    calendar) does one at a time: by 13, 14, 31, 32, the first begun by 12. So the loop ends
    by 12 (then the connects run 12-16, two power-ons 14-17 and two on Tuesday 08:00-11:00;
    a loop ending at 13 leaves a rack's power-on past 11:00 on Tuesday)."""
    plan = make_plan(ONE_HALL.replace(
        "[resources.techs]\n    capacity = 1",
        '[calendars.days]\n    days = ["mon", "tue", "wed", "thu", "fri"]\n'
        '    shifts = ["08:00-12:00", "13:00-17:00"]\n'
        '    [resources.techs]\n    capacity = 2\n    calendar = "days"').replace(
        'duration = "2h"', 'duration = "3h"'))
    cals = Calendars(plan)
    flow = bounds(plan, cals, 60).flow
    assert latest_finishes(plan, cals, flow, POWER_ONS, 35) == [17, 17, 35, 35]
    assert latest_finishes(plan, cals, flow, CONNECTS, 35) == [13, 14, 31, 32]
    assert latest_ends(plan, cals, flow, 35) == {"hall-A/loop": 12}


def _checked(plan, cals, flow, tasks: dict) -> None:
    """Every step's k-th finish in a schedule is no later than latest_finishes says for the
    schedule's finish, over the whole step and over what follows each hall's tasks; and each
    loop ends no later than its latest end."""
    end = max(t.finish for t in tasks.values())
    succ = plan.successors()
    sets = list(flow.groups.values())
    for tid in plan.tasks:  # each task's successors of one step (a hall's racks' connects)
        by_step = {}
        for s, _ in succ[tid]:
            by_step.setdefault(flow.group_of[s], []).append(s)
        sets.extend(by_step.values())
    for tids in sets:
        got = latest_finishes(plan, cals, flow, tids, end)
        done = sorted(tasks[t].finish for t in tids)
        assert all(d <= b for d, b in zip(done, got, strict=True)), (tids, done, got)
    for tid, slot in latest_ends(plan, cals, flow, end).items():
        assert tasks[tid].finish <= slot, (tid, tasks[tid].finish, slot)


@pytest.mark.parametrize("case", range(30))
def test_no_schedule_finishes_later_than_the_backward_line(case):
    """Tests the bounds on small random plans (halls' loops and racks on crews that grow,
    techs on day shifts, finish-to-finish diagnostics, energisings before released racks)
    against the list schedule and CP-SAT's optimum of the plain model, each for its own
    finish (a script over 360 more plans: never later)."""
    rng = random.Random(case)
    make = (_random_halls_plan, _random_ff_plan, _random_energise_plan)[case % 3]
    plan = make_plan(make(rng))
    cals = Calendars(plan)
    listed = list_schedule(plan, cals)
    flow = bounds(plan, cals, max(t.finish for t in listed.values())).flow
    _checked(plan, cals, flow, listed)
    _checked(plan, cals, flow, _plain_optimum(plan, cals, 120, 30)[0])
