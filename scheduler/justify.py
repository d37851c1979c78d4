"""Forward-backward improvement ("double justification") of a schedule.

Right-justify: every task, latest finish first, moved as late as the tasks after it and the
crews allow without passing the schedule's finish. Left-justify: every task, earliest start of
that schedule first, moved as early as possible. The pair never lengthens a schedule on fixed
crews and often shortens it, because the backward pass packs the tail of the schedule and the
forward pass then pulls the packed order forward (Valls, Ballestin and Quintanilla 2005 measure
it as the single most effective add-on to schedule generation for the RCPSP).

Plans with storage or maximum lags are left as they are: moving a task later can empty a store
before it is filled or stretch a lag, which the backward pass does not model.
"""

from __future__ import annotations

import heapq
import time

from .calendar import Calendars
from .heuristic import Profile, capacity_profile, left_justify
from .plan import LinkType, Plan
from .schedule import ScheduledTask, gpu_until, make_task, objective_value

MAX_ROUNDS = 20


def can_justify(plan: Plan) -> bool:
    """Whether moving tasks later is safe for the plan (no storage, no maximum lags)."""
    return not plan.storages and not any(
        link.max_lag is not None for t in plan.tasks.values() for link in t.links) and all(
        t.interruptible and all(lk.lag_calendar is None for lk in t.links)
        for t in plan.tasks.values())  # right-justifying allows pauses, counts lags elapsed


def forward_backward(plan: Plan, tasks: dict[str, ScheduledTask], cals: Calendars | None = None,
                     deadline: float | None = None) -> dict[str, ScheduledTask]:
    """The best of `tasks` and its forward-backward improvements by the plan's objective,
    repeated while a round improves (at most MAX_ROUNDS; stops at `deadline`)."""
    if not can_justify(plan) or not tasks:
        return tasks
    cals = cals or Calendars(plan)
    until = gpu_until(plan, max(st.finish for st in tasks.values()))
    best, best_value = tasks, objective_value(plan, tasks, until)
    for _ in range(MAX_ROUNDS):
        late = right_justify(plan, best, cals, deadline)
        early = left_justify(plan, late, cals, deadline) if late is not None else None
        if early is None:
            break
        value = objective_value(plan, early, until)
        if value >= best_value:
            break
        best, best_value = early, value
    return best


def right_justify(plan: Plan, tasks: dict[str, ScheduledTask], cals: Calendars | None = None,
                  deadline: float | None = None) -> dict[str, ScheduledTask] | None:
    """`tasks` with every task as late as the tasks after it allow, in their modes, finishing
    by the schedule's finish; None past `deadline` or where a release date gets in the way."""
    cals = cals or Calendars(plan)
    end = max(st.finish for st in tasks.values())
    succ = plan.successors()
    usage = {rid: Profile() for rid in plan.resources}
    cap = {rid: capacity_profile(r) for rid, r in plan.resources.items()}
    index = {tid: i for i, tid in enumerate(plan.tasks)}
    waiting = {tid: len({s for s, _ in succ[tid]}) for tid in plan.tasks}

    def key(tid):  # latest finish first; ties: latest start, then later in the plan
        return (-tasks[tid].finish, -tasks[tid].start, -index[tid])

    heap = [(key(tid), tid) for tid, n in waiting.items() if n == 0]
    heapq.heapify(heap)
    placed: dict[str, ScheduledTask] = {}
    while heap:
        if deadline is not None and time.monotonic() > deadline:
            return None
        tid = heapq.heappop(heap)[1]
        mode = plan.tasks[tid].modes[tasks[tid].mode]
        finish_by, start_by = _limits(end, succ[tid], placed)
        start = _latest(plan, cals, tid, mode, finish_by, start_by, usage, cap)
        if start is None:
            return None
        st = make_task(plan, cals, tid, start, tasks[tid].mode)
        placed[tid] = st
        for rid, q in mode.demands.items():
            usage[rid].add(st.start, st.finish, q)
        for pred in dict.fromkeys(link.pred for link in plan.tasks[tid].links):
            waiting[pred] -= 1
            if waiting[pred] == 0:
                heapq.heappush(heap, (key(pred), pred))
    return placed if len(placed) == len(plan.tasks) else None


def _limits(end, successors, placed) -> tuple[int, int | None]:
    """Latest finish and latest start (None: no limit) that the placed successors allow."""
    finish_by, start_by = end, None
    for nxt, link in successors:
        other = placed[nxt]
        if link.type == LinkType.FS:
            finish_by = min(finish_by, other.start - link.lag)
        elif link.type == LinkType.FF:
            finish_by = min(finish_by, other.finish - link.lag)
        else:
            there = other.start if link.type == LinkType.SS else other.finish
            start_by = there - link.lag if start_by is None else min(start_by, there - link.lag)
    return finish_by, start_by


def _latest(plan, cals, tid, mode, finish_by, start_by, usage, cap) -> int | None:
    """The latest working start that finishes by `finish_by`, starts by `start_by`, fits the
    crews over its span and respects the release; None if there is none."""
    task = plan.tasks[tid]
    cal = cals.get(task.calendar)
    d = mode.duration
    if d == 0:
        start = finish_by if start_by is None else min(finish_by, start_by)
        return start if start >= task.release else None
    end = finish_by
    while True:
        s = cal.latest_start(end, d)
        if s < task.release:  # also s == -1: no working time left before `end`
            return None
        if start_by is not None and s > start_by:
            last = cal.latest_start(start_by + 1, 1)  # last working slot <= start_by
            if last < task.release:
                return None
            end = cal.finish(last, d)
            continue
        e = cal.finish(s, d)
        clash = _first_clash(mode.demands, s, e, usage, cap)
        if clash is None:
            return s
        end = clash  # finish before the first slot the crews cannot take it


def _first_clash(demands, s, e, usage, cap) -> int | None:
    """The first slot in [s, e) where a demand does not fit, or None."""
    first = None
    for rid, q in demands.items():
        use, avail = usage[rid], cap[rid]
        use.ensure(e)
        avail.ensure(e)
        uv, cv = use.values, avail.values
        for t in range(s, e if first is None else min(e, first)):
            if uv[t] + q > cv[t]:
                first = t
                break
    return first
