"""What a soft GPU target costs the finish: a floor over ranges of the target's reach.

scheduler/joint_bound.py asks what an early finish costs the target; this asks the other way.
A schedule that reaches the target by R has the first m GPU tasks done by R, and so, run
back through the flow line's links and crews, the first K of each step before them done by
per-rank dues (prefix_dues). Two things follow for the rest of the plan:
- a crew with one unit until U that lays a step the target's tasks wait for (a hall's cooling
  loop) and then works on those tasks (the racks' cool-connects): the target's tasks due by U
  all run between the loop they wait for and U on that one unit, so the next loop either
  starts after them or after U (before_floors). Seed 550 of bench/varied.py: the first hall's
  connects due by Sunday take 16 of the 32 single-fitter hours, and the second loop ends on
  day 22, not 19;
- a budget's faster modes of a step (overtime power-ons): a reach by R needs at least x of
  them among the step's first K tasks (the flow line with fewer says later), so the others
  have at most P - x (bounds.Split): seed 550's one tech powers the second hall's racks on
  in 3 h, not 2.
- the dues of a step that one crew tests within a maximum lag of another's work (the gauge
  after the pipefitters' connects): the two crews' walk keeps only the ways that meet them
  (scheduler/crew_walk.py), so the second hall's loop waits for the first hall's connects.
For a reach in [R_i, R_i+1 - 1] the objective is at least the target's penalty at R_i plus the
finish bound under those for R_i+1 - 1; the least range is split again while there is time.
The finish bounds run past the schedule's finish, up to where the least penalty makes any
schedule score the best found.
"""

from __future__ import annotations

import math
import time

from .back_line import at_once
from .bounds import Bounds, FlowBound, Split, bounds
from .calendar import Calendars
from .joint_bound import least_over_ranges
from .plan import LinkType, Plan


def reach_floor(plan: Plan, cals: Calendars, proven: Bounds, floor: int, best: int,
                horizon: int, deadline: float | None = None) -> int:
    """A floor at least `floor` for a finish objective with one soft GPU target, given a
    schedule that scores `best` (`horizon`: the finish `proven` was computed for); passes of
    the bounds begin only before `deadline`."""
    soft = [t for t in plan.targets.values() if not t.hard]
    flow = proven.flow
    if plan.objective.kind != "finish" or len(soft) != 1 or not soft[0].gpus or \
            not soft[0].penalty or flow is None or best <= floor:
        return floor
    target = soft[0]
    needed = flow.gpus_by(target.gpus)
    if needed is None:
        return floor
    gpu_step, m = needed

    def penalty(reach: int) -> int:
        return target.penalty * max(0, reach - target.due)

    lo = proven.reach[target.id]
    # A reach at `top` or later scores `best` or more whatever the finish.
    top = max(lo + 1, target.due + math.ceil((best - proven.finish) / target.penalty))
    finish_by: dict[int, int] = {}  # R -> a finish bound for schedules that reach by R
    memo: dict[tuple, int] = {}  # (step, K, x) -> the reach bound with at most x fast first

    # A finish past best less the least penalty scores `best` or more whatever the reach: the
    # finish bounds may run to it, not only to the schedule's finish (seed 776 of
    # bench/varied.py: an early reach keeps the second loop until after the first hall's
    # connects, and the finish moves 48 h past the schedule's).
    further = min(max(horizon, best - penalty(lo)), 2 * horizon)

    def look(reach: int) -> bool:
        if deadline is not None and time.monotonic() > deadline:
            return False
        finish_by[reach] = _finish_given(plan, cals, flow, target, gpu_step, m, reach,
                                         further, deadline, memo)
        return True

    def value(a: int, b: int | None) -> int:
        # A finish bound for reaches by R holds for every earlier reach too.
        fin = max([proven.finish] + [f for r, f in finish_by.items() if b is not None and r >= b])
        return penalty(a) + fin

    return max(floor, least_over_ranges(lo, top, look, value, best))


def _finish_given(plan: Plan, cals: Calendars, flow: FlowBound, target, gpu_step: str,
                  m: int, reach: int, horizon: int, deadline: float | None,
                  memo: dict[tuple, int]) -> int:
    """A bound on the finish of the schedules that reach the target by `reach`."""
    dues = prefix_dues(plan, cals, flow, gpu_step, m, reach)
    floors = before_floors(plan, cals, flow, dues)
    split = None
    for g, due in dues.items():
        paid = flow.paid_faster(g)
        if paid and len(due) < len(flow.groups[g]):
            least = _least_paid(plan, cals, g, len(due), paid, target.id, reach, horizon,
                                deadline, memo)
            split = Split(g, len(due), paid, max(0, paid - least))
            break
    return bounds(plan, cals, horizon, floors or None, split, dues).finish


def _least_paid(plan: Plan, cals: Calendars, g: str, first: int, paid: int, tid: str,
                reach: int, horizon: int, deadline: float | None, memo: dict[tuple, int]) -> int:
    """The most x such that the first `first` of g with at most x - 1 faster modes reach the
    target later than `reach` (0 if none is shown): a binary search, each probe a pass of the
    bounds (kept in `memo` for the next reach)."""

    def later(x: int) -> bool:  # with at most x faster ones, the reach is past `reach`
        key = (g, first, x)
        if key not in memo:
            memo[key] = bounds(plan, cals, horizon, split=Split(g, first, x, paid)).reach[tid]
        return memo[key] > reach

    lo, hi = 0, paid  # the answer x - 1 is in [-1, paid]: later(x - 1) holds
    if not later(0):
        return 0
    while lo < hi:  # invariant: later(lo)
        if deadline is not None and time.monotonic() > deadline:
            break
        mid = (lo + hi + 1) // 2
        if later(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


def prefix_dues(plan: Plan, cals: Calendars, flow: FlowBound, gpu_step: str, m: int,
                reach: int) -> dict[str, list[int]]:
    """{step: dues}: if the first m tasks of gpu_step finish by `reach`, the k-th finish of
    each step before it is at most dues[k-1] (k up to the tasks it needs). Mirrors the flow
    line: the k-th start of g is no later than the latest start for its shortest duration
    before its k-th due; a crew running at most c of g at once has the (k-c)-th finish before
    the k-th start; a finish-to-start (finish-to-finish) link from step h whose k-th waits for
    h's needed[k]-th finish puts that one before the k-th start (finish) less the lag."""
    dues: dict[str, list[float]] = {gpu_step: [reach] * m}
    for g in reversed(flow.order()):
        if g not in dues:
            continue
        due = dues[g]
        tasks = [plan.tasks[t] for t in flow.groups[g]]
        calendars = {t.calendar for t in tasks}
        cal = cals.get(next(iter(calendars)) if len(calendars) == 1 else None)
        shortest = min(md.duration for t in tasks for md in t.modes)
        for k in range(len(due) - 1, -1, -1):  # the k-th finish is before the (k+1)-th
            if k + 1 < len(due):
                due[k] = min(due[k], due[k + 1])
            if shortest and not math.isinf(due[k]):  # work ends with a working slot
                due[k] = cal.latest_start(int(due[k]), 1) + 1

        def latest(d: float) -> float:
            if math.isinf(d) or not shortest:
                return d
            return cal.latest_start(int(d), shortest)
        most = at_once(plan, [md for t in tasks for md in t.modes])
        if most:
            for k in range(len(due) - 1, most - 1, -1):
                due[k - most] = min(due[k - most], latest(due[k]))
            for k in range(len(due) - 2, -1, -1):
                due[k] = min(due[k], due[k + 1])
        starts = [latest(d) for d in due]
        for h, kind, needed, lag in flow.waits_for(g, flow.groups[g], (LinkType.FS,
                                                                      LinkType.FF)):
            line = starts if kind == LinkType.FS else due
            hd = dues.setdefault(h, [])
            for k in range(len(due)):
                r = needed[k]
                while len(hd) < r:
                    hd.append(math.inf)
                hd[r - 1] = min(hd[r - 1], line[k] - lag)
    out = {}
    for g, due in dues.items():
        for k in range(len(due) - 2, -1, -1):
            due[k] = min(due[k], due[k + 1])
        while due and math.isinf(due[-1]):
            due.pop()
        if due:
            out[g] = [int(d) for d in due]
    return out


def before_floors(plan: Plan, cals: Calendars, flow: FlowBound, dues: dict[str, list[int]]
                  ) -> dict[str, list[tuple[int, int]]]:
    """{step h: [(j, slot)]}: the j-th finish of h no sooner than slot, for a step h of tasks
    on one crew that the target's tasks of g (dues) wait for through finish-to-start links,
    g on the same crew and calendar: while the crew has one unit (until U), the target's tasks
    of g due by U that wait for h's (j-1)-th run between that one and U, one at a time with
    h's tasks; so h's j-th starts after them, or after U."""
    out: dict[str, list[tuple[int, int]]] = {}
    for g, due in dues.items():
        gtasks = [plan.tasks[t] for t in flow.groups[g]]
        for h, kind, needed, _ in flow.waits_for(g, flow.groups[g], (LinkType.FS,)):
            htasks = [plan.tasks[t] for t in flow.groups[h]]
            both = gtasks + htasks
            if len({t.calendar for t in both}) != 1:
                continue
            jm = max(needed[:len(due)])  # h's tasks the target's tasks of g wait for
            if jm >= len(htasks) or jm < 1:
                continue
            cal = cals.get(both[0].calendar)
            crews = [rid for rid in plan.resources
                     if all(rid in md.demands for t in both for md in t.modes)]
            for rid in crews:
                least = min(md.demands[rid] for t in both for md in t.modes)
                after = flow.F[h][jm - 1]  # h's jm-th finish is no sooner
                # U: the first slot the crew holds two of these tasks (one at a time before)
                steps = plan.resources[rid].steps
                rise = next((frm for frm, c in steps if c // least >= 2), flow.horizon)
                if rise <= after:
                    continue
                waiting = sum(1 for k in range(len(due)) if needed[k] >= jm)
                before = len(due) - waiting  # start ranks that may not wait for it
                forced = max(0, sum(1 for d in due if d <= rise) - before)
                work = min(md.duration for t in gtasks for md in t.modes) * forced
                d_h = min(md.duration for t in htasks for md in t.modes)
                # If h's next task and that work both fit between `after` and U, the next
                # may end first, the work after it: nothing said.
                alone = cal.finish(cal.next_working(after), d_h)
                if not work or cal.finish(cal.next_working(alone), work) <= rise:
                    continue
                begin = cal.finish(cal.next_working(after), work)
                slot = min(cal.finish(cal.next_working(rise), d_h),
                           cal.finish(cal.next_working(begin), d_h))
                out.setdefault(h, []).append((jm + 1, slot))
    return out
