"""Lower bounds on the finish that hold for every schedule: the calendar-aware critical path."""

from __future__ import annotations

from .calendar import Calendars
from .heuristic import topological_order
from .plan import LinkType, Plan


def critical_path_bound(plan: Plan, cals: Calendars) -> int:
    """Earliest possible finish ignoring resources and storage (releases, lags, calendars kept)."""
    return max(earliest_finishes(plan, cals)[1].values(), default=0)


def lower_bound(plan: Plan, cals: Calendars) -> int:
    """The best of the critical-path bound and each crew's energy bound."""
    from .heuristic import tails, topological_order

    start, finish = earliest_finishes(plan, cals)
    tail = tails(plan, topological_order(plan))
    return max([max(finish.values(), default=0)]
               + [energy_bound(plan, cals, rid, start, tail) for rid in plan.resources])


def energy_bound(plan: Plan, cals: Calendars, rid: str, start: dict[str, int],
                 tail: dict[str, int]) -> int:
    """No schedule ends before crew `rid` has done all its work: from the earliest start of any
    of its tasks, W crew-slots at capacity C take W/C of its working time, and the shortest
    chain after any of its tasks still follows."""
    users = [t for t in plan.tasks.values() if any(rid in m.demands for m in t.modes)]
    if not users:
        return 0
    res = plan.resources[rid]
    work = sum(min(m.duration * m.demands.get(rid, 0) for m in t.modes) for t in users)
    slots = -(-work // max(1, res.max_capacity))
    calendars = {t.calendar for t in users}
    cal = cals.get(res.calendar if calendars == {res.calendar} else None)
    first = min(start[t.id] for t in users)
    after = min(tail[t.id] - min(m.duration for m in t.modes) for t in users)
    return cal.finish(cal.next_working(first), slots) + max(0, after)


def earliest_finishes(plan: Plan, cals: Calendars) -> tuple[dict[str, int], dict[str, int]]:
    """Earliest start and finish of every task, ignoring resources and storage."""
    start: dict[str, int] = {}
    finish: dict[str, int] = {}
    for tid in topological_order(plan):
        task = plan.tasks[tid]
        ls, le = task.release, 0
        for link in task.links:
            if link.type == LinkType.FS:
                ls = max(ls, finish[link.pred] + link.lag)
            elif link.type == LinkType.SS:
                ls = max(ls, start[link.pred] + link.lag)
            elif link.type == LinkType.FF:
                le = max(le, finish[link.pred] + link.lag)
            else:
                le = max(le, start[link.pred] + link.lag)
        cal = cals.get(task.calendar)
        ends = []
        for mode in task.modes:
            s = ls if mode.duration == 0 else cal.next_working(ls)
            ends.append(cal.finish(s, mode.duration))
        start[tid] = ls
        finish[tid] = max(min(ends), le)
    return start, finish
