"""Small plans whose optimal schedules are derived by hand in the comments."""

import pytest
from conftest import MAX_LAG_PLAN, solve_text

from rackplan.scheduler.schedule import SolveStatus


def test_capacity_one_crew_orders_tasks():
    """Tests that a crew of 1 never runs two tasks at once and the best order is chosen."""
    # a(3h, crew) then c(4h, after a) while the crew does b(2h): a[0,3) c[3,7) b[3,5) -> 7.
    # Doing b first gives b[0,2) a[2,5) c[5,9) -> 9.
    s = solve_text("""
        [resources.crew]
        capacity = 1
        [tasks.a]
        duration = "3h"
        uses = { crew = 1 }
        [tasks.b]
        duration = "2h"
        uses = { crew = 1 }
        [tasks.c]
        duration = "4h"
        after = ["a"]
    """)
    assert s.status == SolveStatus.OPTIMAL
    assert s.makespan == 7
    assert s.tasks["a"].start == 0


@pytest.mark.parametrize("link, expected", [
    # FS lag 2: a[0,1), b starts >= 3 -> b[3,4): 4.
    ('{ task = "a", type = "FS", lag = "2h" }', 4),
    # SS lag 2: b starts >= a.start + 2 = 2 -> b[2,3); a[0,5): 5.
    ('{ task = "a", type = "SS", lag = "2h" }', 5),
    # FF lag 1: b finishes >= a.finish + 1 = 6 -> 6.
    ('{ task = "a", type = "FF", lag = "1h" }', 6),
    # SF lag 4: b finishes >= a.start + 4 = 4; b is 1h so b[3,4); a[0,5): 5.
    ('{ task = "a", type = "SF", lag = "4h" }', 5),
])
def test_link_types_and_lags(link, expected):
    """Tests the four dependency types with their minimum lags."""
    a_len = "1h" if '"FS"' in link else "5h"
    s = solve_text(f"""
        [tasks.a]
        duration = "{a_len}"
        [tasks.b]
        duration = "1h"
        after = [{link}]
    """)
    assert s.status == SolveStatus.OPTIMAL
    assert s.makespan == expected


def test_max_lag_delays_the_predecessor():
    """Tests that a maximum lag makes the fill wait so the leak test starts within 1 h of it."""
    # The crew does x[0,4) then test[4,5); test must start <= fill.finish + 1, so fill ends >= 3.
    # Optimum 5 (test first would give fill[0,1) test[1,2) x[2,6) -> 6).
    s = solve_text(MAX_LAG_PLAN)
    assert s.status == SolveStatus.OPTIMAL
    assert s.makespan == 5
    assert s.tasks["test"].start - s.tasks["fill"].finish <= 1


def test_capacity_that_changes_over_time():
    """Tests a crew that ramps from 1 to 2 at 04:00."""
    # Three 4h tasks: one in [0,4) with 1 crew, two in parallel in [4,8) -> 8 (12 without ramp).
    s = solve_text("""
        [resources.crew]
        capacity = 1
        changes = [{ from = 2024-01-01T04:00:00, capacity = 2 }]
        [tasks.a]
        duration = "4h"
        uses = { crew = 1 }
        [tasks.b]
        duration = "4h"
        uses = { crew = 1 }
        [tasks.c]
        duration = "4h"
        uses = { crew = 1 }
    """)
    assert s.status == SolveStatus.OPTIMAL
    assert s.makespan == 8


def test_working_time_task_pauses_overnight():
    """Tests that a 10 h task on an 08:00-16:00 crew works 8 h Monday and 2 h Tuesday."""
    # Monday 08:00 is slot 8: [8,16); Tuesday 08:00 is slot 32: [32,34).
    s = solve_text("""
        [calendars.day]
        shifts = ["08:00-16:00"]
        [resources.crew]
        capacity = 1
        calendar = "day"
        [tasks.work]
        duration = "10h"
        uses = { crew = 1 }
        [tasks.soak]
        duration = "10h"
    """)
    assert s.status == SolveStatus.OPTIMAL
    assert s.tasks["work"].segments == ((8, 16), (32, 34))
    assert s.tasks["soak"].segments == ((0, 10),)  # no crew: elapsed time through the night
    assert s.makespan == 34


def test_weekend_and_holiday_are_skipped():
    """Tests weekdays and holidays: Friday 8 h, then Tuesday (Monday is a holiday)."""
    # Start Friday 2024-01-05 08:00 = slot 0: [0,8); Sat, Sun off; Monday 8th is a holiday;
    # Tuesday 08:00 = slot 96: [96,98).
    s = solve_text("""
        [calendars.day]
        shifts = ["08:00-16:00"]
        holidays = [2024-01-08]
        [resources.crew]
        capacity = 1
        calendar = "day"
        [tasks.work]
        duration = "10h"
        uses = { crew = 1 }
    """, header="""
        [project]
        name = "weekend"
        start = 2024-01-05T08:00:00
    """)
    assert s.tasks["work"].segments == ((0, 8), (96, 98))


def test_alternative_modes_are_chosen_by_the_optimiser():
    """Tests that cabling 3 racks with 2 crews (8 h x 1 crew or 5 h x 2 crews) takes 13 h."""
    # All 1-crew: two in parallel then one: 16 h. All 2-crew: 3 x 5 = 15 h. One 2-crew job
    # [0,5) then two 1-crew jobs in parallel [5,13): 13 h. Two 2-crew jobs: 10 + 8 = 18 h.
    s = solve_text("""
        [resources.fiber]
        capacity = 2
    """ + "".join(f"""
        [tasks.cable{i}]
        modes = [{{ duration = "8h", uses = {{ fiber = 1 }} }},
                 {{ duration = "5h", uses = {{ fiber = 2 }} }}]
    """ for i in range(3)))
    assert s.status == SolveStatus.OPTIMAL
    assert s.makespan == 13
    assert sorted(t.mode for t in s.tasks.values()) == [0, 0, 1]


def test_deliveries_release_tasks_in_order():
    """Tests a delivery rate: 2 racks a day at 06:00, one dock, 1 h unloads."""
    # Units 1-2 arrive at slot 6, units 3-4 at slot 30: unloads [6,7) [7,8) [30,31) [31,32).
    s = solve_text("""
        [resources.dock]
        capacity = 1
        [deliveries.racks]
        item = "rack"
        quantity = 4
        first = 2024-01-01T06:00:00
        per_day = 2
        [[levels]]
        name = "rack"
        count = 4
        [templates.rack.unload]
        needs = "rack"
        duration = "1h"
        uses = { dock = 1 }
    """)
    assert s.status == SolveStatus.OPTIMAL
    assert s.makespan == 32
    assert s.plan.tasks["rack-3/unload"].release == 30
    assert s.tasks["rack-3/unload"].start >= 30


STAGING = """
    [resources.dock]
    capacity = 3
    changes = [{ from = 2024-01-01T02:00:00, capacity = 0 }]   # the dock crew leaves at 02:00
    [resources.riggers]
    capacity = 1
    [storage.staging]
    capacity = %d
    [[levels]]
    name = "rack"
    count = 3
    [templates.rack.receive]
    duration = "2h"
    uses = { dock = 1 }
    fills = "staging"
    [templates.rack.position]
    after = ["receive"]
    duration = "1h"
    uses = { riggers = 1 }
    empties = "staging"
"""


def test_staging_limit_binds():
    """Tests the staging area: all 3 racks must be received in [0,2), so they all land at 2."""
    # Capacity 2: at slot 2 three racks land and one position starts: level 2 -> feasible;
    # positions [2,3) [3,4) [4,5) -> 5. Capacity 1: level 2 > 1 at slot 2 -> infeasible.
    ok = solve_text(STAGING % 2)
    assert ok.status == SolveStatus.OPTIMAL and ok.makespan == 5
    assert solve_text(STAGING % 1).status == SolveStatus.INFEASIBLE


def test_deliveries_straight_into_storage():
    """Tests deliveries that fill storage directly: the third rack forces an early position."""
    # 2 racks arrive at 0 and 1 more at 1 into a staging of 2, so one position must start by
    # slot 1, ahead of the riggers' 'prep' task; 4 x 2 h sequential -> 8.
    s = solve_text("""
        [resources.riggers]
        capacity = 1
        [storage.staging]
        capacity = 2
        [deliveries.racks]
        item = "rack"
        into = "staging"
        batches = [{ at = 2024-01-01T00:00:00, quantity = 2 },
                   { at = 2024-01-01T01:00:00, quantity = 1 }]
        [tasks.prep]
        duration = "2h"
        uses = { riggers = 1 }
        [[levels]]
        name = "rack"
        count = 3
        [templates.rack.position]
        needs = "rack"
        duration = "2h"
        uses = { riggers = 1 }
        empties = "staging"
    """)
    assert s.status == SolveStatus.OPTIMAL
    assert s.makespan == 8
    assert min(s.tasks[f"rack-{i}/position"].start for i in (1, 2, 3)) <= 1


TARGET = """
    [tasks.build]
    duration = "10h"
    [targets.soon]
    by = "5h"
    hard = %s
    penalty = 3
"""


def test_hard_target_that_cannot_be_met_is_infeasible():
    """Tests that a hard deadline before the earliest finish gives status infeasible."""
    assert solve_text(TARGET % "true").status == SolveStatus.INFEASIBLE


def test_soft_target_is_penalised_by_lateness():
    """Tests a soft target: objective = finish 10 + 3 per slot x 5 slots late = 25."""
    s = solve_text(TARGET % "false")
    assert s.status == SolveStatus.OPTIMAL
    assert s.objective == 25
    target = s.plan.targets["soon"]
    assert s.forecast(target) == 10


GPUS = """
    [resources.crew]
    capacity = 1
    [tasks.big]
    duration = "4h"
    uses = { crew = 1 }
    gpus = 100
    [tasks.small]
    duration = "2h"
    uses = { crew = 1 }
    gpus = 10
"""


def test_gpu_hours_objective_brings_the_big_array_online_first():
    """Tests the gpu-hours objective up to slot 10."""
    # big first: 100 x (10-4) + 10 x (10-6) = 640 GPU-hours; small first: 10 x 8 + 100 x 4 = 480.
    s = solve_text(GPUS + """
        [objective]
        kind = "gpu-hours"
        until = "10h"
    """)
    assert s.status == SolveStatus.OPTIMAL
    assert s.objective == -640
    assert s.tasks["big"].finish == 4


@pytest.mark.parametrize("due, status", [("3h", SolveStatus.INFEASIBLE),
                                         ("4h", SolveStatus.OPTIMAL)])
def test_gpu_target(due, status):
    """Tests '100 GPUs online by X': the 4 h task cannot finish by slot 3, can by slot 4."""
    s = solve_text(GPUS + f"""
        [targets.first-100]
        gpus = 100
        by = "{due}"
    """)
    assert s.status == status
    if status == SolveStatus.OPTIMAL:
        assert s.forecast(s.plan.targets["first-100"]) == 4


def test_same_seed_one_worker_same_schedule(root):
    """Tests determinism: same seed and 1 worker give the same schedule."""
    from rackplan.scheduler.cpsat import SolveOptions, solve
    from rackplan.scheduler.load import load_plan

    plan = load_plan(root / "plans" / "tutorial.toml")
    opts = SolveOptions(time_limit=10, workers=1, seed=7)
    first, second = solve(plan, opts), solve(plan, opts)
    assert {t: (s.start, s.mode) for t, s in first.tasks.items()} == \
        {t: (s.start, s.mode) for t, s in second.tasks.items()}


def test_same_schedule_across_processes(root, tmp_path):
    """Tests determinism across runs: Python's per-process string hashing must not leak into
    the schedule (it once did, through set iteration in the heuristic)."""
    import json
    import os
    import subprocess
    import sys

    out = []
    for hash_seed in ("1", "2"):
        target = tmp_path / f"s{hash_seed}.json"
        subprocess.run([sys.executable, "-c", "from rackplan.cli import main; main()", "schedule",
                        str(root / "plans" / "tutorial.toml"), "--workers", "1", "-q",
                        "--time-limit", "10", "--json", str(target)], cwd=root, check=True,
                       env={**os.environ, "PYTHONHASHSEED": hash_seed}, capture_output=True)
        out.append([(t["id"], t["start_slot"], t["mode"])
                    for t in json.loads(target.read_text())["tasks"]])
    assert out[0] == out[1]


def test_a_hard_date_for_everything_caps_the_gpu_hours_horizon():
    """Tests the horizon of a gpu-hours plan: without a finish to stop at, it is the sum of
    every task's length + 1 (4 + 1 + 2 + 1 = 8 slots); a hard 'everything by 7 h' caps it at 7,
    and the optimum (big first: 640, both done by 6) still fits."""
    from conftest import FAST, make_plan

    from rackplan.scheduler.calendar import Calendars
    from rackplan.scheduler.cpsat import solve
    from rackplan.scheduler.cpsat.solve import _horizon
    from rackplan.scheduler.heuristic import list_schedule

    body = GPUS + """
        [objective]
        kind = "gpu-hours"
        until = "10h"
    """
    capped = make_plan(body + '[targets.all]\nby = "7h"\nhard = true\n')
    for plan, horizon in ((make_plan(body), 8), (capped, 7)):
        cals = Calendars(plan)
        assert _horizon(plan, cals, list_schedule(plan, cals), True, 6) == (horizon, True)
    s = solve(capped, FAST)
    assert (s.status, s.objective) == (SolveStatus.OPTIMAL, -640)
