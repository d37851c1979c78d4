"""A joint bound on the finish and the soft targets: what the finish costs the targets.

scheduler/bounds.py bounds the finish and each target's reach each on its own; the objective's
floor is their sum. On a plan where one schedule cannot have both (the second hall's cooling
loop, if the finish is to be early, must run while the first hall's racks wait for pipefitters)
the sum is low by that trade-off. Here the finish is split into ranges: a schedule that ends by
F has every task done by F less what must follow it, so the k-th task of a step to start (it
starts no sooner than the flow line's S[k], and works its shortest duration) is still running
from the step's latest start on: it holds its crew then, whoever it is. A plan whose crews
lose those compulsory parts, and whose steps that hold them no longer need that crew, relaxes
every schedule that ends by F, so its reach bounds hold for them. For a finish in
[F_i, F_i+1 - 1] the objective is at least F_i plus the penalties at the reach bounds for a
finish by F_i+1 - 1.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from .bounds import Bounds, FlowBound, bounds
from .calendar import Calendars
from .plan import Plan

GRID = 8  # finish ranges between the proven finish and where the targets cannot pay back
MOST_STEPS = 3  # steps tried one by one as the holders of compulsory parts (besides all)


def joint_floor(plan: Plan, cals: Calendars, proven: Bounds, floor: int, best: int,
                deadline: float | None = None) -> int:
    """A floor at least `floor` for a finish objective with soft targets, given a schedule that
    scores `best`; `floor` itself when there is nothing to gain or no time."""
    soft = [t for t in plan.targets.values() if not t.hard]
    if plan.objective.kind != "finish" or not soft or proven.flow is None or best <= floor:
        return floor
    unbounded = _penalty(plan, proven.reach)
    top = best - unbounded  # a finish past it scores `best` or more whatever the targets do
    lo = proven.finish
    if top <= lo + 1:
        return floor
    # Finish ranges [grid[i], grid[i+1] - 1], and [grid[-1], ...) where the plain reach holds.
    grid = sorted({lo + (top - lo) * i // GRID for i in range(GRID + 1)})
    after = proven.flow.after  # what follows each task's finish, as the flow line has it
    reach_at: dict[int, dict[str, int]] = {}  # range -> reach bounds when the finish is in it
    for i in range(len(grid) - 1):
        if deadline is not None and time.monotonic() > deadline:
            break
        reach_at[i] = _reach_by(plan, cals, proven, after, grid[i + 1] - 1, deadline)
    out = best
    for i, f in enumerate(grid):
        # A range not looked at gets a later one's bounds: they hold for earlier finishes too.
        reach = next((reach_at[j] for j in range(i, len(grid)) if j in reach_at), proven.reach)
        out = min(out, f + _penalty(plan, reach))
    return max(floor, out)


def _penalty(plan: Plan, reach: dict[str, int]) -> int:
    return sum(plan.targets[t].penalty * max(0, slot - plan.targets[t].due)
               for t, slot in reach.items())


def _reach_by(plan: Plan, cals: Calendars, proven: Bounds, after: dict[str, int],
              finish: int, deadline: float | None = None) -> dict[str, int]:
    """Reach bounds for the schedules that end by `finish` (each at least the plain one): with
    every step's compulsory parts taken from its crews, then with those of each of the steps
    that hold the most, one at a time (taking a step's tasks off a crew weakens what that
    crew says of them); each pass only if begun before `deadline`."""
    flow = proven.flow
    assert flow is not None
    held = {}
    for g, tids in flow.groups.items():
        if g in flow.S:
            usage = _compulsory(plan, cals, flow, g, lambda t: finish - after[t.id])
            if usage:
                held[g] = usage
    out = dict(proven.reach)
    if not held:
        return out
    energy = {g: sum(n * (hi - lo) for _, lo, hi, n in parts) for g, parts in held.items()}
    tries = [list(held)] + [[g] for g in sorted(held, key=lambda g: -energy[g])[:MOST_STEPS]]
    for steps in tries if len(held) > 1 else tries[:1]:
        if deadline is not None and time.monotonic() > deadline:
            break
        relaxed = _without(plan, flow, {g: held[g] for g in steps})
        got = bounds(relaxed, cals, finish).reach
        for t, slot in got.items():
            out[t] = max(out[t], slot)
    return out


def _compulsory(plan: Plan, cals: Calendars, flow: FlowBound, g: str, by, count: int = 0
                ) -> list[tuple[str, int, int, int]] | None:
    """(crew, from, to, units) the step's tasks hold in any schedule where `count` of them
    (0: all) finish by `by(task)`: from the latest any of those can start on, the k-th of them
    to start works until it has done its shortest duration from S[k]; within its calendar's
    working time. None when no schedule has them done by then."""
    tasks = [plan.tasks[t] for t in flow.groups[g]]
    calendars = {t.calendar for t in tasks}
    if len(calendars) != 1:
        return []
    crews = {}
    for rid in plan.resources:
        least = min((m.demands.get(rid, 0) for t in tasks for m in t.modes), default=0)
        if least:
            crews[rid] = least
    shortest = min(m.duration for t in tasks for m in t.modes)
    if not crews or shortest == 0:
        return []
    cal = cals.get(next(iter(calendars)))
    latest = max(cal.latest_start(by(t), shortest) for t in tasks)
    ends = sorted(cal.finish(cal.next_working(s), shortest) for s in flow.S[g])
    if count:
        ends = ends[:count]  # the i-th of any `count` to start starts at S[i] or later
        if latest < 0 or ends[-1] > max(by(t) for t in tasks):
            return None
    if latest < 0:
        return []
    parts = []
    for i, end in enumerate(ends):  # ends[i:] all run from `latest` to ends[i] at least
        lo = latest if i == 0 else max(latest, ends[i - 1])
        if end > lo:
            for a, b in _working(cal, lo, end):
                for rid, units in crews.items():
                    parts.append((rid, a, b, units * (len(ends) - i)))
    return parts


def _working(cal, lo: int, hi: int) -> list[tuple[int, int]]:
    """The working spans of a calendar in [lo, hi)."""
    return [(max(a, lo), min(b + 1, hi)) for a, b in cal.working_intervals(hi) if b >= lo]


def _without(plan: Plan, flow: FlowBound, held: dict[str, list]) -> Plan:
    """The plan with each held step's crews lowered by what the step holds, and the step's
    tasks no longer needing those crews."""
    lost: dict[str, list[tuple[int, int, int]]] = {}
    freed: dict[str, set[str]] = {}
    for g, parts in held.items():
        for rid, lo, hi, units in parts:
            lost.setdefault(rid, []).append((lo, hi, units))
            freed.setdefault(g, set()).add(rid)
    resources = dict(plan.resources)
    for rid, spans in lost.items():
        resources[rid] = replace(plan.resources[rid], steps=_lowered(plan.resources[rid], spans))
    tasks = dict(plan.tasks)
    for g, rids in freed.items():
        for tid in flow.groups[g]:
            task = plan.tasks[tid]
            modes = tuple(replace(m, demands={r: q for r, q in m.demands.items()
                                              if r not in rids}) for m in task.modes)
            tasks[tid] = replace(task, modes=modes)
    return replace(plan, resources=resources, tasks=tasks)


def _lowered(resource, spans: list[tuple[int, int, int]]) -> tuple[tuple[int, int], ...]:
    """Capacity steps less `spans` (from, to, units), never below zero."""
    points = sorted({s for s, _ in resource.steps} | {lo for lo, _, _ in spans}
                    | {hi for _, hi, _ in spans})
    steps: list[tuple[int, int]] = []
    for p in points:
        cap = resource.capacity_at(p) - sum(u for lo, hi, u in spans if lo <= p < hi)
        cap = max(0, cap)
        if not steps or steps[-1][1] != cap:
            steps.append((p, cap))
    if steps[0][0] != 0:
        steps.insert(0, (0, resource.capacity_at(0)))
    return tuple(steps)


def split_floor(plan: Plan, cals: Calendars, proven: Bounds, floor: int, best: int,
                until: int, horizon: int, last_pass: float | None = None) -> int:
    """A floor at least `floor` where GPUs online count, given a schedule that scores `best`
    (`horizon`: the finish `proven` was computed for): split on when the j-th task of a step
    of few, long tasks finishes (the j-th hall's cooling loop, its energising). If it
    finishes after X, the flow line counts from X on; if by X, the first j hold their crews
    as in a finish by X (compulsory parts), which the rest of the plan can no longer use. The
    objective is at least the least over ranges of X of the bound for each; the least range
    is split again while there is time. A pass of the bounds begins only by `last_pass`."""
    flow = proven.flow
    if flow is None or best <= floor:
        return floor
    out = floor
    for g in _long_steps(plan, flow):
        for j in range(1, len(flow.groups[g]) + 1):
            out = max(out, _split(plan, cals, flow, g, j, until, horizon, last_pass))
    return out


MOST_TASKS = 8  # steps of at most this many tasks are split on
SPLIT_STEPS = 3  # the steps with the most crew work among them
GRID_SPLIT = 6  # ranges per split, and per refinement of the least range
REFINE = 2


def _long_steps(plan: Plan, flow: FlowBound) -> list[str]:
    """Steps of few tasks that hold crews, the most crew work first."""
    work = {}
    for g, tids in flow.groups.items():
        if g in flow.F and len(tids) <= MOST_TASKS:
            least = sum(min(m.duration * sum(m.demands.values()) for m in plan.tasks[t].modes)
                        for t in tids)
            if least:
                work[g] = least
    return sorted(work, key=lambda g: -work[g])[:SPLIT_STEPS]


def _split(plan: Plan, cals: Calendars, flow: FlowBound, g: str, j: int, until: int,
           horizon: int, last_pass: float | None) -> float:
    """The least, over ranges (a, b] of the j-th finish of step g, of the bound for the
    schedules in each range (minus infinity when out of time before every range is looked
    at); the least range is then split again while there is time."""
    lo = flow.F[g][j - 1]
    if until <= lo + 1:
        return -math.inf
    edges = [None] + _grid(lo, until)  # ranges (edges[i], edges[i + 1]], then (last, inf)
    values = _range_bounds(plan, cals, flow, g, j, list(zip(edges, edges[1:] + [None])),
                           until, horizon, last_pass)
    if values is None:
        return -math.inf
    for _ in range(REFINE):
        (a, b), _ = min(values.items(), key=lambda item: item[1])
        if a is None or b is None or b - a <= 1:
            break
        inner = [a] + _grid(a + 1, b)
        finer = _range_bounds(plan, cals, flow, g, j, list(zip(inner, inner[1:])), until,
                              horizon, last_pass)
        if finer is None:
            break
        del values[(a, b)]
        values.update(finer)
    return min(values.values())


def _grid(lo: int, hi: int) -> list[int]:
    return sorted({lo + (hi - lo) * i // GRID_SPLIT for i in range(GRID_SPLIT + 1)})


def _range_bounds(plan: Plan, cals: Calendars, flow: FlowBound, g: str, j: int, ranges,
                  until: int, horizon: int, last_pass: float | None) -> dict | None:
    """{(a, b): a bound on the objective over the schedules whose j-th finish of step g is in
    (a, b]} (None: unbounded that side; infinity: no such schedule); None if out of time."""
    out = {}
    for a, b in ranges:
        if last_pass is not None and time.monotonic() > last_pass:
            return None
        parts = [] if b is None else _compulsory(plan, cals, flow, g, lambda t: b, j)
        if parts is None:
            out[(a, b)] = math.inf
            continue
        relaxed = _without(plan, flow, {g: parts}) if parts else plan
        floors = {g: [(j, a + 1)]} if a is not None else None
        out[(a, b)] = bounds(relaxed, cals, horizon, floors).objective(plan, until)
    return out
