"""Modes no optimal schedule needs, found before solving (the MRCPSP preprocessing of Sprecher,
Hartmann and Drexl, 1997).

- A mode asking a crew for more than it ever has cannot run; nor can one that fits only in a
  window of higher capacity that closes before it could finish there (a crew cut from 2 to 1 at
  36 h leaves a 2-person mode only the time before).
- A mode whose spending, plus the least every other task must spend, exceeds a budget cannot be
  chosen without overspending it.
- A mode no faster than another mode of the same task and using at least as much of every crew
  and budget is never better: every objective rackplan has (finish, targets, GPU-hours) only gets
  worse when a task finishes later, so swapping it for the other mode loses nothing.

Removing a mode can make another one unaffordable, so the rules repeat until nothing changes.
The result is the usable mode indexes per task; the plan itself is not changed, so schedules and
reports keep the plan's mode numbers.
"""

from __future__ import annotations

from .calendar import Calendars
from .plan import Mode, Plan, Task


def fits_ever(plan: Plan, cals: Calendars, task: Task, mode: Mode) -> bool:
    """Whether the mode fits its crews' capacity over time at all, from the task's release on
    (other tasks aside): in the last capacity step, or wholly inside an earlier window."""
    if mode.duration == 0 or not mode.demands:
        return True
    windows = [(0, None)]  # [from, to) slots where every crew has enough; None: for ever
    for rid, q in mode.demands.items():
        enough = _windows(plan.resources[rid].steps, q)
        windows = [(max(a, c), _earlier(b, d)) for a, b in windows for c, d in enough
                   if _earlier(b, d) is None or max(a, c) < _earlier(b, d)]
    cal = cals.get(task.calendar)
    for lo, hi in windows:
        if hi is None:
            return True
        start = cal.next_working(max(lo, task.release))
        if start < hi and cal.finish(start, mode.duration) <= hi:
            return True
    return False


def _windows(steps, q) -> list[tuple[int, int | None]]:
    out: list[tuple[int, int | None]] = []
    for i, (lo, cap) in enumerate(steps):
        hi = steps[i + 1][0] if i + 1 < len(steps) else None
        if cap >= q:
            if out and out[-1][1] == lo:
                out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
    return out


def _earlier(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def unrunnable(plan: Plan, cals: Calendars | None = None) -> list[str]:
    """Tasks none of whose modes ever fit their crews' capacity: the plan is infeasible."""
    cals = cals or Calendars(plan)
    return [t.id for t in plan.tasks.values()
            if not any(fits_ever(plan, cals, t, m) for m in t.modes)]


def usable_modes(plan: Plan, exact: bool = True) -> dict[str, tuple[int, ...]]:
    """{task: usable mode indexes} for tasks with several modes.

    With exact=False (explaining infeasibility, where crews and budgets may be dropped) only
    dominated modes are removed. A task left with no usable mode keeps all of them: the plan is
    infeasible and the solver, not this filter, should say why.
    """
    usable = {tid: list(range(len(t.modes))) for tid, t in plan.tasks.items() if len(t.modes) > 1}
    least = _Runnable(plan, usable, Calendars(plan)) if exact else None
    changed = True
    while changed:
        changed = False
        for tid, idxs in usable.items():
            modes = plan.tasks[tid].modes
            keep = [i for i in idxs
                    if (least is None or least.can_run(tid, modes[i]))
                    and not any(_dominates(modes[j], modes[i], j < i) for j in idxs if j != i)]
            if keep and len(keep) < len(idxs):
                usable[tid] = keep
                changed = True
                if least is not None:
                    least.update(tid, keep)
    return {tid: tuple(idxs) for tid, idxs in usable.items()}


class _Runnable:
    """Whether a mode can run at all: its crews' capacity, and the least each task must spend of
    each budget in its usable modes, with their sums, kept up to date one task at a time
    (recomputing them over the plan after every change would be quadratic in the tasks)."""

    def __init__(self, plan: Plan, usable: dict[str, list[int]], cals: Calendars):
        self.plan = plan
        self.cals = cals
        self.each = {tid: self._of(tid, usable.get(tid, range(len(task.modes))))
                     for tid, task in plan.tasks.items()}
        self.total = {bid: sum(spend[bid] for spend in self.each.values())
                      for bid in plan.budgets}

    def _of(self, tid: str, idxs) -> dict[str, int]:
        modes = self.plan.tasks[tid].modes
        return {bid: min(modes[i].spends.get(bid, 0) for i in idxs) for bid in self.plan.budgets}

    def update(self, tid: str, idxs) -> None:
        new = self._of(tid, idxs)
        for bid, q in new.items():
            self.total[bid] += q - self.each[tid][bid]
        self.each[tid] = new

    def can_run(self, tid: str, mode: Mode) -> bool:
        """The crews have what `mode` asks, and spending it leaves every budget enough for every
        other task's cheapest usable mode."""
        plan = self.plan
        if any(q > plan.resources[r].max_capacity for r, q in mode.demands.items()):
            return False
        if not fits_ever(plan, self.cals, plan.tasks[tid], mode):
            return False
        return all(mode.spends.get(bid, 0) + self.total[bid] - self.each[tid][bid] <= b.total
                   for bid, b in plan.budgets.items())


def _dominates(a: Mode, b: Mode, a_first: bool) -> bool:
    """`a` is at least as good as `b` in everything (ties: the earlier mode stays)."""
    if a.duration > b.duration:
        return False
    for mine, theirs in ((a.demands, b.demands), (a.spends, b.spends)):
        if any(q > theirs.get(k, 0) for k, q in mine.items()):
            return False
    same = a.duration == b.duration and all(
        {k: q for k, q in mine.items() if q} == {k: q for k, q in theirs.items() if q}
        for mine, theirs in ((a.demands, b.demands), (a.spends, b.spends)))
    return a_first or not same
