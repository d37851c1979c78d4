"""Stable re-forecasts: a second stage that keeps the objective as good as the best schedule
found and then moves as little as possible against a baseline, so a morning re-forecast does not
reshuffle hundreds of future tasks for no gain.

Stage two moves as few unstarted tasks as it can (then the least total shift |start - baseline
start|), with the objective held at or below the first stage's value. It starts from the
better of the first stage's schedule and the baseline repaired by the list scheduler (the
untouched tasks back at their baseline starts, the touched ones fitted in), so it never ends
worse than either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from ..calendar import Calendars
from ..plan import Plan
from ..schedule import Schedule, make_task, objective_value
from ..verify import verify
from .model import RackplanModel


@dataclass(frozen=True)
class Stability:
    moved: int  # unstarted tasks whose start differs from the baseline
    largest: int  # slots, the largest shift
    before: int  # tasks the first stage had moved


def moved(tasks: dict, base: dict[str, tuple[int, int]]) -> tuple[int, int, int]:
    """(tasks whose start differs from the baseline, the largest shift, the total shift)."""
    shifts = [abs(st.start - base[tid][0]) for tid, st in tasks.items() if tid in base]
    return sum(1 for s in shifts if s), max(shifts, default=0), sum(shifts)


def stabilise(plan: Plan, first: Schedule, base: dict[str, tuple[int, int]],
              time_limit: float, workers: int = 1, seed: int = 0) -> tuple[Schedule, Stability]:
    """The schedule closest to the baseline among those no worse than `first` by the plan's
    objective (`first` itself if nothing closer is found in time)."""
    started = time.monotonic()
    before, largest, total = moved(first.tasks, base)
    keep = (first, Stability(before, largest, before))
    if not first.status.has_schedule or before == 0 or first.expedited:
        return keep
    cals = Calendars(plan)
    until = first.gpu_until if first.gpu_until is not None else first.makespan
    value = objective_value(plan, first.tasks, until)
    best = (before, total)  # fewer tasks moved first, then less total shift
    repaired = _repair(plan, cals, first, base, until, value)
    if repaired is not None:
        count, largest, shifted = moved(repaired, base)
        if (count, shifted) < best:
            first = replace(first, tasks=repaired)
            keep, best = (first, Stability(count, largest, before)), (count, shifted)
            if count == 0:
                return keep
    horizon = max(max(st.finish for st in first.tasks.values()),
                  max((f for _, f in base.values()), default=0), 1)
    built = RackplanModel(plan, cals, max(horizon, first.makespan) + 1, until).build()
    m = built.model
    m.add(built.objective <= value)
    shifts, moves = [], []
    for tid, tv in built.tasks.items():
        if tid not in base:
            continue
        most = built.horizon + abs(base[tid][0])
        shift = m.new_int_var(0, most, f"{tid}.shift")
        m.add_abs_equality(shift, tv.start - base[tid][0])
        move = m.new_bool_var(f"{tid}.moved")
        m.add(shift <= most * move)
        shifts.append(shift)
        moves.append(move)
    # A task moved outweighs any shift of one task: as few moves as it can, then least shift.
    m.minimize((built.horizon + 1) * sum(moves) + sum(shifts))
    built.add_hint(first.tasks)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit
                                                - (time.monotonic() - started))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.catch_sigint_signal = False
    solver.parameters.cp_model_probing_level = 0
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return keep
    tasks = {tid: make_task(plan, cals, tid, s, mode) for tid, (s, mode) in
             built.read(solver).items()}
    if verify(plan, tasks) or objective_value(plan, tasks, until) > value:
        return keep
    count, largest, shifted = moved(tasks, base)
    if (count, shifted) >= best:
        return keep
    return replace(first, tasks=tasks), Stability(count, largest, before)


def _repair(plan: Plan, cals: Calendars, first: Schedule, base, until: int, value: int):
    """The baseline repaired rather than rebuilt: the tasks the news does not touch go back to
    their baseline starts first (all of them fit: they are a part of a feasible schedule),
    then the touched ones — those that can no longer start at their baseline start, and all
    that follows them — are fitted in as early as the crews left over allow (the list
    scheduler's replay with floors, in that order). Kept if verified and no worse than the
    first stage by the objective, else None."""
    from ..heuristic import ListScheduler, earliest_finishes
    from ..schedule import ScheduledTask

    earliest = earliest_finishes(plan, cals)[0]
    touched = {tid for tid, (start, _) in base.items()
               if tid in plan.tasks and earliest[tid] > start}
    touched |= {tid for tid in plan.tasks if tid not in base}  # begun, new: not the baseline's
    succ = plan.successors()
    todo = list(touched)
    while todo:
        for nxt, _ in succ[todo.pop()]:
            if nxt not in touched:
                touched.add(nxt)
                todo.append(nxt)
    later = 10 ** 9  # the touched after every untouched task, in their earliest-start order
    order = {tid: ScheduledTask(tid, later + max(earliest[tid], first.tasks[tid].start)
                                if tid in touched else base[tid][0], 0, st.mode, ())
             for tid, st in first.tasks.items()}
    floors = {tid: base[tid][0] for tid in first.tasks if tid in base}
    tasks = ListScheduler(plan, cals).run("given", given=order, floors=floors)
    if tasks is None or verify(plan, tasks) or objective_value(plan, tasks, until) > value:
        return None
    return tasks
