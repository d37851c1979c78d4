"""Modes no optimal schedule needs, found before solving (the MRCPSP preprocessing of Sprecher,
Hartmann and Drexl, 1997).

- A mode asking a crew for more than it ever has cannot run.
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

from .plan import Mode, Plan


def usable_modes(plan: Plan, exact: bool = True) -> dict[str, tuple[int, ...]]:
    """{task: usable mode indexes} for tasks with several modes.

    With exact=False (explaining infeasibility, where crews and budgets may be dropped) only
    dominated modes are removed. A task left with no usable mode keeps all of them: the plan is
    infeasible and the solver, not this filter, should say why.
    """
    usable = {tid: list(range(len(t.modes))) for tid, t in plan.tasks.items() if len(t.modes) > 1}
    changed = True
    while changed:
        changed = False
        least = _least_spending(plan, usable) if exact else {}
        for tid, idxs in usable.items():
            modes = plan.tasks[tid].modes
            keep = [i for i in idxs
                    if not (exact and _cannot_run(plan, tid, modes[i], least))
                    and not any(_dominates(modes[j], modes[i], j < i) for j in idxs if j != i)]
            if keep and len(keep) < len(idxs):
                usable[tid] = keep
                changed = True
                least = _least_spending(plan, usable) if exact else {}
    return {tid: tuple(idxs) for tid, idxs in usable.items()}


def _least_spending(plan: Plan, usable) -> dict[str, dict[str, int]]:
    """{budget: {task: the least it spends in any usable mode}}."""
    least: dict[str, dict[str, int]] = {bid: {} for bid in plan.budgets}
    for tid, task in plan.tasks.items():
        idxs = usable.get(tid, range(len(task.modes)))
        for bid in plan.budgets:
            least[bid][tid] = min(task.modes[i].spends.get(bid, 0) for i in idxs)
    return least


def _cannot_run(plan: Plan, tid: str, mode: Mode, least) -> bool:
    if any(q > plan.resources[r].max_capacity for r, q in mode.demands.items()):
        return True
    for bid, budget in plan.budgets.items():
        others = sum(least[bid].values()) - least[bid][tid]
        if mode.spends.get(bid, 0) + others > budget.total:
            return True
    return False


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
