"""Lower bounds that hold for every schedule."""

import pytest
from conftest import FAST, make_plan

from rackplan.scheduler.bounds import (
    FlowBound,
    after_finish,
    bounds,
    critical_path_bound,
    earliest_finishes,
    lower_bound,
)
from rackplan.scheduler.calendar import Calendars
from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.load import load_plan
from rackplan.scheduler.schedule import SolveStatus


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


FLOW = """
    [resources.riggers]
    capacity = 1
    changes = [{ from = 2024-01-01T08:00:00, capacity = 4 }]   # a second contractor at 08:00
    [resources.techs]
    capacity = 1
    [[levels]]
    name = "rack"
    count = 6
    id = "rack-{1}"
    [templates.rack.position]
    duration = "2h"
    uses = { riggers = 1 }
    [templates.rack.power-on]
    after = ["position"]
    duration = "1h"
    uses = { techs = 1 }
"""


def test_flow_line_bound_chains_the_steps():
    """Tests six racks, positioned (2 h, riggers 1 then 4 from 08:00) then powered on (1 h, one
    tech). Critical path 3 h. The crews' workload bounds: riggers 12 crew-hours, 8 of them by
    08:00 and 4 more at 4 an hour: 9 h, + 1 h power-on = 10; techs: first power-on at 02:00
    + 6 h = 8. Flow line: while one rigger works, the k-th position starts when the (k-1)-th
    is done: 0, 2, 4, 6, then 8, 8 with four riggers, so positions finish no sooner than 2, 4,
    6, 8, 10, 10 and power-ons (one tech) no sooner than 3, 5, 7, 9, 11, 12 -> 12, the
    optimum (positions at 0, 2, 4, 6, then two at 8; power-ons at 2, 4, 6, 8, 10, 11)."""
    plan = make_plan(FLOW)
    cals = Calendars(plan)
    assert critical_path_bound(plan, cals) == 3
    assert lower_bound(plan, cals) == 10
    assert lower_bound(plan, cals, horizon=12) == 12
    result = solve(plan, FAST)
    assert result.status == SolveStatus.OPTIMAL and result.makespan == 12


def test_flow_line_order_statistics_hold_for_a_real_schedule(root):
    """Tests the bound's every k-th start and finish per step against the tutorial's solved
    schedule: no step's k-th task starts or finishes before the bound says."""
    plan = load_plan(root / "plans" / "tutorial.toml")
    cals = Calendars(plan)
    result = solve(plan, FAST)
    start, _ = earliest_finishes(plan, cals)
    after = after_finish(plan)
    flow = FlowBound(plan, cals, result.makespan, start, after)
    assert flow.bound() <= result.makespan
    for group, tids in flow.groups.items():
        starts = sorted(result.tasks[t].start for t in tids)
        finishes = sorted(result.tasks[t].finish for t in tids)
        assert all(b <= a for b, a in zip(flow.S[group], starts)), group
        assert all(b <= a for b, a in zip(flow.F[group], finishes)), group


def test_bounds_do_not_chain_through_finish_to_finish_links():
    """Tests an FF link: 'b' (10 h, no crew) must finish no sooner than 'a' (10 h on the crew)
    finishes, so both can run side by side and the optimum is 10 h. Reading FF like FS put 10 h
    of 'b' after 'a' and claimed 20 h from the crew's workload (a bug, fixed)."""
    plan = make_plan("""
        [resources.crew]
        capacity = 1
        [tasks.a]
        duration = "10h"
        uses = { crew = 1 }
        [tasks.b]
        duration = "10h"
        after = [{ task = "a", type = "FF" }]
    """)
    cals = Calendars(plan)
    assert lower_bound(plan, cals) == 10
    assert lower_bound(plan, cals, horizon=10) == 10
    result = solve(plan, FAST)
    assert result.status == SolveStatus.OPTIMAL and result.makespan == 10


def _random_flow_plan(rng) -> str:
    """Racks in halls; each rack's steps chain (sometimes branch) on crews with capacity steps,
    behind a per-hall step; durations 1-4 h; some steps in elapsed time."""
    crews = ["riggers", "fitters", "techs"]
    text = ""
    for crew in crews:
        first, later = rng.randint(1, 2), rng.randint(1, 3)
        text += (f"[resources.{crew}]\ncapacity = {first}\n"
                 f"changes = [{{ from = 2024-01-01T{rng.randint(2, 9):02d}:00:00, "
                 f"capacity = {later} }}]\n")
    text += ('[[levels]]\nname = "hall"\ncount = 2\nid = "hall-{A}"\n'
             f'[[levels]]\nname = "rack"\ncount = {rng.randint(2, 4)}\nid = "rack-{{1}}"\n')
    text += f'[templates.hall.loop]\nduration = "{rng.randint(1, 6)}h"\nuses = {{ fitters = 1 }}\n'
    steps = [f"s{i}" for i in range(rng.randint(2, 4))]
    for i, step in enumerate(steps):
        after = [rng.choice(steps[:i])] if i else []
        if i and rng.random() < 0.3:
            after.append("hall:loop")
        crew = rng.choice(crews + [None])
        text += f'[templates.rack.{step}]\nduration = "{rng.randint(1, 4)}h"\n'
        text += f"uses = {{ {crew} = 1 }}\n" if crew else ""
        text += f"after = {after!r}\n".replace("'", '"') if after else ""
    return text


@pytest.mark.parametrize("seed", range(12))
def test_flow_line_bound_never_exceeds_a_proven_optimum(seed):
    """Tests the bound on random small flow lines: never above CP-SAT's proven optimum, and
    every step's k-th start and finish bounds hold in the optimal schedule."""
    import random

    plan = make_plan(_random_flow_plan(random.Random(seed)))
    cals = Calendars(plan)
    result = solve(plan, FAST)
    assert result.status == SolveStatus.OPTIMAL
    assert lower_bound(plan, cals, horizon=result.makespan) <= result.makespan
    start, _ = earliest_finishes(plan, cals)
    flow = FlowBound(plan, cals, result.makespan, start,
                     after_finish(plan))
    flow.bound()
    for group in flow.S:
        starts = sorted(result.tasks[t].start for t in flow.groups[group])
        finishes = sorted(result.tasks[t].finish for t in flow.groups[group])
        assert all(b <= a for b, a in zip(flow.S[group], starts)), group
        assert all(b <= a for b, a in zip(flow.F[group], finishes)), group


GPU_ARRAYS = """
    [resources.crew]
    capacity = 1
    [[levels]]
    name = "array"
    count = 2
    id = "array-{1}"
    [[levels]]
    name = "rack"
    count = 2
    id = "rack-{1}"
    gpus = 64
    [templates.rack.install]
    duration = "2h"
    uses = { crew = 1 }
    [templates.array.accept]
    after = ["rack:install"]
    duration = 0
    online = true
"""


def test_gpu_hours_bound_from_the_flow_line():
    """Tests two arrays of two racks (128 GPUs each), each rack a 2 h install on one crew,
    GPU-hours counted to 10 h. The crew finishes installs no sooner than 2, 4, 6, 8, so one
    array is accepted no sooner than 4 and both no sooner than 8: at most 128 x 6 + 128 x 2 =
    1024 GPU-hours, which installing array by array reaches (optimal). The critical path alone
    allows both at 2: 2 x 128 x 8 = 2048."""
    plan = make_plan(GPU_ARRAYS + """
        [objective]
        kind = "gpu-hours"
        until = "10h"
    """)
    proven = bounds(plan, Calendars(plan), horizon=8)
    assert proven.online == [(4, 128), (8, 128)]
    assert proven.objective(plan, 10) == -1024
    assert bounds(plan, Calendars(plan)).objective(plan, 10) == -2048
    result = solve(plan, FAST)
    assert (result.status, result.objective, result.bound) == (SolveStatus.OPTIMAL, -1024, -1024)


def test_soft_targets_add_their_least_lateness_to_the_bound():
    """Tests the same arrays with the finish objective and two soft targets: 256 GPUs by 6 h
    (2 per hour late) and every install done by 7 h (3 per hour late). Both arrays are online
    no sooner than 8 and the installs end no sooner than 8 (the flow line's last finish), so
    the objective is at least finish 8 + 2 x 2 + 3 x 1 = 15, which the array-by-array schedule
    reaches."""
    plan = make_plan(GPU_ARRAYS + """
        [targets.all-gpus]
        gpus = 256
        by = "6h"
        hard = false
        penalty = 2
        [targets.installed]
        finish = ["rack:install"]
        by = "7h"
        hard = false
        penalty = 3
    """)
    proven = bounds(plan, Calendars(plan), horizon=8)
    assert proven.reach == {"all-gpus": 8, "installed": 8}
    assert proven.objective(plan, 10) == 15
    result = solve(plan, FAST)
    assert (result.status, result.objective, result.bound) == (SolveStatus.OPTIMAL, 15, 15)


# The same two arrays, the second holding one rack (3 racks in all), GPU-hours to 10 h.
PARTIAL_ARRAY = GPU_ARRAYS.replace("    gpus = 64", "    total = 3\n    gpus = 64") + """
    [objective]
    kind = "gpu-hours"
    until = "10h"
"""


def test_a_partial_array_cannot_lead_with_a_full_arrays_gpus():
    """Tests a full array (2 racks, 128 GPUs) and a partial one (1 rack, 64 GPUs), each rack a
    2 h install on one crew, GPU-hours counted to 10 h. Installs finish no sooner than 2, 4, 6.
    The first acceptance can come at 2 (the partial array) and the second at 6, so the counts
    alone allow 128 GPUs at 2 and 64 at 6: 128 x 8 + 64 x 4 = 1280. Counted in racks, the
    first array to finish is the partial one at 2 (then the full one at 6: 64 x 8 + 128 x 4)
    or the full one at 4 (then the partial at 6: 128 x 6 + 64 x 4), 1024 either way, which
    is the optimum: the bound now proves it."""
    plan = make_plan(PARTIAL_ARRAY)
    proven = bounds(plan, Calendars(plan), horizon=6)
    assert proven.objective(plan, 10) == -1024
    # By each slot: 64 GPUs by 2 (one rack's array), 128 by 4, all 192 by 6.
    assert proven.online == [(2, 64), (4, 64), (6, 64)]
    result = solve(plan, FAST)
    assert (result.status, result.objective, result.bound) == (SolveStatus.OPTIMAL, -1024, -1024)


@pytest.mark.parametrize("case", range(12))
def test_gpu_hours_bound_never_above_the_optimum(case):
    """Tests the GPU-hours bound on small random build-outs (arrays of unequal rack counts,
    racks through two crews, a burn-in) against CP-SAT's proven optimum of the plain model,
    which knows nothing of the bound: the bound must never promise more GPU-hours."""
    import random

    from ortools.sat.python import cp_model

    from rackplan.scheduler.cpsat.model import RackplanModel

    rng = random.Random(case)
    arrays, per = rng.randint(2, 3), rng.randint(2, 3)
    plan = make_plan(f"""
        [resources.riggers]
        capacity = {rng.randint(1, 2)}
        [resources.fiber]
        capacity = 2
        [[levels]]
        name = "array"
        count = {arrays}
        id = "array-{{1}}"
        [[levels]]
        name = "rack"
        count = {per}
        id = "rack-{{1}}"
        total = {arrays * per - rng.randint(0, per - 1)}
        gpus = 64
        [templates.rack.position]
        duration = "{rng.randint(1, 3)}h"
        uses = {{ riggers = 1 }}
        [templates.rack.cable]
        after = ["position"]
        modes = [{{ duration = "{rng.randint(2, 4)}h", uses = {{ fiber = 1 }} }},
                 {{ duration = "{rng.randint(1, 2)}h", uses = {{ fiber = 2 }} }}]
        [templates.array.burn-in]
        after = ["rack:cable"]
        duration = "{rng.randint(0, 3)}h"
        [templates.array.accept]
        after = ["burn-in"]
        duration = 0
        online = true
        [objective]
        kind = "gpu-hours"
        until = "{rng.randint(12, 30)}h"
    """)
    cals = Calendars(plan)
    horizon = sum(max(m.duration for m in t.modes) for t in plan.tasks.values())
    until = plan.objective.until
    built = RackplanModel(plan, cals, horizon, until).build()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(built.model) == cp_model.OPTIMAL
    proven = bounds(plan, cals, horizon)
    assert proven.lines  # the bound under test applies
    assert proven.objective(plan, until) <= solver.objective_value


def test_tasks_emptying_a_yard_cannot_outrun_its_deliveries():
    """Three CDUs reach the yard at 0, 10 and 20 h; each install (5 h) takes one and a 5 h
    test follows it. Whichever install goes last starts at 20 at the earliest, then 10 h of
    work: no schedule ends before 30 (the critical path alone says 10)."""
    from rackplan.scheduler.bounds import lower_bound
    from rackplan.scheduler.calendar import Calendars

    plan = make_plan("""
        [storage.yard]
        capacity = 3
        [deliveries.cdus]
        item = "cdu"
        batches = [{ at = "0h", quantity = 1 }, { at = "10h", quantity = 1 },
                   { at = "20h", quantity = 1 }]
        into = "yard"
    """ + "".join(f"""
        [tasks.install{k}]
        duration = "5h"
        empties = "yard"
        [tasks.test{k}]
        duration = "5h"
        after = ["install{k}"]
    """ for k in (1, 2, 3)))
    assert lower_bound(plan, Calendars(plan)) == 30


def test_a_crew_bound_counts_only_the_work_released_after_each_start():
    """One electrician: a 2 h task at the start and three 4 h tasks that cannot start before
    10 h (a not_before): the plain workload bound says 0 + 14 = 14, but the 12 h of work that
    waits until 10 cannot end before 22."""
    from rackplan.scheduler.bounds import energy_bound, lower_bound
    from rackplan.scheduler.calendar import Calendars
    from rackplan.scheduler.heuristic import earliest_finishes

    plan = make_plan("""
        [resources.electricians]
        capacity = 1
        [tasks.early]
        duration = "2h"
        uses = { electricians = 1 }
    """ + "".join(f"""
        [tasks.late{k}]
        duration = "4h"
        uses = {{ electricians = 1 }}
        not_before = "10h"
    """ for k in (1, 2, 3)))
    cals = Calendars(plan)
    start = earliest_finishes(plan, cals)[0]
    assert energy_bound(plan, cals, "electricians", start, dict.fromkeys(plan.tasks, 0)) == 22
    assert lower_bound(plan, cals) == 22


def test_long_early_tasks_leave_crew_work_for_after_the_racks_arrive():
    """Two electricians, three 5 h tasks from the start, six 2 h tasks not before 8 h. By 8 the
    crew offers 16 h but the 5 h tasks fill at most 8 + 5 (one unit takes two of them, the
    other one), so 2 h of them remain: 12 + 2 h after 8 on two units end no sooner than 15
    (the plain workload bound: 27 / 2 from 0, 12 / 2 from 8, both 14). The optimum is 16
    (u1: 0-5, 5-10, two 2 h tasks; u2: 0-5, idle, four 2 h tasks from 8)."""
    from rackplan.scheduler.bounds import _most_filled

    plan = make_plan("""
        [resources.electricians]
        capacity = 2
    """ + "".join(f"""
        [tasks.energise{k}]
        duration = "5h"
        uses = {{ electricians = 1 }}
    """ for k in (1, 2, 3)) + "".join(f"""
        [tasks.power{k}]
        duration = "2h"
        uses = {{ electricians = 1 }}
        not_before = "8h"
    """ for k in range(6)))
    assert _most_filled([5, 5, 5], 2, 8) == 13
    assert _most_filled([17, 17, 17], 2, 25) == 42  # seed 365's energisings
    assert _most_filled([3, 3, 2], 2, 4) == 7  # 3 + 1 of the 2 h task on one unit, 3 on the other
    assert lower_bound(plan, Calendars(plan)) == 15
    result = solve(plan, FAST)
    assert result.status == SolveStatus.OPTIMAL and result.makespan == 16


@pytest.mark.parametrize("case", range(24))  # cases 17 and 23 move the bound
def test_leftover_before_a_release_never_above_the_optimum(case):
    """Tests the workload bound with the early tasks' leftover on small random plans: a crew
    of two or three on days or elapsed time (maybe shrinking), long tasks from the start, some
    needing two units, short ones not before a release, against CP-SAT's proven optimum
    (the crew comes back to its size after a drop: a task of two units fits)."""
    import random

    rng = random.Random(case)
    cal = rng.choice(['calendar = "days"\n', ""])
    size, at = rng.randint(2, 3), rng.randint(6, 30)
    drop = (f'changes = [{{ from = "{at}h", capacity = 1 }}, '
            f'{{ from = "{at + rng.randint(4, 30)}h", capacity = {size} }}]'
            if rng.random() < 0.4 else "")
    body = f"""
        [calendars.days]
        days = ["mon", "tue", "wed", "thu", "fri"]
        shifts = ["08:00-12:00", "13:00-17:00"]
        [resources.crew]
        capacity = {size}
        {cal}
        {drop}
    """
    release = rng.randint(4, 20)
    for i in range(rng.randint(2, 4)):
        body += (f"[tasks.e{i}]\nduration = \"{rng.randint(3, 14)}h\"\n"
                 f"uses = {{ crew = {1 if rng.random() < 0.8 else 2} }}\n{cal}")
    for i in range(rng.randint(2, 5)):
        after = f'after = ["e{rng.randrange(2)}"]\n' if rng.random() < 0.3 else ""
        body += (f"[tasks.r{i}]\nduration = \"{rng.randint(1, 4)}h\"\n"
                 f"uses = {{ crew = 1 }}\nnot_before = \"{release}h\"\n{after}{cal}")
    plan = make_plan(body)
    cals = Calendars(plan)
    assert lower_bound(plan, cals) <= _plain_optimum(plan, cals, 400, 20)[1]


def _random_ff_plan(rng) -> str:
    """Racks positioned by riggers on a day calendar whose crew changes size, then power-on
    (three modes, one paid from a small overtime budget) and diagnostics that must end after
    it (FF), an array test after its racks' diagnostics, a burn-in, GPUs online at
    acceptance; crews on a day calendar with a lunch break or on elapsed time; a soft GPU
    target with a penalty."""
    arrays, per = rng.randint(2, 3), rng.randint(2, 3)
    techs_cal = rng.choice(['calendar = "days"\n', ""])
    return f"""
        [calendars.days]
        days = ["mon", "tue", "wed", "thu", "fri"]
        shifts = ["08:00-12:00", "13:00-17:00"]
        [resources.riggers]
        capacity = {rng.randint(1, 2)}
        calendar = "days"
        changes = [{{ from = "{rng.randint(10, 40)}h", capacity = {rng.randint(1, 3)} }}]
        [resources.techs]
        capacity = 2
        {techs_cal}
        [resources.netops]
        capacity = 1
        calendar = "days"
        [budgets.overtime]
        total = {rng.randint(0, 2)}
        [[levels]]
        name = "array"
        count = {arrays}
        id = "array-{{1}}"
        [[levels]]
        name = "rack"
        count = {per}
        id = "rack-{{1}}"
        gpus = 64
        [templates.rack.position]
        duration = "{rng.randint(1, 3)}h"
        uses = {{ riggers = 1 }}
        [templates.rack.power-on]
        after = ["position"]
        modes = [{{ duration = "{rng.randint(2, 4)}h", uses = {{ techs = 1 }} }},
                 {{ duration = "1h", uses = {{ techs = 2 }} }},
                 {{ duration = "1h", uses = {{ techs = 1 }}, spends = {{ overtime = 1 }} }}]
        [templates.rack.diagnostics]
        after = [{{ task = "power-on", type = "FF", lag = "{rng.randint(1, 3)}h" }},
                 {{ task = "position", type = "{rng.choice(["SS", "SF"])}", lag = "1h" }}]
        duration = "{rng.randint(1, 2)}h"
        [templates.array.fabric-test]
        after = ["rack:diagnostics"]
        duration = "{rng.randint(1, 3)}h"
        uses = {{ netops = 1 }}
        [templates.array.burn-in]
        after = ["fabric-test"]
        duration = "{rng.randint(4, 12)}h"
        [templates.array.accept]
        after = ["burn-in"]
        duration = 0
        online = true
        [targets.half]
        gpus = {64 * per * arrays // 2}
        by = "{rng.randint(6, 20)}h"
        hard = false
        penalty = {rng.choice((1, 3))}
    """


@pytest.mark.parametrize("case", range(10))
def test_bounds_through_finish_to_finish_links_never_above_the_optimum(case):
    """Tests the finish-to-finish bounds on small random plans against CP-SAT's proven optimum
    of the plain model (which knows nothing of the bounds): the objective bound (finish plus
    the soft target's least penalty) is never above it, and in the optimal schedule every
    task's finish is at least its `after_finish` before the end and every step's k-th start
    and finish are no sooner than the flow line says."""
    import random



    plan = make_plan(_random_ff_plan(random.Random(case)))
    cals = Calendars(plan)
    tasks, value = _plain_optimum(plan, cals, 200, 30)
    end = max(t.finish for t in tasks.values())
    assert bounds(plan, cals, end).objective(plan, 0) <= value
    after = after_finish(plan)
    assert all(tasks[t].finish + after[t] <= end for t in plan.tasks)
    _assert_order_statistics(plan, cals, tasks)


def test_workload_bound_counts_what_follows_a_finish_to_finish_successor():
    """Tests two 4 h power-ons on one tech, each rack's diagnostics ending 2 h after its
    power-on (FF), then a 5 h array test after both diagnostics. The tech is busy until 8 at
    the earliest, the last diagnostics end at 10, the test at 15; the critical path says
    4 + 2 + 5 = 11, and the workload bound used to stop at 8 + 2 = 10."""
    plan = make_plan("""
        [resources.tech]
        capacity = 1
        [tasks.p1]
        duration = "4h"
        uses = { tech = 1 }
        [tasks.p2]
        duration = "4h"
        uses = { tech = 1 }
        [tasks.d1]
        duration = "1h"
        after = [{ task = "p1", type = "FF", lag = "2h" }]
        [tasks.d2]
        duration = "1h"
        after = [{ task = "p2", type = "FF", lag = "2h" }]
        [tasks.test]
        duration = "5h"
        after = ["d1", "d2"]
    """)
    cals = Calendars(plan)
    assert critical_path_bound(plan, cals) == 11
    assert lower_bound(plan, cals) == 15
    assert solve(plan, FAST).makespan == 15


# Four power-ons on one tech, each 3 h or 2 h for an overtime hour; TOTAL hours of overtime.
OVERTIME_RACKS = """
    [resources.tech]
    capacity = 1
    [budgets.overtime]
    total = TOTAL
    [[levels]]
    name = "rack"
    count = 4
    id = "rack-{1}"
    [templates.rack.power-on]
    modes = [{ duration = "3h", uses = { tech = 1 } },
             { duration = "2h", uses = { tech = 1 }, spends = { overtime = 1 } }]
"""


def test_workload_bound_buys_only_the_overtime_the_budget_pays_for():
    """Tests four power-ons on one tech, each 3 h, or 2 h paid with one overtime hour, and a
    budget of 2 hours: two fast and two normal ones are 2 + 2 + 3 + 3 = 10 h of the tech's
    time at the least (the fast modes alone would say 8)."""
    plan = make_plan(OVERTIME_RACKS.replace("TOTAL", "2"))
    assert lower_bound(plan, Calendars(plan)) == 10
    assert solve(plan, FAST).makespan == 10


def test_workload_bound_sees_that_long_tasks_cannot_use_a_crew_that_leaves():
    """Tests two 12 h jobs on a crew of 2 that drops to 1 at 10 h: neither can end by 10, so
    at most one runs across the drop and the other waits for it: 24 h. Counting crew-hours
    alone says 2 x 10 h, then 4 h more: 14 h."""
    plan = make_plan("""
        [resources.crew]
        capacity = 2
        changes = [{ from = 2024-01-01T10:00:00, capacity = 1 }]
        [tasks.a]
        duration = "12h"
        uses = { crew = 1 }
        [tasks.b]
        duration = "12h"
        uses = { crew = 1 }
    """)
    assert lower_bound(plan, Calendars(plan)) == 24
    assert solve(plan, FAST).makespan == 24


def test_a_crew_that_shrinks_overnight_ends_no_task_begun_the_night_before():
    """Tests four 2 h connects after a 5 h loop, by fitters on nights (22:00-06:00) who are
    two until Tuesday 06:00 (slot 30), then one. The loop runs Monday 22:00 to 03:00 (slot
    27); two connects end at 29; a third begun at 29 works 29-30 and resumes Tuesday night
    (46-47), holding the one fitter left; the fourth follows: 49. Two units each doing
    connects one after another (as if both fitters could carry one over) say 47, and the
    workload bound 48."""
    plan = make_plan("""
        [calendars.nights]
        days = ["mon", "tue", "wed", "thu", "fri"]
        shifts = ["22:00-06:00"]
        [resources.fitters]
        capacity = 2
        calendar = "nights"
        changes = [{ from = "30h", capacity = 1 }]
        [tasks.loop]
        duration = "5h"
        uses = { fitters = 1 }
        [templates.rack.connect]
        after = ["site:loop"]
        duration = "2h"
        uses = { fitters = 1 }
        [[levels]]
        name = "rack"
        count = 4
        id = "rack-{1}"
    """)
    assert lower_bound(plan, Calendars(plan), horizon=100) == 49
    result = solve(plan, FAST)
    assert result.status == SolveStatus.OPTIMAL and result.makespan == 49


def test_cables_by_one_tech_or_two_leave_each_tech_whole_pieces():
    """Tests four cables, each 8 h by one fiber tech or 4 h by two, for three techs on
    06:00-16:00 days. Every schedule can keep each cable on the same techs throughout, so each
    tech works in pieces of 8 h or 4 h: within 11 working hours at most 8 each, 24 in all,
    short of the 32 the cables take; within 12 h, 12 each (one tech a cable 0-8 h and a
    paired cable 8-12 h, the other two two paired cables 0-4 and 4-8 h). So Tuesday 08:00
    (slot 32: Monday's 10 h and 2 h more), where the crew-hours alone (32 of 33 in 11 h) say
    07:00."""
    plan = make_plan("""
        [calendars.days]
        days = ["mon", "tue", "wed", "thu", "fri", "sat"]
        shifts = ["06:00-16:00"]
        [resources.fiber]
        capacity = 3
        calendar = "days"
        [templates.rack.cable]
        modes = [{ duration = "8h", uses = { fiber = 1 } },
                 { duration = "4h", uses = { fiber = 2 } }]
        [[levels]]
        name = "rack"
        count = 4
        id = "rack-{1}"
    """)
    assert lower_bound(plan, Calendars(plan), horizon=100) == 32
    result = solve(plan, FAST)
    assert result.status == SolveStatus.OPTIMAL and result.makespan == 32


@pytest.mark.parametrize("case", range(12))
def test_capacity_drop_bound_never_above_the_optimum(case):
    """Tests the workload bound on small random plans of one crew on a day calendar (or
    elapsed time) whose size goes down and up, tasks of mixed lengths, some after others,
    against CP-SAT's proven optimum of the plain model."""
    import random

    from ortools.sat.python import cp_model

    from rackplan.scheduler.cpsat.model import RackplanModel

    rng = random.Random(case)
    cal = rng.choice(['calendar = "days"\n', ""])
    steps = sorted(rng.sample(range(4, 40), 2))
    body = f"""
        [calendars.days]
        days = ["mon", "tue", "wed", "thu", "fri"]
        shifts = ["08:00-12:00", "13:00-17:00"]
        [resources.crew]
        capacity = 3
        {cal}
        changes = [{{ from = "{steps[0]}h", capacity = {rng.randint(1, 2)} }},
                   {{ from = "{steps[1]}h", capacity = {rng.randint(2, 3)} }}]
    """
    for i in range(rng.randint(3, 6)):
        after = f'after = ["t{rng.randrange(i)}"]\n' if i and rng.random() < 0.4 else ""
        body += (f"[tasks.t{i}]\nduration = \"{rng.randint(1, 12)}h\"\n"
                 f"uses = {{ crew = {rng.randint(1, 2)} }}\n{after}")
        if cal:
            body += 'calendar = "days"\n'
    plan = make_plan(body)
    cals = Calendars(plan)
    built = RackplanModel(plan, cals, 400, 0).build()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(built.model) == cp_model.OPTIMAL
    assert lower_bound(plan, cals) <= solver.objective_value


@pytest.mark.parametrize("case", range(10))
def test_flow_line_with_a_crew_that_shrinks_never_above_the_optimum(case):
    """Tests the flow line's crew rate around a drop in capacity on random steps of identical
    long tasks (some too long to end before the drop) after their hall's loop by the same
    crew, against CP-SAT's proven optimum of the
    plain model: the bound with that optimum as horizon, and every step's k-th start and
    finish in the optimal schedule."""
    import random



    rng = random.Random(case)
    cal = rng.choice(['calendar = "days"', ""])
    plan = make_plan(f"""
        [calendars.days]
        days = ["mon", "tue", "wed", "thu", "fri"]
        shifts = ["08:00-12:00", "13:00-17:00"]
        [resources.crew]
        capacity = {rng.randint(2, 3)}
        {cal}
        changes = [{{ from = "{rng.randint(6, 30)}h", capacity = 1 }},
                   {{ from = "{rng.randint(60, 90)}h", capacity = 2 }}]
        [[levels]]
        name = "hall"
        count = 2
        id = "hall-{{A}}"
        [[levels]]
        name = "unit"
        count = {rng.randint(1, 2)}
        id = "unit-{{1}}"
        [templates.hall.loop]
        duration = "{rng.randint(2, 12)}h"
        uses = {{ crew = 1 }}
        [templates.unit.first]
        after = ["hall:loop"]
        duration = "{rng.randint(4, 14)}h"
        uses = {{ crew = 1 }}
        [templates.unit.second]
        after = ["first"]
        duration = "{rng.randint(1, 6)}h"
        uses = {{ crew = 1 }}
    """)
    cals = Calendars(plan)
    # Every bound holds for every schedule: checked on the optimum when proven, else on the
    # best schedule found.
    tasks, _ = _plain_optimum(plan, cals, None, 5, proven=False)
    end = max(t.finish for t in tasks.values())
    assert lower_bound(plan, cals, horizon=end) <= end
    _assert_order_statistics(plan, cals, tasks)


def test_workload_bound_follows_the_calendars_after_the_work():
    """Tests three 10 h jobs on one crew (round the clock), then a 4 h test on the night shift
    (22:00-06:00). The crew is done at Tuesday 06:00 (30 h) at the earliest, just as the
    night shift ends, so the test runs Tuesday 22:00 to Wednesday 02:00: 50 h. Counting work
    slots after the crew says 34 h; the critical path 26 h (Monday night)."""
    plan = make_plan("""
        [calendars.nights]
        days = ["mon", "tue", "wed", "thu", "fri"]
        shifts = ["22:00-06:00"]
        [resources.crew]
        capacity = 1
        [tasks.a]
        duration = "10h"
        uses = { crew = 1 }
        [tasks.b]
        duration = "10h"
        uses = { crew = 1 }
        [tasks.c]
        duration = "10h"
        uses = { crew = 1 }
        [tasks.test]
        duration = "4h"
        calendar = "nights"
        after = ["a", "b", "c"]
    """)
    cals = Calendars(plan)
    assert critical_path_bound(plan, cals) == 26
    assert lower_bound(plan, cals) == 50
    assert solve(plan, FAST).makespan == 50


LEAK_TESTS = """
    [calendars.days]
    days = ["mon", "tue", "wed", "thu", "fri"]
    shifts = ["08:00-12:00", "13:00-17:00"]
    [resources.fitters]
    capacity = {fitters}
    calendar = "days"
    [resources.gauges]
    capacity = {gauges}
    [[levels]]
    name = "rack"
    count = {racks}
    id = "rack-{{1}}"
    [templates.rack.connect]
    duration = "{connect}h"
    uses = {{ fitters = 1 }}
    [templates.rack.leak-test]
    after = [{{ task = "connect", max_lag = "{lag}h" }}]
    duration = "{test}h"
    uses = {{ gauges = 1 }}
"""


def test_flow_line_sees_tests_that_must_start_soon_after_day_shift_work():
    """Tests four racks connected on the day shift (1 h each, four fitters), each leak-tested
    (4 h, one gauge, round the clock) within 2 h of its connection. Connections end between
    09:00 and 17:00, so tests start between 09:00 and 19:00: the gauge does 09-13, 13-17 and
    17-21 on Monday, and the fourth on Tuesday 09-13: 37 h. The gauge's workload alone says
    09:00 + 16 h = 25 h."""
    plan = make_plan(LEAK_TESTS.format(fitters=4, gauges=1, racks=4, connect=1, test=4, lag=2))
    cals = Calendars(plan)
    assert lower_bound(plan, cals) == 25
    assert lower_bound(plan, cals, horizon=40) == 37
    assert solve(plan, FAST).makespan == 37


@pytest.mark.parametrize("case", range(10))
def test_start_window_bound_never_above_the_optimum(case):
    """Tests the start-window flow line on random racks connected on the day shift and tested
    within a maximum lag, against CP-SAT's proven optimum of the plain model, and every k-th
    finish in that schedule."""
    import random



    rng = random.Random(case)
    plan = make_plan(LEAK_TESTS.format(
        fitters=rng.randint(1, 3), gauges=rng.randint(1, 2), racks=rng.randint(3, 6),
        connect=rng.randint(1, 3), test=rng.randint(2, 6), lag=rng.randint(0, 4)))
    cals = Calendars(plan)
    tasks, _ = _plain_optimum(plan, cals, None, 10)
    end = max(t.finish for t in tasks.values())
    assert lower_bound(plan, cals, horizon=end) <= end
    _assert_order_statistics(plan, cals, tasks)


def test_flow_line_counts_whole_tasks_per_crew_unit():
    """Tests five 10 h cables for four fiber techs on the night shift (22:00-06:00, Monday to
    Friday). Each tech's first cable runs Monday 22:00 to Tuesday 06:00 and 22:00-24:00: done
    Wednesday 00:00 (48 h). The fifth cable follows one of them: 00:00-06:00, then Wednesday
    22:00 to Thursday 02:00: 74 h. The crew-hours rate alone says 32 crew-hours on Monday
    night and 18 on Tuesday's, done by 51 h."""
    plan = make_plan("""
        [calendars.nights]
        days = ["mon", "tue", "wed", "thu", "fri"]
        shifts = ["22:00-06:00"]
        [resources.fiber]
        capacity = 4
        calendar = "nights"
        [[levels]]
        name = "rack"
        count = 5
        id = "rack-{1}"
        [templates.rack.cable]
        duration = "10h"
        uses = { fiber = 1 }
    """)
    cals = Calendars(plan)
    assert lower_bound(plan, cals) == 51
    assert lower_bound(plan, cals, horizon=100) == 74
    assert solve(plan, FAST).makespan == 74


def test_flow_line_gives_the_faster_mode_only_to_as_many_tasks_as_the_budget_pays():
    """Tests four power-ons on one tech, 3 h each or 2 h with an overtime hour, and one hour
    of overtime: the k-th power-on ends no sooner than 2, 5, 8, 11 h (one fast one first),
    not 2, 4, 6, 8 as if every one could be fast."""
    plan = make_plan(OVERTIME_RACKS.replace("TOTAL", "1"))
    cals = Calendars(plan)
    start, _ = earliest_finishes(plan, cals)
    flow = FlowBound(plan, cals, 20, start, after_finish(plan))
    assert flow.bound() == 11
    assert flow.F["templates.rack.power-on"] == [2, 5, 8, 11]


def test_three_techs_share_one_overtime_hour_not_one_each():
    """Tests six power-ons on three techs, 3 h each or 2 h with an overtime hour, and one hour
    of overtime: one tech may do its first in 2 h, the other two cannot, so the k-th ends no
    sooner than 2, 3, 3, 5, 6, 6 (each tech two after another: 2 + 3 on one, 3 + 3 on the
    others) and the finish no sooner than 6, the optimum. Each tech taking the overtime hour
    said 2, 2, 2, 5, 5, 5. With two hours, two techs end by 5 (the least over how the two fast
    ones are shared: on one tech, 2 + 2, or on two): 2, 2, 3, 4, 5, 6."""
    plan = make_plan(OVERTIME_RACKS.replace("TOTAL", "1").replace("capacity = 1", "capacity = 3")
                     .replace("count = 4", "count = 6"))
    cals = Calendars(plan)
    start, _ = earliest_finishes(plan, cals)
    flow = FlowBound(plan, cals, 20, start, after_finish(plan))
    assert flow.bound() == 6
    assert flow.F["templates.rack.power-on"] == [2, 3, 3, 5, 6, 6]
    assert solve(plan, FAST).makespan == 6
    plan = make_plan(OVERTIME_RACKS.replace("TOTAL", "2").replace("capacity = 1", "capacity = 3")
                     .replace("count = 4", "count = 6"))
    flow = FlowBound(plan, Calendars(plan), 20, start, after_finish(plan))
    flow.bound()
    assert flow.F["templates.rack.power-on"] == [2, 2, 3, 4, 5, 6]


def test_connects_wait_for_the_trucks_of_cdus_in_the_flow_line():
    """Tests three racks connected (1 h, one fitter) after a 2 h loop, each taking a CDU from
    a yard that only deliveries fill: two CDUs at 4 h, the third a day later (28 h). The k-th
    connect starts no sooner than the k-th CDU is there: 4, 5, 28 (not 2, 3, 4 from the
    loop), ending 5, 6, 29; two racks' GPUs (due at 3 h, 1 an hour late) are online at 6, so
    the floor is 29 + 3 = 32, the optimum (the loop's end alone said 4: 30)."""
    plan = make_plan("""
        [resources.fitters]
        capacity = 1
        [storage.yard]
        capacity = 10
        [deliveries.cdus]
        item = "cdu"
        quantity = 3
        first = "4h"
        per_day = 2
        into = "yard"
        [[levels]]
        name = "rack"
        count = 3
        id = "rack-{1}"
        gpus = 64
        [tasks.loop]
        duration = "2h"
        uses = { fitters = 1 }
        [templates.rack.connect]
        after = ["site:loop"]
        duration = "1h"
        uses = { fitters = 1 }
        empties = "yard"
        [templates.rack.accept]
        after = ["connect"]
        duration = 0
        online = true
        [targets.half]
        gpus = 128
        by = "3h"
        hard = false
        penalty = 1
    """)
    cals = Calendars(plan)
    proven = bounds(plan, cals, 40)
    assert proven.flow.S["templates.rack.connect"] == [4, 5, 28]
    assert proven.flow.F["templates.rack.connect"] == [5, 6, 29]
    assert (proven.finish, proven.reach["half"], proven.objective(plan, 0)) == (29, 6, 32)
    result = solve(plan, FAST)
    assert result.status == SolveStatus.OPTIMAL and result.objective == 32


def test_flow_line_counts_the_units_left_after_a_crew_shrinks():
    """Tests six 8 h cables from 12:00 for a crew of three that drops to two at 10:00: two at
    a time, so the k-th cable ends no sooner than 20, 20, 28, 28, 36, 36 (three units would
    say 20, 20, 20, 28, 28, 28)."""
    plan = make_plan("""
        [resources.fiber]
        capacity = 3
        changes = [{ from = "10h", capacity = 2 }]
        [[levels]]
        name = "rack"
        count = 6
        id = "rack-{1}"
        [templates.rack.cable]
        not_before = "12h"
        duration = "8h"
        uses = { fiber = 1 }
    """)
    cals = Calendars(plan)
    start, _ = earliest_finishes(plan, cals)
    flow = FlowBound(plan, cals, 60, start, after_finish(plan))
    assert flow.bound() == 36
    assert flow.F["templates.rack.cable"] == [20, 20, 28, 28, 36, 36]


def _random_shrinking_crew_plan(rng, mixed: bool = False) -> str:
    """A hall's loop, then per unit a job, a check within a maximum lag on another crew, a
    second job: the jobs on a crew on nights, days or round the clock whose capacity falls
    and rises (to none for two days, sometimes) at shift ends and odd hours. `mixed`: a
    larger crew, and the first job in two or three modes of different sizes (one to three
    of the crew, some paid from an overtime budget)."""
    cal = rng.choice(["days", "nights", "around", "nights"])
    least = 3 if mixed else 1
    cap = rng.randint(least, 4 + mixed)
    changes, at = [], 0
    for _ in range(rng.randint(1, 3)):
        at += rng.randint(1, 5) * 24 + rng.choice([6, 6, 16, rng.randint(0, 23)])
        changes.append([at, rng.randint(0 if changes else least, 4 + mixed)])
    if changes[-1][1] == 0:
        changes.append([at + 48, least])
    demand = rng.choice([1, 1, 1, 2])
    for step in changes:
        step[1] = demand if step[1] == 1 else step[1]
    steps = ", ".join(f'{{ from = "{frm}h", capacity = {c} }}' for frm, c in changes)
    first = f'duration = "{rng.randint(1, 9)}h"\n        uses = {{ crew = {demand} }}'
    if mixed:
        modes = []
        for _ in range(rng.randint(2, 3)):
            paid = ", spends = { overtime = 1 }" if rng.random() < 0.3 else ""
            modes.append(f'{{ duration = "{rng.randint(1, 9)}h", '
                         f'uses = {{ crew = {rng.choice([1, 1, 2, 3])} }}{paid} }}')
        first = f"modes = [{', '.join(modes)}]"
    return f"""
        [calendars.days]
        days = ["mon", "tue", "wed", "thu", "fri"]
        shifts = ["07:00-11:00", "12:00-16:00"]
        [calendars.nights]
        days = ["mon", "tue", "wed", "thu", "fri"]
        shifts = ["22:00-06:00"]
        [calendars.around]
        days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        shifts = ["06:00-18:00", "18:00-06:00"]
        [resources.crew]
        capacity = {max(cap, demand)}
        calendar = "{cal}"
        changes = [{steps}]
        {f"[budgets.overtime]{chr(10)}        total = {rng.randint(0, 4)}" if mixed else ""}
        [resources.other]
        capacity = {rng.randint(1, 3)}
        calendar = "{rng.choice(["days", "nights", "around"])}"
        [[levels]]
        name = "hall"
        count = 1
        id = "hall-{{A}}"
        [[levels]]
        name = "unit"
        count = {rng.randint(2, 12 if mixed else 7)}
        id = "unit-{{1}}"
        [templates.hall.loop]
        duration = "{rng.randint(2, 30)}h"
        uses = {{ crew = {demand} }}
        [templates.unit.first]
        after = ["hall:loop"]
        {first}
        [templates.unit.check]
        after = [{{ task = "first", max_lag = "{rng.randint(1, 4)}h" }}]
        duration = "{rng.randint(1, 3)}h"
        uses = {{ other = 1 }}
        [templates.unit.second]
        after = ["check"]
        duration = "{rng.randint(1, 6)}h"
        uses = {{ crew = {demand} }}
    """


@pytest.mark.parametrize("case", range(45))
def test_flow_line_around_capacity_steps_holds_for_every_schedule(case):
    """Tests the flow line's order statistics and the finish bound on random plans whose crew
    shrinks and grows at shift ends (tasks paused overnight hold it when they resume) against
    every priority rule's list schedule and CP-SAT's best in a second: each schedule is no
    sooner, step by step, than the bounds say. From case 30 a step has modes of different
    sizes (the whole pieces each member of the crew works)."""
    import random

    _assert_bounded_by_schedules(
        make_plan(_random_shrinking_crew_plan(random.Random(case), mixed=case >= 30)), 1)


def _assert_bounded_by_schedules(plan, seconds, horizon=None):
    """Every rule's list schedule and CP-SAT's best in `seconds` on the plain model (horizon
    None: the list schedule's finish) end no sooner than the finish bound, and no step's
    k-th start or finish in them is sooner than the flow line's order statistics."""
    from rackplan.scheduler.heuristic import rule_schedules

    cals = Calendars(plan)
    found = [tasks for _, _, tasks in rule_schedules(plan, cals)]
    if found:
        found.append(_plain_optimum(plan, cals, horizon, seconds, proven=False)[0])
    for tasks in found:
        end = max(t.finish for t in tasks.values())
        assert lower_bound(plan, cals, horizon=end) <= end
        _assert_order_statistics(plan, cals, tasks)


def _plain_optimum(plan, cals, horizon, seconds, proven=True):
    """The schedule CP-SAT finds for the plain model, which knows nothing of the bounds
    (horizon None: the list schedule's finish), and its objective; proven optimal unless
    `proven` is False."""
    from ortools.sat.python import cp_model

    from rackplan.scheduler.cpsat.model import RackplanModel
    from rackplan.scheduler.heuristic import list_schedule
    from rackplan.scheduler.schedule import make_task

    if horizon is None:
        horizon = max(t.finish for t in list_schedule(plan, cals).values())
    built = RackplanModel(plan, cals, horizon, 0).build()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = seconds
    status = solver.solve(built.model)
    assert status == cp_model.OPTIMAL or not proven and status == cp_model.FEASIBLE
    return ({tid: make_task(plan, cals, tid, s, m) for tid, (s, m) in built.read(solver).items()},
            solver.objective_value)


def _assert_order_statistics(plan, cals, tasks):
    """Every step's k-th start and finish in `tasks` no sooner than the flow line says."""
    end = max(t.finish for t in tasks.values())
    start, _ = earliest_finishes(plan, cals)
    flow = FlowBound(plan, cals, end, start, after_finish(plan))
    flow.bound()
    for group in flow.S:
        starts = sorted(tasks[t].start for t in flow.groups[group])
        finishes = sorted(tasks[t].finish for t in flow.groups[group])
        assert all(b <= a for b, a in zip(flow.S[group], starts)), group
        assert all(b <= a for b, a in zip(flow.F[group], finishes)), group


PAIR_PLAN = """
    [calendars.nights]
    days = ["mon", "tue", "wed", "thu", "fri"]
    shifts = ["22:00-06:00"]
    [resources.pipefitters]
    capacity = {fitters}
    calendar = "nights"
    [resources.gauges]
    capacity = 1
    [[levels]]
    name = "hall"
    count = 2
    id = "hall-{{A}}"
    [[levels]]
    name = "rack"
    count = 4
    id = "rack-{{1}}"
    [templates.hall.loop]
    duration = "10h"
    uses = {{ pipefitters = 1 }}
    [templates.rack.connect]
    after = ["hall:loop"]
    duration = "2h"
    uses = {{ pipefitters = 1 }}
    [templates.rack.test]
    after = [{{ task = "connect", max_lag = "2h" }}]
    duration = "4h"
    uses = {{ gauges = 1 }}
"""


def test_a_test_within_a_lag_of_its_connect_paces_both_crews():
    """Tests one pipefitter on nights (22:00-06:00, Mon-Fri) who lays two halls' 10 h loops
    and connects four racks a hall (2 h each, after the hall's loop), and one gauge testing
    each rack (4 h) within 2 h of its connect. The gauge starts a test only every 4 h, each
    within 2 h of its own connect, so a night of connects holds at most three, and a loop
    (which does not pause for connects) fills little of what is left. The crews on their
    own say slot 128 (the pipefitter's 36 h fit by Friday's night shift, the gauge's windows
    allow a test then); followed together (scheduler/crew_walk.py) the last test runs no
    sooner than Saturday 07:00-11:00 (slot 131), after a connect done by 05:00 on Friday's
    night shift, which CP-SAT proves optimal on the plain model, knowing no bound."""
    plan = make_plan(PAIR_PLAN.format(fitters=1))
    cals = Calendars(plan)
    assert lower_bound(plan, cals, horizon=300) == 131
    assert _plain_optimum(plan, cals, 300, 30)[1] == 131


def test_pair_bound_leaves_larger_crews_to_the_flow_line():
    """Tests that seven pipefitters (more units, and more work under way at once, than the
    pair's walk follows: 7 x 2 h) leave the bound to the flow line: no walk."""
    from rackplan.scheduler.crew_walk import coupled_pair, pair_finishes

    plan = make_plan(PAIR_PLAN.format(fitters=7))
    cals = Calendars(plan)
    start, _ = earliest_finishes(plan, cals)
    flow = FlowBound(plan, cals, 300, start, after_finish(plan))
    flow.bound()
    tests = flow.groups["templates.rack.test"]
    pair = coupled_pair(plan, tests, flow.group_of)
    assert pair is not None and pair.first_group == "templates.rack.connect"
    assert pair_finishes(plan, cals, pair, flow.S[pair.first_group], 300) == []


@pytest.mark.parametrize("case", range(10))
def test_pair_bound_never_above_a_schedule(case):
    """Tests the pair's order statistics on random plans (a crew on nights, days or round the
    clock that lays hall loops and connects racks, another that tests each within a maximum
    lag, capacities that change) against every rule's list schedule and CP-SAT's best in two
    seconds on the plain model: no test finishes sooner, k-th by k-th, than the bound says."""
    import random

    _assert_bounded_by_schedules(make_plan(_random_pair_plan(random.Random(case))), 2)


# Night and day-shift calendars (lunch 11:00-12:00) for the random plans of the crew walks.
NIGHTS_AND_DAYS = """
    [calendars.nights]
    days = ["mon", "tue", "wed", "thu", "fri"]
    shifts = ["22:00-06:00"]
    [calendars.days]
    days = ["mon", "tue", "wed", "thu", "fri"]
    shifts = ["07:00-11:00", "12:00-16:00"]
"""


def _random_pair_plan(rng) -> str:
    changes = ""
    if rng.random() < 0.5:
        changes = f'changes = [{{ from = "{rng.randint(1, 6)}d", ' \
                  f'capacity = {rng.choice([1, 2, 3])} }}]'
    gauge_cal = rng.choice(["", "", 'calendar = "days"', 'calendar = "around"'])
    lag = ', lag = "1h"' if rng.random() < 0.3 else ""
    return f"""
        {NIGHTS_AND_DAYS}
        [calendars.around]
        days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        shifts = ["06:00-18:00", "18:00-06:00"]
        [resources.pipefitters]
        capacity = {rng.choice([1, 1, 2, 2, 3])}
        calendar = "{rng.choice(["nights", "days", "around"])}"
        {changes}
        [resources.gauges]
        capacity = {rng.choice([1, 1, 2])}
        {gauge_cal}
        [[levels]]
        name = "hall"
        count = {rng.randint(1, 3)}
        id = "hall-{{A}}"
        [[levels]]
        name = "rack"
        count = {rng.randint(2, 6)}
        id = "rack-{{1}}"
        [templates.hall.loop]
        duration = "{rng.randint(2, 20)}h"
        uses = {{ pipefitters = 1 }}
        [templates.rack.connect]
        after = ["hall:loop"]
        duration = "{rng.randint(1, 4)}h"
        uses = {{ pipefitters = 1 }}
        [templates.rack.test]
        after = [{{ task = "connect", max_lag = "{rng.randint(1, 4)}h"{lag} }}]
        duration = "{rng.randint(1, 6)}h"
        uses = {{ gauges = 1 }}
        [templates.rack.after]
        after = ["test"]
        duration = "{rng.randint(1, 3)}h"
    """
