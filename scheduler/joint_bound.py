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

import itertools
import math
import time
from dataclasses import replace

from .bounds import Bounds, FlowBound, bounds, early_pieces, most_before, offered
from .calendar import Calendars
from .crew_walk import latest_ends
from .plan import Plan

GRID = 8  # finish ranges between the proven finish and where the targets cannot pay back
MOST_STEPS = 3  # steps tried one by one as the holders of compulsory parts (besides all)
GRID_REFINED = 4  # narrower ranges the least range is split into
MOST_REFINED = 6  # splits of the least range


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
    after = proven.flow.after  # what follows each task's finish, as the flow line has it
    # Reach bounds for the schedules that end by each slot looked at: they hold for every
    # earlier finish as well, so a range takes the largest found for its end or a later one.
    by_end: dict[int, dict[str, int]] = {}

    def look(end: int) -> bool:
        if deadline is not None and time.monotonic() > deadline:
            return False
        by_end[end] = _reach_by(plan, cals, proven, after, end, deadline)
        return True

    return max(floor, least_over_ranges(lo, top, look, lambda a, b: _value(
        plan, proven, by_end, a, b), best))


def least_over_ranges(lo: int, top: int, look, value, best: int) -> int:
    """The least value(a, b) over ranges [a, b] covering lo.. (the last [top, ...): b None),
    at most `best`: GRID ranges, then the least split into GRID_REFINED, MOST_REFINED times.
    look(end) computes what value needs for the ranges ending by `end` (False: out of time,
    and nothing more is looked at); value may use only what was looked at for ends >= b."""
    edges = sorted({lo + (top - lo) * i // GRID for i in range(GRID + 1)})
    ranges = list(zip(edges, [e - 1 for e in edges[1:]] + [None]))
    if all(look(b) for _, b in ranges[:-1]):  # every range looked at: split the least again
        for _ in range(MOST_REFINED):
            a, b = min(ranges, key=lambda r: value(*r))
            if b is None or b <= a:
                break
            inner = sorted({a + (b + 1 - a) * i // GRID_REFINED
                            for i in range(GRID_REFINED + 1)})
            if not all(look(e - 1) for e in inner[1:-1]):
                break
            ranges.remove((a, b))
            ranges.extend(zip(inner, [e - 1 for e in inner[1:]]))
    return min([best] + [value(a, b) for a, b in ranges])


def _value(plan: Plan, proven: Bounds, by_end: dict[int, dict[str, int]], lo: int,
           hi: int | None) -> int:
    """The least objective of a schedule ending in [lo, hi] (hi None: lo or later)."""
    reach = dict(proven.reach)
    for end, got in by_end.items():
        if hi is not None and end >= hi:
            for t, slot in got.items():
                reach[t] = max(reach[t], slot)
    return lo + _penalty(plan, reach)


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
    # A hall's loop ends early enough for its racks' crews to finish them all in time (a copy:
    # the walks' answers are kept across passes), and the energisings that must fill the
    # electricians' time before the racks come start before them.
    latest = dict(latest_ends(plan, cals, flow, finish, deadline))
    for tid, slot in started_by(plan, cals, flow.es, after, finish).items():
        task = plan.tasks[tid]
        latest[tid] = min(latest.get(tid, finish), cals.get(task.calendar).finish(
            slot, min(m.duration for m in task.modes)))
    for g, tids in flow.groups.items():
        if g in flow.S:
            usage = _compulsory(plan, cals, flow, g,
                                lambda t: min(finish - after[t.id], latest.get(t.id, finish)))
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
        got = bounds(relaxed, cals, finish, proven_finishes(flow, steps)).reach
        for t, slot in got.items():
            out[t] = max(out[t], slot)
    return out


def proven_finishes(flow: FlowBound, steps) -> dict[str, list[tuple[int, int]]]:
    """Floors {step: [(j, slot)]} saying the j-th finish of each of these steps is no sooner
    than the plan's own flow line has it. A relaxed plan's bounds keep them for the steps
    whose compulsory parts were taken from their crews: those no longer need them, and on
    their own their tasks would all finish at once (seed 492's three halls' loops, laid by
    two pipefitters one after another, at the same hour), while each schedule of the plan
    keeps its finishes there."""
    return {g: [(j + 1, f) for j, f in enumerate(flow.F[g])] for g in steps if g in flow.F}


def started_by(plan: Plan, cals: Calendars, start: dict[str, int], after: dict[str, int],
               finish: int) -> dict[str, int]:
    """{task: latest start} for tasks that must start before a later task of their crew can, in
    every schedule that ends by `finish`. From a threshold r (an earliest start of the crew's
    tasks) the crew's work after r (the tasks that cannot start sooner, and what the earlier
    ones leave) must fit between r and the latest any of its tasks can end; so the earlier
    tasks must do `need` crew-slots before r, and one whose absence leaves a packing of the
    rest (bounds.most_before) short of it starts before r. Two electricians who must keep
    busy to end by the finish start the third hall's energising before the first rack."""
    out: dict[str, int] = {}
    for rid, res in plan.resources.items():
        users = [t for t in plan.tasks.values() if any(rid in m.demands for m in t.modes)]
        if not users or {t.calendar for t in users} != {res.calendar}:
            continue  # tasks that pause when their crew does: intervals in its working time
        cal = cals.get(res.calendar)
        end = max(finish - after[t.id] for t in users)  # the crew's last work ends by it
        for r in sorted({start[t.id] for t in users})[1:]:
            pieces = early_pieces(cal, rid, [t for t in users if start[t.id] < r], start, r)
            if pieces is None:
                break  # more and more early tasks from here on
            late = sum(min(m.duration * m.demands.get(rid, 0) for m in t.modes)
                       for t in users if start[t.id] >= r)
            need = sum(w for _, _, w in pieces) + late - offered(cal, res, r, end)
            last = cal.latest_start(r, 1)  # the last working slot before r
            if need <= 0 or last < 0:
                continue
            for i, (tid, _, _) in enumerate(pieces):
                if most_before(cal, res, pieces[:i] + pieces[i + 1:], start, r) < need:
                    out[tid] = min(out.get(tid, last), last)
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
    is split again while there is time. Then the best split is paired with the next best ones
    (both ends in a cell of ranges). A pass of the bounds begins only by `last_pass`."""
    flow = proven.flow
    if flow is None or best <= floor:
        return floor
    split = _Split(plan, cals, flow, until, horizon, last_pass)
    found = []  # (bound, (step, j))
    for g in _long_steps(plan, flow):
        for j in range(1, len(flow.groups[g]) + 1):
            found.append((split.least([split.ranges(g, j, GRID_SPLIT)]), (g, j)))
    found.sort(reverse=True)
    out = max([floor] + [value for value, _ in found])
    if len(found) > 1 and found[0][0] > floor:
        first = found[0][1]
        for _, other in found[1:1 + PAIRS]:
            out = max(out, split.least([split.ranges(*first, GRID_PAIR),
                                        split.ranges(*other, GRID_PAIR)]))
    return out


MOST_TASKS = 8  # steps of at most this many tasks are split on
SPLIT_STEPS = 3  # the steps with the most crew work among them
GRID_SPLIT = 6  # ranges per split, and per refinement of the least range
GRID_PAIR = 4  # ranges per side of a pair of splits
PAIRS = 3  # the best split is paired with the next this many
REFINE = 4


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


def _grid(lo: int, hi: int, n: int) -> list[int]:
    return sorted({lo + (hi - lo) * i // n for i in range(n + 1)})


class _Split:
    """Bounds over cells: for each of a few (step, j), a range (a, b] its j-th finish is in
    (None: unbounded that side)."""

    def __init__(self, plan: Plan, cals: Calendars, flow: FlowBound, until: int, horizon: int,
                 last_pass: float | None):
        self.plan, self.cals, self.flow = plan, cals, flow
        self.until, self.horizon, self.last_pass = until, horizon, last_pass

    def ranges(self, g: str, j: int, n: int) -> list[tuple]:
        """(g, j, a, b) for n ranges from the flow line's j-th finish of g to `until`, the
        ones before and after it."""
        lo = self.flow.F[g][j - 1]
        edges = [None] + _grid(lo, max(lo + 1, self.until), n)
        return [(g, j, a, b) for a, b in zip(edges, edges[1:] + [None])]

    def least(self, sides: list[list[tuple]]) -> float:
        """The least bound over the cells of these sides' ranges (minus infinity when out of
        time before every cell is looked at), the least cell split again side by side."""
        values = {}
        for cell in itertools.product(*sides):
            value = self.bound(cell)
            if value is None:
                return -math.inf
            values[cell] = value
        for i in range(REFINE * len(sides)):
            cell = min(values, key=values.get)
            g, j, a, b = cell[i % len(sides)]
            if a is None or b is None or b - a <= 1:
                continue
            inner = [a] + _grid(a + 1, b, GRID_SPLIT)
            finer = {}
            for x, y in zip(inner, inner[1:]):
                new = cell[:i % len(sides)] + ((g, j, x, y),) + cell[i % len(sides) + 1:]
                finer[new] = self.bound(new)
                if finer[new] is None:
                    return min(values.values())
            del values[cell]
            values.update(finer)
        return min(values.values())

    def bound(self, cell) -> float | None:
        """A bound on the objective over the schedules in the cell (infinity: none are); None
        if out of time."""
        if self.last_pass is not None and time.monotonic() > self.last_pass:
            return None
        floors: dict[str, list[tuple[int, int]]] = {}
        held: dict[str, list] = {}
        for g, j, a, b in cell:
            if a is not None:
                floors.setdefault(g, []).append((j, a + 1))
            if b is not None:
                parts = _compulsory(self.plan, self.cals, self.flow, g, lambda t, b=b: b, j)
                if parts is None:
                    return math.inf
                held[g] = _most(held.get(g, []), parts)
        for g, steps in floors.items():  # the j-th finish after a: so is every later one
            for j, a in steps:
                for g2, j2, _, b in cell:
                    if g2 == g and j2 >= j and b is not None and b < a:
                        return math.inf
        held = {g: parts for g, parts in held.items() if parts}
        if held:
            relaxed = _without(self.plan, self.flow, held)
            for g, kept in proven_finishes(self.flow, held).items():
                floors[g] = floors.get(g, []) + kept
        else:
            relaxed = self.plan
        return bounds(relaxed, self.cals, self.horizon, floors or None).objective(
            self.plan, self.until)


def _most(a: list[tuple[str, int, int, int]], b: list[tuple[str, int, int, int]]
          ) -> list[tuple[str, int, int, int]]:
    """(crew, from, to, units) spans holding, at each slot, the larger of what two lists of
    compulsory parts of the same step hold (each is what those tasks hold at least; summing
    them would count the same tasks twice)."""
    if not a or not b:
        return a or b
    out = []
    for rid in {r for r, _, _, _ in a} | {r for r, _, _, _ in b}:
        points = sorted({p for r, lo, hi, _ in a + b if r == rid for p in (lo, hi)})
        for lo, hi in zip(points, points[1:]):
            units = max(sum(u for r, x, y, u in spans if r == rid and x <= lo < y)
                        for spans in (a, b))
            if units:
                out.append((rid, lo, hi, units))
    return out
