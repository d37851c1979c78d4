"""Lower bounds on the finish that hold for every schedule: the calendar-aware critical path."""

from __future__ import annotations

from .calendar import Calendars
from .heuristic import topological_order
from .plan import LinkType, Plan


def critical_path_bound(plan: Plan, cals: Calendars) -> int:
    """Earliest possible finish ignoring resources and storage (releases, lags, calendars kept)."""
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
    return max(finish.values(), default=0)
