"""Independent feasibility check of a schedule against its plan.

It shares only the per-slot calendar test with the solver, never its finish/segment arithmetic,
and checks the actual work segments (not the spans the model reserves).
"""

from __future__ import annotations

from collections import defaultdict

from .calendar import Calendars, lag_end
from .plan import LinkType, Plan
from .schedule import ScheduledTask, forecast, spent


def verify(plan: Plan, tasks: dict[str, ScheduledTask], expedited=frozenset(),
           targets: bool = True) -> list[str]:
    """Every violated constraint, one line each; empty when the schedule is feasible (with the
    deliveries `expedited` arriving sooner). `targets` False: hard targets are outcomes, not
    constraints (a risk iteration that misses one is a result, not an error)."""
    problems: list[str] = []
    missing = [t for t in plan.tasks if t not in tasks]
    if missing:
        problems.append(f"{len(missing)} task(s) not scheduled, e.g. {missing[0]}")
        return problems
    cals = Calendars(plan)
    for st in tasks.values():
        problems += _check_task(plan, cals, st, expedited)
    problems += _check_links(plan, tasks, cals)
    problems += _check_capacities(plan, tasks)
    problems += _check_storages(plan, tasks)
    problems += _check_budgets(plan, tasks)
    if targets:
        problems += _check_targets(plan, tasks)
    return problems


def _check_task(plan, cals, st: ScheduledTask, expedited=frozenset()) -> list[str]:
    task = plan.tasks[st.id]
    if not 0 <= st.mode < len(task.modes):
        return [f"{st.id}: mode {st.mode} does not exist"]
    out = []
    release = plan.release_of(st.id, expedited)
    if st.start < release:
        out.append(f"{st.id}: starts at slot {st.start}, before its release {release} "
                   f"({task.release_reason}{', expedited' if release < task.release else ''})")
    duration = task.modes[st.mode].duration
    worked = sum(b - a for a, b in st.segments)
    if worked != duration:
        out.append(f"{st.id}: works {worked} slots, needs {duration}")
    if duration == 0:
        return out + ([f"{st.id}: milestone with finish != start"] if st.finish != st.start else [])
    if not task.interruptible and len(st.segments) > 1:
        out.append(f"{st.id}: pauses at slot {st.segments[0][1]}, but must run without a break "
                   "(interruptible = false)")
    if st.segments[0][0] != st.start or st.segments[-1][1] != st.finish:
        out.append(f"{st.id}: segments do not span [start, finish)")
    cal = cals.get(task.calendar)
    prev_end = None
    for a, b in st.segments:
        if b <= a or (prev_end is not None and a <= prev_end):
            out.append(f"{st.id}: segments overlap or are empty")
        if prev_end is not None and any(cal.is_working(t) for t in range(prev_end, a)):
            out.append(f"{st.id}: pauses at slot {prev_end} in working time")
        bad = next((t for t in range(a, b) if not cal.is_working(t)), None)
        if bad is not None:
            out.append(f"{st.id}: works at slot {bad}, outside calendar '{task.calendar}'")
        prev_end = b
    return out


def _check_links(plan, tasks, cals) -> list[str]:
    out = []
    for task in plan.tasks.values():
        st = tasks[task.id]
        for link in task.links:
            p = tasks[link.pred]
            there = p.finish if link.type in (LinkType.FS, LinkType.FF) else p.start
            here = st.start if link.type in (LinkType.FS, LinkType.SS) else st.finish
            if here < lag_end(cals, link, there):
                working = f" working in '{link.lag_calendar}'" if link.lag_calendar else ""
                out.append(f"{link.pred} -> {task.id} ({link.type.value}, lag {link.lag}"
                           f"{working}): {here} < {lag_end(cals, link, there)}")
            if link.max_lag is not None and here > there + link.max_lag:
                out.append(f"{link.pred} -> {task.id} ({link.type.value}, max lag "
                           f"{link.max_lag}): {here} > {there} + {link.max_lag}")
    return out


def _check_capacities(plan, tasks) -> list[str]:
    events: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for st in tasks.values():
        for rid, q in plan.tasks[st.id].modes[st.mode].demands.items():
            for a, b in st.segments:
                events[rid][a] += q
                events[rid][b] -= q
    out = []
    for rid, changes in events.items():
        res = plan.resources[rid]
        points = sorted(set(changes) | {s for s, _ in res.steps})
        use = 0
        for t in points:
            use += changes.get(t, 0)
            if use > res.capacity_at(t):
                out.append(f"resource {rid}: {use} in use at slot {t}, capacity "
                           f"{res.capacity_at(t)}")
                break
    return out


def _check_storages(plan, tasks) -> list[str]:
    out = []
    for sid, storage in plan.storages.items():
        changes: dict[int, int] = defaultdict(int)
        changes[0] += storage.initial
        for slot, qty in storage.arrivals:
            changes[slot] += qty
        for st in tasks.values():
            task = plan.tasks[st.id]
            changes[st.finish] += task.fills.get(sid, 0)
            changes[st.start] -= task.empties.get(sid, 0)
        for slot, _ in storage.steps:
            changes[slot] += 0  # the level is checked again where the capacity changes
        level = 0
        for t in sorted(changes):
            level += changes[t]
            if not 0 <= level <= storage.capacity_at(t):
                out.append(f"storage {sid}: level {level} at slot {t}, allowed 0..."
                           f"{storage.capacity_at(t)}")
                break
    return out


def _check_budgets(plan, tasks) -> list[str]:
    used = spent(plan, tasks)
    return [f"budget {bid}: {used[bid]} spent, total {budget.total}"
            for bid, budget in plan.budgets.items() if used[bid] > budget.total]


def _check_targets(plan, tasks) -> list[str]:
    out = []
    for target in plan.targets.values():
        if target.hard:
            reached = forecast(plan, tasks, target)
            if reached is None or reached > target.due:
                out.append(f"hard target {target.id}: reached at {reached}, due {target.due}")
    return out
