"""Budget where it shortens the finish: the list scheduler gives a paid mode (overtime) to the
first tasks that can afford it, so the budget is often gone before the tasks that drive the
finish come up. This pass walks the critical chain from its end (and the chain to the task
that met each soft target late) and gives each task on it a faster paid mode, taking the
budget back from other paid tasks (off the chain and latest first: the early ones feed the
first arrays and GPU targets), then replays the schedule in its own order with those modes.
A change is kept when the objective is no worse: a tie moves the chain to the next task (two
racks of the last array both waiting for power-on), which may then gain.
"""

from __future__ import annotations

import time
from dataclasses import replace

from .calendar import Calendars
from .explain import critical_chain
from .heuristic import ListScheduler
from .plan import Plan
from .schedule import (
    Schedule,
    ScheduledTask,
    SolveStatus,
    counted,
    forecast,
    gpu_until,
    objective_value,
)
from .verify import verify

MAX_TRIES = 40  # replays of the schedule per call


def has_paid_modes(plan: Plan) -> bool:
    return bool(plan.budgets) and any(
        m.spends for t in plan.tasks.values() if len(t.modes) > 1 for m in t.modes)


def spend_on_chain(plan: Plan, tasks: dict[str, ScheduledTask], cals: Calendars | None = None,
                   deadline: float | None = None) -> dict[str, ScheduledTask]:
    """`tasks`, or a verified schedule no worse by the plan's objective with paid modes moved
    onto its critical chain."""
    if not tasks or not has_paid_modes(plan):
        return tasks
    cals = cals or Calendars(plan)
    scheduler = ListScheduler(plan, cals)
    until = gpu_until(plan, max(st.finish for st in tasks.values()))
    best, value = tasks, objective_value(plan, tasks, until)
    changed: set[str] = set()  # given a paid mode here: neither tried again nor a donor
    tries = 0
    while tries < MAX_TRIES and (deadline is None or time.monotonic() < deadline):
        found = None  # the best replay of the first task on the chain that is no worse
        for tid, given in _candidates(plan, best, cals, changed):
            if found is not None and found[0] != tid:
                break
            tries += 1
            replayed = scheduler.run("given", deadline, given=given)
            if replayed is not None and not verify(plan, replayed):
                score = objective_value(plan, replayed, until)
                if score <= value and (found is None or score < found[2]):
                    found = (tid, replayed, score)
            if tries >= MAX_TRIES or (deadline is not None and time.monotonic() > deadline):
                break
        if found is None:
            break
        tid, best, value = found
        changed.add(tid)
    return best


def _candidates(plan, tasks, cals, changed):
    """(task, the schedule to replay) for each faster mode of each task on the chains that
    drive the objective, last first, with the budget it needs taken from other paid tasks;
    replayed in the same order, and with the task moved ahead of the one before it on the
    chain (the job that held its crew)."""
    schedule = Schedule(plan, SolveStatus.FEASIBLE, tasks)
    for end in late_targets(plan, tasks) + [None]:  # penalties first: they weigh more
        chain = [step.task for step in critical_chain(schedule, end_task=end, cals=cals)]
        yield from _on_chain(plan, tasks, chain, changed)


def late_targets(plan: Plan, tasks) -> list[str]:
    """For each soft target met late, the task whose finish met it (the array whose GPUs
    made up the count, or the target's last task): the chain to it is worth shortening too."""
    out = []
    for target in plan.targets.values():
        reached = None if target.hard else forecast(plan, tasks, target)
        if reached is None or reached <= target.due:
            continue
        spec = counted(plan, target)
        ids = spec[0] if spec is not None else (target.tasks or tasks)
        out.append(next(t for t in ids if tasks[t].finish == reached))
    return out


def _on_chain(plan, tasks, chain, changed):
    on_chain = set(chain)
    spent = {b: 0 for b in plan.budgets}
    for tid, st in tasks.items():
        for b, q in plan.tasks[tid].modes[st.mode].spends.items():
            spent[b] += q
    # Paid tasks give their budget back: off the chain first, latest first; then the chain's.
    donors = sorted((tid for tid, st in tasks.items() if tid not in changed
                     and plan.tasks[tid].modes[st.mode].spends),
                    key=lambda tid: (tid in on_chain, -tasks[tid].start))
    for i in range(len(chain) - 1, -1, -1):
        tid = chain[i]
        if tid in changed:
            continue
        task, st = plan.tasks[tid], tasks[tid]
        now = task.modes[st.mode]
        for m, mode in enumerate(task.modes):
            if mode.duration >= now.duration or not mode.spends:
                continue
            given = dict(tasks)
            given[tid] = replace(st, mode=m)
            left = dict(spent)
            for b, q in mode.spends.items():
                left[b] = left.get(b, 0) + q
            for b, q in now.spends.items():
                left[b] -= q
            for donor in donors:
                if _fits(plan, left):
                    break
                if donor == tid:
                    continue
                free = [k for k, x in enumerate(plan.tasks[donor].modes) if not x.spends]
                if free:
                    was = plan.tasks[donor].modes[tasks[donor].mode]
                    given[donor] = replace(tasks[donor], mode=min(
                        free, key=lambda k, d=donor: plan.tasks[d].modes[k].duration))
                    for b, q in was.spends.items():
                        left[b] -= q
            if _fits(plan, left):
                yield tid, given
                if i:  # also ahead of the task before it on the chain (the crew's last job)
                    ahead = dict(given)
                    ahead[tid] = replace(given[tid], start=tasks[chain[i - 1]].start - 1)
                    yield tid, ahead


def _fits(plan: Plan, spent: dict[str, int]) -> bool:
    return all(q <= plan.budgets[b].total for b, q in spent.items())
