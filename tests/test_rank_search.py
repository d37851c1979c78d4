"""The search over the order in which arrays come online (scheduler/rank_search.py)."""

import time

from conftest import make_plan

from rackplan.scheduler.calendar import Calendars
from rackplan.scheduler.cpsat import SolveOptions, solve
from rackplan.scheduler.heuristic import rule_schedules
from rackplan.scheduler.rank_search import rank_search
from rackplan.scheduler.schedule import SolveStatus, objective_value
from rackplan.scheduler.verify import verify

# One electrician energises two halls (4 h each) and powers their racks (2 h each). Hall A
# has two arrays of one rack (64 GPUs each), hall B one array of 192 GPUs. GPU-hours to 20 h.
HALLS = """
    [resources.electricians]
    capacity = 1
    [tasks.energise-a]
    duration = "4h"
    uses = { electricians = 1 }
    [tasks.power-a1]
    after = ["energise-a"]
    duration = "2h"
    uses = { electricians = 1 }
    [tasks.power-a2]
    after = ["energise-a"]
    duration = "2h"
    uses = { electricians = 1 }
    [tasks.accept-a1]
    after = ["power-a1"]
    duration = 0
    gpus = 64
    [tasks.accept-a2]
    after = ["power-a2"]
    duration = 0
    gpus = 64
    [tasks.energise-b]
    duration = "4h"
    uses = { electricians = 1 }
    [tasks.power-b]
    after = ["energise-b"]
    duration = "2h"
    uses = { electricians = 1 }
    [tasks.accept-b]
    after = ["power-b"]
    duration = 0
    gpus = 192
    [objective]
    kind = "gpu-hours"
    until = "20h"
"""


def test_the_search_puts_the_larger_array_first_where_every_rule_builds_in_plan_order():
    """Every array can be online at 6 at the soonest (4 h energising, 2 h power), so the
    priority rules keep plan order. The best of them (release): A1 at 6, A2 at 8, then hall B
    energised 8-12 and powered 12-14: 64 x (14 + 12) + 192 x 6 = 2,816 GPU-hours; the others
    energise both halls first (A1 at 10, A2 at 12, B at 14: 2,304). Hall B first: B at 6, hall A
    energised 6-10, its racks 10-12 and 12-14: 192 x 14 + 64 x (8 + 6) = 3,584, the most
    (B at 6 is its soonest, and A's racks follow 6 h of B's work and 4 h of A's own; with
    anything of A's first, B is online at 12 or later: 192 x 8 + 64 x 20 = 2,816)."""
    plan = make_plan(HALLS)
    cals = Calendars(plan)
    found = rule_schedules(plan, cals)
    assert sorted(value for value, _, _ in found) == [-2816, -2304, -2304]
    searched = rank_search(plan, cals, found[0][2], 20, time.monotonic() + 30)
    assert verify(plan, searched) == []
    assert objective_value(plan, searched, 20) == -3584
    assert [searched[t].finish for t in ("accept-b", "accept-a1", "accept-a2")] == [6, 12, 14]


def test_the_search_returns_the_seed_when_nothing_beats_it():
    """No GPU task: nothing to rank, the seed itself comes back."""
    plan = make_plan("""
        [resources.crew]
        capacity = 1
        [tasks.x]
        duration = "2h"
        uses = { crew = 1 }
        """)
    cals = Calendars(plan)
    seed = rule_schedules(plan, cals)[0][2]
    assert rank_search(plan, cals, seed, 10, time.monotonic() + 5) is seed


def test_solve_proves_the_searched_schedule_optimal():
    """The solve seeds CP-SAT with the searched schedule (-3,584, derived above); CP-SAT proves
    it optimal (the tasks are not steps of a template, so the flow line does not bound it)."""
    plan = make_plan(HALLS)
    result = solve(plan, SolveOptions(time_limit=10, workers=1, seed=0))
    assert (result.status, result.objective) == (SolveStatus.OPTIMAL, -3584)
    assert verify(plan, result.tasks) == []
