"""Stable re-forecasts: a second stage that keeps the objective as good as the best schedule
found and then moves as little as possible against a baseline, so a morning re-forecast does not
reshuffle hundreds of future tasks for no gain.

Stage two minimises the total shift of the unstarted tasks' starts from their baseline starts
(|start - baseline start| summed), with the objective held at or below the first stage's value;
the first stage's schedule is its hint, so it never ends worse than that.
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
    repaired = _repair(plan, cals, first, base, until, value)
    if repaired is not None:
        count, largest, shifted = moved(repaired, base)
        if shifted < total:
            first = replace(first, tasks=repaired)
            keep, total = (first, Stability(count, largest, before)), shifted
            if count == 0:
                return keep
    horizon = max(max(st.finish for st in first.tasks.values()),
                  max((f for _, f in base.values()), default=0), 1)
    built = RackplanModel(plan, cals, max(horizon, first.makespan) + 1, until).build()
    m = built.model
    m.add(built.objective <= value)
    shifts = []
    for tid, tv in built.tasks.items():
        if tid not in base:
            continue
        shift = m.new_int_var(0, built.horizon + abs(base[tid][0]), f"{tid}.shift")
        m.add_abs_equality(shift, tv.start - base[tid][0])
        shifts.append(shift)
    m.minimize(sum(shifts))
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
    if shifted >= total:
        return keep
    return replace(first, tasks=tasks), Stability(count, largest, before)


def _repair(plan: Plan, cals: Calendars, first: Schedule, base, until: int, value: int):
    """The baseline repaired rather than rebuilt: every task in the baseline's order, in its
    first-stage mode, no sooner than its baseline start and as early as what happened allows
    after that (the list scheduler's replay with floors). Only what the news pushes moves; kept
    if verified and no worse than the first stage by the objective, else None."""
    from ..heuristic import ListScheduler
    from ..schedule import ScheduledTask

    order = {tid: ScheduledTask(tid, base[tid][0] if tid in base else st.start, 0, st.mode, ())
             for tid, st in first.tasks.items()}
    floors = {tid: base[tid][0] for tid in first.tasks if tid in base}
    tasks = ListScheduler(plan, cals).run("given", given=order, floors=floors)
    if tasks is None or verify(plan, tasks) or objective_value(plan, tasks, until) > value:
        return None
    return tasks
