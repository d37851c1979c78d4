"""What drives a schedule: the critical chain back from the finish, and peak resource use."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from .calendar import Calendars, lag_end
from .heuristic import dependency_order
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


def critical_chain(schedule: Schedule, limit: int = 500,
                   end_task: str | None = None, cals: Calendars | None = None
                   ) -> list[ChainStep]:
    """Walk back from the last task to finish (or `end_task`), naming what held each task back."""
    plan, tasks = schedule.plan, schedule.tasks
    if not tasks:
        return []
    cals = cals or Calendars(plan)
    holders = _holders(schedule)
    cur = end_task or max(tasks.values(), key=lambda t: (t.finish, t.start)).id
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
        there = lag_end(cals, link, p.finish if link.type in (LinkType.FS, LinkType.FF)
                        else p.start)
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
    for rid, q in task.modes[st.mode].demands.items():
        res = plan.resources[rid]
        if st.start > 0 and res.capacity_at(st.start - 1) < q:
            return f"waits for {rid} (capacity {res.capacity_at(st.start - 1)} until then)", None
    for sid in task.fills:
        return f"waits for room in {sid}", None
    for sid in task.empties:
        return f"waits for a unit in {sid}", None
    return "could start earlier (not binding)", None


def drivers(schedule: Schedule) -> dict[str, dict]:
    """What holds each task where it is, for tools that recompute dates from links (MS
    Project, P6): {"by": "link", "task": pred} (a dependency, or working time after it),
    {"by": "crew", "task": holder, "resource": rid} (the crew was busy with `holder` until
    then), {"by": "release"} (a delivery or not_before), {"by": "start"}, or {"by": "other"}
    (a capacity step, storage, or a start the solver chose later than needed)."""
    plan, tasks = schedule.plan, schedule.tasks
    cals = Calendars(plan)
    holders = _holders(schedule)
    out = {}
    for tid in tasks:
        reason, nxt = _why(schedule, cals, holders, tid)
        handovers = _handovers(schedule, cals, holders, tid)
        if reason.startswith("released"):
            out[tid] = {"by": "release"}
        elif reason == "starts with the project":
            out[tid] = {"by": "start"}
        elif nxt and reason.startswith("waits for ") and "(busy with" in reason:
            out[tid] = {"by": "crew", "task": nxt, "resource": reason.split(" ")[2]}
        elif nxt:
            out[tid] = {"by": "link", "task": nxt}
        else:
            out[tid] = {"by": "other"}
        if handovers:  # every crew hand-over, binding or not: float counts them all
            out[tid]["handovers"] = handovers
    return out


def _handovers(schedule, cals, holders, tid) -> list[str]:
    """The tasks that handed this task a crew: they freed it just before its start."""
    st = schedule.tasks[tid]
    task = schedule.plan.tasks[tid]
    cal = cals.get(task.calendar)
    found = [_last_release(holders.get(rid, []), cal, st.start, tid)
             for rid in task.modes[st.mode].demands]
    return list(dict.fromkeys(h for h in found if h))


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


def total_float(schedule: Schedule) -> dict[str, int]:
    """Slots each task can slip without moving the finish (or a hard target), other tasks moving
    by their links and by the crew hand-overs of this schedule (who waited for whom), so the
    critical chain has zero float."""
    plan, tasks = schedule.plan, schedule.tasks
    cals = Calendars(plan)
    holders = _holders(schedule)
    succ: dict[str, list] = {tid: [] for tid in tasks}
    for task in plan.tasks.values():
        for link in task.links:
            succ[link.pred].append((task.id, link.type, link.lag))
        for holder in _handovers(schedule, cals, holders, task.id):
            succ[holder].append((task.id, LinkType.FS, 0))
    due = _due_dates(schedule)
    makespan = schedule.makespan
    late_start: dict[str, int] = {}
    late_finish: dict[str, int] = {}
    for tid in _reverse_order(tasks, succ):
        task, st = plan.tasks[tid], tasks[tid]
        d = task.modes[st.mode].duration
        cal = cals.get(task.calendar)
        lf, ls_cap = min(due.get(tid, makespan), makespan), None
        for nxt, kind, lag in succ[tid]:
            if kind == LinkType.FS:
                lf = min(lf, late_start[nxt] - lag)
            elif kind == LinkType.FF:
                lf = min(lf, late_finish[nxt] - lag)
            elif kind == LinkType.SS:
                ls_cap = min(ls_cap if ls_cap is not None else late_start[nxt] - lag,
                             late_start[nxt] - lag)
            else:
                ls_cap = min(ls_cap if ls_cap is not None else late_finish[nxt] - lag,
                             late_finish[nxt] - lag)
        ls = cal.latest_start(lf, d) if d else lf
        if ls_cap is not None:
            ls = min(ls, ls_cap)
        ls = max(ls, st.start)  # never negative float from rounding over pauses
        late_start[tid] = ls
        late_finish[tid] = max(lf, st.finish)
    return {tid: late_start[tid] - tasks[tid].start for tid in tasks}


def _due_dates(schedule) -> dict[str, int]:
    out: dict[str, int] = {}
    for target in schedule.plan.targets.values():
        if target.hard and target.kind == "finish":
            for tid in target.tasks or schedule.tasks:
                out[tid] = min(out.get(tid, target.due), target.due)
    return {tid: max(due, schedule.tasks[tid].finish) for tid, due in out.items()}


def _reverse_order(tasks, succ) -> list[str]:
    """Tasks so that every successor comes before its predecessors (successor links form a DAG:
    plan links, plus hand-overs that go forward in time)."""
    preds: dict[str, list[str]] = {tid: [] for tid in tasks}
    for tid in tasks:
        for nxt, _, _ in succ[tid]:
            preds[nxt].append(tid)
    return dependency_order(tasks, preds)


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
