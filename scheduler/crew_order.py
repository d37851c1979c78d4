"""A local search over the order in which tasks take their crews, for any objective.

The list scheduler places tasks in the order of a priority rule, and every improvement after it
(forward-backward, the replays that move overtime onto the chain) keeps that order: a crew the
rule gave to a long task first stays with it. On a varied plan the lone electrician of week one
energised the second hall while the first hall's racks waited to be powered, and the one
power-on tech, the bottleneck, idled until Monday; powering two racks on Friday first reached
the proven bound (418 h against 433 h for CP-SAT in 60 s). Here each task on the chains that
drive the objective (to the last task, and to the task that met each soft target late) that
could have started sooner but for a crew is moved ahead of each task that held that crew then:
the schedule is replayed in its own order and modes with that one change, and the best such
move is taken while it is no worse (ties let the search walk along plateaus; a schedule seen
before is not taken again).
"""

from __future__ import annotations

import time
from dataclasses import replace

from .calendar import Calendars, lag_end
from .explain import critical_chain
from .heuristic import ListScheduler
from .justify import forward_backward
from .paid_modes import late_targets
from .plan import LinkType, Plan
from .schedule import Schedule, ScheduledTask, SolveStatus, objective_value

MAX_STEPS = 200  # moves taken per search
STALE = 30  # moves along a plateau without a new best: stop (give CP-SAT the time)
STALE_PASSES = 300  # replays without a new best: stop (seed 238's best came at the 192nd)


def crew_order_search(plan: Plan, cals: Calendars, seed: dict[str, ScheduledTask], until: int,
                      deadline: float) -> dict[str, ScheduledTask]:
    """The best schedule found by moving tasks ahead of the ones that held their crews, or
    `seed` if none beats it. Schedules come from the list scheduler's replay (crews, calendars,
    storage and lags kept) and are not verified here."""
    scheduler = ListScheduler(plan, cals)
    best = current = seed
    best_value = value = objective_value(plan, seed, until)
    seen = {_key(seed)}
    stale = passes = 0
    for _ in range(MAX_STEPS):
        if stale >= STALE:
            return best
        step = None  # (value, schedule) of the best move from the current schedule
        for tid, holder in _moves(plan, cals, current):
            passes += 1
            if time.monotonic() > deadline or passes > STALE_PASSES:
                return best
            given = dict(current)
            given[tid] = replace(current[tid], start=current[holder].start - 1)
            found = scheduler.run("given", deadline, given=given)
            if found is None:
                continue
            found = forward_backward(plan, found, cals, deadline)
            score = objective_value(plan, found, until)
            if (step is None or score < step[0]) and _key(found) not in seen:
                step = (score, found)
        if step is None or step[0] > value:
            return best
        value, current = step
        seen.add(_key(current))
        stale += 1
        if value < best_value:
            best, best_value, stale, passes = current, value, 0, 0
    return best


def _moves(plan: Plan, cals: Calendars, tasks: dict[str, ScheduledTask]
           ) -> list[tuple[str, str]]:
    """(task, holder): a task on a chain that drives the objective, started later than its
    links and release allow, and a task that held one of its crews in between."""
    schedule = Schedule(plan, SolveStatus.FEASIBLE, tasks)
    users: dict[str, list[str]] = {}
    for tid, st in tasks.items():
        for rid in plan.tasks[tid].modes[st.mode].demands:
            users.setdefault(rid, []).append(tid)
    moves: dict[tuple[str, str], None] = {}
    for end in late_targets(plan, tasks) + [None]:
        for step in critical_chain(schedule, end_task=end, cals=cals):
            st = tasks[step.task]
            allowed = _allowed(plan, cals, tasks, step.task)
            if allowed >= st.start:
                continue
            for rid in plan.tasks[step.task].modes[st.mode].demands:
                for other in users[rid]:
                    held = tasks[other]
                    if other != step.task and held.start < st.start and held.finish > allowed:
                        moves[(step.task, other)] = None
    return list(moves)


def _allowed(plan: Plan, cals: Calendars, tasks: dict[str, ScheduledTask], tid: str) -> int:
    """The earliest start the task's links and release allow in this schedule."""
    task, st = plan.tasks[tid], tasks[tid]
    floor = task.release
    for link in task.links:
        pred = tasks[link.pred]
        there = lag_end(cals, link, pred.finish if link.type in (LinkType.FS, LinkType.FF)
                        else pred.start)
        if link.type in (LinkType.FF, LinkType.SF):  # a bound on the finish: its span before
            there -= st.finish - st.start
        floor = max(floor, there)
    return floor


def _key(tasks: dict[str, ScheduledTask]) -> int:
    return hash(tuple((st.start, st.mode) for st in tasks.values()))
