"""What drives a schedule: the critical chain back from the finish, and peak resource use."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from .calendar import Calendars
from .plan import LinkType
from .schedule import Schedule


@dataclass(frozen=True)
class ChainStep:
    task: str
    start: int
    finish: int
    reason: str  # why it could not start earlier


@dataclass(frozen=True)
class Peak:
    resource: str
    peak: int
    at: int  # first slot of the peak
    capacity: int  # largest capacity
    utilisation: float  # busy unit-slots / available unit-slots up to the finish


def critical_chain(schedule: Schedule, limit: int = 500) -> list[ChainStep]:
    """Walk back from the last task to finish, naming what held each task back."""
    plan, tasks = schedule.plan, schedule.tasks
    if not tasks:
        return []
    cals = Calendars(plan)
    holders = _holders(schedule)
    cur = max(tasks.values(), key=lambda t: (t.finish, t.start)).id
    chain: list[ChainStep] = []
    seen = set()
    while cur and cur not in seen and len(chain) < limit:
        seen.add(cur)
        st = tasks[cur]
        reason, nxt = _why(schedule, cals, holders, cur)
        chain.append(ChainStep(cur, st.start, st.finish, reason))
        cur = nxt
    return list(reversed(chain))


def _why(schedule, cals, holders, tid):
    plan, tasks = schedule.plan, schedule.tasks
    task, st = plan.tasks[tid], tasks[tid]
    best, best_link = -1, None
    for link in task.links:
        p = tasks[link.pred]
        there = (p.finish if link.type in (LinkType.FS, LinkType.FF) else p.start) + link.lag
        if link.type in (LinkType.FF, LinkType.SF):
            there = st.start if there >= st.finish else there - (st.finish - st.start)
        if there > best:
            best, best_link = there, link
    cal = cals.get(task.calendar)
    if task.release >= st.start and task.release >= best:
        return f"released {task.release_reason}" if task.release else "starts with the project", None
    if best_link is not None and best >= st.start:
        kind = "" if best_link.type == LinkType.FS else f" ({best_link.type.value})"
        return f"after {best_link.pred}{kind}", best_link.pred
    floor = max(best, task.release)
    if st.segments and cal.next_working(floor) == st.start:
        return f"waits for working time ({task.calendar})", best_link.pred if best_link else None
    for rid in task.modes[st.mode].demands:
        holder = _last_release(holders.get(rid, []), cal, st.start, tid)
        if holder:
            return f"waits for {rid} (busy with {holder})", holder
    for sid in task.fills:
        return f"waits for room in {sid}", None
    return "could start earlier (not binding)", None


def _holders(schedule):
    """resource -> [(finish, task)] sorted: who releases each resource when."""
    out: dict[str, list] = {}
    for st in schedule.tasks.values():
        for rid in schedule.plan.tasks[st.id].modes[st.mode].demands:
            out.setdefault(rid, []).append((st.finish, st.id))
    for lst in out.values():
        lst.sort()
    return out


def _last_release(releases, cal, start, tid):
    """The task that freed the resource last before `start`, if nothing but off time lies
    between its finish and `start` (a crew busy until the holiday, then the holiday)."""
    idx = bisect.bisect_right(releases, (start, "\uffff"))
    while idx > 0:
        finish, holder = releases[idx - 1]
        if holder != tid and cal.next_working(finish) == start:
            return holder
        if finish < start and cal.next_working(finish) < start:
            return None
        idx -= 1
    return None


def peaks(schedule: Schedule) -> list[Peak]:
    plan = schedule.plan
    horizon = max(schedule.makespan, 1)
    out = []
    for rid, res in plan.resources.items():
        changes: dict[int, int] = {}
        busy = 0
        for st in schedule.tasks.values():
            q = plan.tasks[st.id].modes[st.mode].demands.get(rid, 0)
            for a, b in st.segments if q else ():
                changes[a] = changes.get(a, 0) + q
                changes[b] = changes.get(b, 0) - q
                busy += q * (b - a)
        level, peak, at = 0, 0, 0
        for t in sorted(changes):
            level += changes[t]
            if level > peak:
                peak, at = level, t
        available = sum(cap * (min(hi, horizon) - lo) for lo, hi, cap in res.profile(horizon)
                        if lo < horizon)
        out.append(Peak(rid, peak, at, res.max_capacity, busy / available if available else 0.0))
    return out
