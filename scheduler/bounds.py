"""Lower bounds on the finish that hold for every schedule: the calendar-aware critical path,
each crew's workload, and the flow-line bound that chains the steps of identical units through
the crews that do them."""

from __future__ import annotations

import bisect
import functools
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .back_line import at_once
from .calendar import Calendars
from .crew_walk import (
    MOST_ALONE,
    Before,
    Tail,
    alone,
    coupled_pair,
    crew_of,
    pair_finishes,
    stored_pair,
    tail_finishes,
)
from .heuristic import (
    dependency_order,
    earliest_finishes,
    tails,
    tails_and_afters,
    topological_order,
)
from .plan import LinkType, Plan
from .schedule import reached_at


def critical_path_bound(plan: Plan, cals: Calendars) -> int:
    """Earliest possible finish ignoring resources and storage (releases, lags, calendars kept)."""
    return max(earliest_finishes(plan, cals)[1].values(), default=0)


def lower_bound(plan: Plan, cals: Calendars, horizon: int | None = None) -> int:
    """The best of the critical-path bound, each crew's energy bound and, given a horizon (a
    finish some schedule reaches), the flow-line bound."""
    return bounds(plan, cals, horizon).finish


@dataclass(frozen=True)
class Split:
    """The schedules in which, of one step's tasks, the `first` to finish take at most `early`
    of the faster modes a budget pays for, and the others at most `late`."""

    group: str
    first: int
    early: int
    late: int


@dataclass(frozen=True)
class Bounds:
    """What no schedule beats: its finish, when GPUs can come online, when soft targets can be
    reached."""

    finish: int  # slots
    online: list[tuple[int, int]]  # (slot, GPUs): see _online_order
    reach: dict[str, int]  # soft target -> the earliest slot it can be reached
    # GPU steps fed by a flow line (Line), and the (slot, GPUs) pairs of the other GPU tasks:
    # the gpu-hours bound sums the two; `online` holds both as pairs.
    lines: tuple[Line, ...]
    others: tuple[tuple[int, int], ...]
    flow: FlowBound | None = None  # its order statistics, for scheduler/joint_bound.py

    def objective(self, plan: Plan, until: int) -> int:
        """A lower bound on the objective the model minimises (schedule.objective_value), the
        gpu-hours objective counted up to `until`."""
        penalty = sum(plan.targets[t].penalty * max(0, slot - plan.targets[t].due)
                      for t, slot in self.reach.items())
        if plan.objective.kind == "gpu-hours":
            return penalty - _gpu_slots(self.others, until) - sum(
                line.gpu_slots(until) for line in self.lines)
        if plan.objective.kind == "cost":
            from .cost import least_cents

            return least_cents(plan, Calendars(plan), self.finish) + 100 * penalty
        return self.finish + penalty


def _gpu_slots(pairs, until: int) -> int:
    return sum(gpus * max(0, until - slot) for slot, gpus in pairs)


@dataclass(frozen=True)
class Line:
    """A step that brings GPUs online, fed by a flow line of units (arrays gathering racks).

    The k-th of its tasks to finish is done no sooner than count[k-1] (its own order
    statistics) nor than units[m-1], m being the units the first k gather (the m-th unit's
    earliest finish, plus the steps between). Tasks come in kinds (units each, GPUs each, how
    many): a build-out has full arrays and maybe one partial array."""

    kinds: tuple[tuple[int, int, int], ...]
    count: tuple[int, ...]
    units: tuple[int, ...]

    def caps(self) -> list[tuple[int, int]]:
        """(slot, GPUs) increments: by any slot, no schedule has more of these GPUs online. By
        slot t the tasks done gather no more units than are through by t (a knapsack), and
        are no more than count allows."""
        best = _knapsack(self.kinds, len(self.units))
        by_units, last = [], 0
        for m, done in enumerate(self.units, start=1):
            if best[m] > last:
                by_units.append((done, best[m] - last))
                last = best[m]
        gpus = sorted((g for _, g, n in self.kinds for _ in range(n)), reverse=True)
        return _lower_envelope(list(zip(self.count, gpus)), by_units)

    def gpu_slots(self, until: int) -> int:
        """The most GPU-slots these tasks can be online before `until`, over every order in
        which the kinds can finish (a sequencing bound: exact for this relaxation, and below
        the per-slot caps, which let each slot pick its own best set). Falls back to the caps
        when the orders are too many to enumerate."""
        states = math.prod(n + 1 for _, _, n in self.kinds)
        if states > MAX_STATES:
            return _gpu_slots(self.caps(), until)
        most: dict[tuple[int, ...], int] = {}
        for state in itertools.product(*(range(n + 1) for _, _, n in self.kinds)):
            k = sum(state)
            if k == 0:
                most[state] = 0
                continue
            m = sum(c * size for c, (size, _, _) in zip(state, self.kinds))
            gain = max(0, until - max(self.count[k - 1], self.units[m - 1]))
            most[state] = max(most[state[:i] + (c - 1,) + state[i + 1:]] + gain * gpus
                              for i, (c, (_, gpus, _)) in enumerate(zip(state, self.kinds))
                              if c)
        return most[tuple(n for _, _, n in self.kinds)]


# Orders of kinds enumerated by the sequencing bound (product of (count + 1) over kinds): a
# build-out of full arrays and one partial array has 2 x (arrays + 1).
MAX_STATES = 100_000


def bounds(plan: Plan, cals: Calendars, horizon: int | None = None,
           floors: dict[str, list[tuple[int, int]]] | None = None,
           split: Split | None = None, dues: dict[str, list[int]] | None = None) -> Bounds:
    """Lower bounds on the finish and the objective. Given a horizon (a finish some schedule
    reaches) the flow-line bound joins in, and its order statistics bound when GPUs can come
    online, so a gpu-hours objective or a soft GPU target is bounded as well as the finish.
    `floors` {step: [(j, slot)]} bounds only the schedules whose j-th finish of that step is
    at `slot` or later (scheduler/joint_bound.py splits on it); `split` only those that share
    a budget's faster modes of one step so (scheduler/target_cost.py)."""
    start, finish = earliest_finishes(plan, cals)
    order, succ = topological_order(plan), plan.successors()
    tail = tails_and_afters(plan, order, succ)[1]
    ends = Ends(plan, cals, tail, order, succ)
    best = max([max(finish.values(), default=0)]
               + [energy_bound(plan, cals, rid, start, tail, finish, ends)
                  for rid in plan.resources]
               + [arrivals_bound(plan, cals, sid, start) for sid in plan.storages])
    flow = None
    if horizon is not None and (horizon > best or plan.values_gpus_online):
        flow = FlowBound(plan, cals, horizon, start, tail, ends, floors, split, dues)
        best = max(best, flow.bound())
    lines, others = _online_order(plan, flow, finish)
    online = sorted(others + [pair for line in lines for pair in line.caps()])
    reach = {t.id: _earliest_reach(t, best, finish, online, flow)
             for t in plan.targets.values() if not t.hard}
    return Bounds(best, online, reach, tuple(lines), tuple(others), flow)


def _online_order(plan: Plan, flow: FlowBound | None, finish: dict[str, int]
                  ) -> tuple[list[Line], list[tuple[int, int]]]:
    """Bounds on when GPUs come online: Lines for the GPU steps a flow line feeds, (slot, GPUs)
    pairs for the rest, such that no schedule has more GPUs online by any slot than the pairs
    up to it, nor more GPU-slots before any date. Per step of identical units (e.g. every
    array's acceptance) the k-th finish is at least F[k] (the flow line's order statistics, or
    the k-th earliest critical-path finish), and the k earliest finishers bring at most the k
    largest GPU counts online; the pairs take the largest counts first."""
    by_group: dict[str, list[str]] = defaultdict(list)
    for task in plan.tasks.values():
        if task.gpus:
            by_group[task.source or task.id].append(task.id)
    lines, others = [], []
    for g, tids in by_group.items():
        whole = flow is not None and len(flow.groups[g]) == len(tids)
        line = flow.line(g) if whole else None
        if line is not None:
            lines.append(line)
            continue
        ks = flow.F.get(g) if whole else None
        slots = ks or sorted(finish[t] for t in tids)
        gpus = sorted((plan.tasks[t].gpus for t in tids), reverse=True)
        others.extend(zip(slots, gpus))
    return lines, others


def _lower_envelope(a: list[tuple[int, int]], b: list[tuple[int, int]]
                    ) -> list[tuple[int, int]]:
    """(slot, GPUs) increments of the smaller of two caps on the GPUs online by each slot (both
    given as increments; both caps hold, so the smaller does)."""
    def running(pairs):
        total, out = 0, {}
        for slot, n in sorted(pairs):
            total += n
            out[slot] = total
        return out
    ra, rb = running(a), running(b)
    out, ca, cb, last = [], 0, 0, 0
    for slot in sorted(set(ra) | set(rb)):
        ca, cb = ra.get(slot, ca), rb.get(slot, cb)
        if min(ca, cb) > last:
            out.append((slot, min(ca, cb) - last))
            last = min(ca, cb)
    return out


def _earliest_reach(target, finish_bound: int, finish: dict[str, int],
                    online: list[tuple[int, int]], flow: FlowBound | None) -> int:
    """No schedule reaches the target sooner."""
    if target.gpus:
        # GPUs of part of the site come online no sooner than as many of the whole site's.
        reached = reached_at(online, target.gpus)
        return 0 if reached is None else reached  # never reached: validation reports it
    if target.count:
        ids = target.tasks or finish.keys()
        return sorted(finish[t] for t in ids)[target.count - 1]
    if not target.tasks:
        return finish_bound
    reach = max(finish[t] for t in target.tasks)
    if flow is not None:
        wanted = set(target.tasks)
        for g, tids in flow.groups.items():
            if g in flow.F and wanted.issuperset(tids):
                reach = max(reach, flow.F[g][-1])
    return reach


def after_finish(plan: Plan) -> dict[str, int]:
    """Slots the project runs on, at least, after each task finishes (finish-to-start and
    finish-to-finish successors and what follows them)."""
    return tails_and_afters(plan, topological_order(plan))[1]


# Tasks an Ends.least call passes through beyond its few (counted over all its passes), fewer
# on large plans as the few are; none on plans without calendars (PSPLIB's bounds took 30%
# longer for nothing).
MOST_VISITED = 1_000


class Ends:
    """The earliest the project can end once a task finishes at a given slot: a forward pass
    over what follows it with calendars, lags and releases (resources left out), so a
    fabric test that waits for the night shift counts its wait. `least` takes the smallest
    over a set of tasks, passing forward only from the few with the shortest tails in work
    slots (the rest are bounded by those tails)."""

    def __init__(self, plan: Plan, cals: Calendars, after: dict[str, int], order=None,
                 succ=None):
        self.plan, self.cals, self.after = plan, cals, after
        self.succ = succ if succ is not None else plan.successors()
        self.pos = {tid: i for i, tid in enumerate(order or topological_order(plan))}
        # Tasks per set followed through the calendars: 48, fewer on very large plans (a
        # million-GPU plan's bounds took 6 s of passes with 48).
        self.few = max(8, min(48, 240_000 // max(1, len(plan.tasks))))
        self.most_visited = min(MOST_VISITED, 2_000_000 // max(1, len(plan.tasks))) \
            if plan.calendars else -1
        self.visited = 0

    def least(self, tids, finish: int) -> int:
        ranked = sorted(tids, key=self.after.__getitem__)
        # Past the few, more while their passes stay short (sixty racks' power tasks, each
        # followed by a handful of tasks): the rest's tails in work slots ignore the nights.
        self.visited, best = 0, None
        for n, tid in enumerate(ranked):
            if n >= self.few and self.visited > self.most_visited:
                return min(best, finish + self.after[tid])
            end = self.after_finish(tid, finish)
            best = end if best is None else min(best, end)
        return finish if best is None else best

    def after_finish(self, tid: str, finish: int, target: str | None = None) -> int:
        """The project's earliest end once `tid` finishes at `finish`; given a `target`, the
        earliest that task can finish then (0 if the pass does not reach it: a start-to-start
        link out of `tid` says nothing of its finish)."""
        import heapq

        from .calendar import lag_end

        starts: dict[str, int] = {}
        ends: dict[str, int] = {}
        queue: list[tuple[int, str]] = []

        def reach(nxt: str, link, start: int, end: int) -> None:
            if link.type in (LinkType.FS, LinkType.SS):
                at = lag_end(self.cals, link, end if link.type == LinkType.FS else start)
                if at > starts.get(nxt, -1):
                    starts[nxt] = at
                    heapq.heappush(queue, (self.pos[nxt], nxt))
            else:
                at = lag_end(self.cals, link, end if link.type == LinkType.FF else start)
                if at > ends.get(nxt, -1):
                    ends[nxt] = at
                    heapq.heappush(queue, (self.pos[nxt], nxt))

        for nxt, link in self.succ[tid]:
            if link.type in (LinkType.FS, LinkType.FF):  # its start is not known here
                reach(nxt, link, finish, finish)
        done, last = set(), finish
        while queue:
            _, cur = heapq.heappop(queue)
            if cur in done:
                continue
            done.add(cur)
            self.visited += 1
            task = self.plan.tasks[cur]
            cal = self.cals.get(task.calendar)
            d = min(m.duration for m in task.modes)
            s = max(starts.get(cur, 0), task.release)
            s = s if d == 0 else cal.next_working(s)
            f = max(cal.finish(s, d), ends.get(cur, 0))
            if cur == target:
                return f
            last = max(last, f)
            for nxt, link in self.succ[cur]:
                reach(nxt, link, s, f)
        return 0 if target is not None else last


def arrivals_bound(plan: Plan, cals: Calendars, sid: str, start: dict[str, int]) -> int:
    """Tasks that take units out of a storage only deliveries fill (a yard of CDUs, no task
    puts any in) cannot outrun the trucks: the j-th of them to start starts no sooner than
    the j-th unit is there. Whichever task goes j-th, giving the earliest units to the tasks
    with the longest way to the end is the best any schedule can do (exchange argument), so
    the finish is at least max_j (arrival_j + j-th longest tail from a start)."""
    storage = plan.storages[sid]
    users = [t for t in plan.tasks.values() if sid in t.empties]
    if not users or any(sid in t.fills for t in plan.tasks.values()) or any(
            t.empties[sid] != 1 for t in users):
        return 0
    units = units_there(storage)
    if len(units) < len(users):
        return 0  # not enough units ever: the model says infeasible, not this bound
    tail = tails(plan, topological_order(plan))
    # Work slots, whichever task goes j-th (calendars aside) ...
    longest = sorted((tail[t.id] for t in users), reverse=True)
    best = max(units[j] + longest[j] for j in range(len(users)))
    # ... and, calendars kept, the last one to start: no sooner than the last unit, then the
    # shortest way to the end any of them has from there.
    last = max(units[len(users) - 1], 0)
    succ = plan.successors()
    return max(best, min(_end_from(plan, cals, succ, t.id, max(last, start[t.id]))
                         for t in users))


def units_there(storage) -> list[int]:
    """When each unit of a storage is there: those it starts with, then the deliveries'."""
    return [0] * storage.initial + sorted(
        max(0, slot) for slot, qty in storage.arrivals for _ in range(qty))


def _end_from(plan: Plan, cals: Calendars, succ, tid: str, begin: int) -> int:
    """The earliest the project can end if `tid` starts at `begin`: a forward pass over what
    follows it (finish-to-start and start-to-start links, calendars, releases; resources and
    other links left out, so it is a lower bound)."""
    starts = {tid: begin}
    order = [tid]
    end = 0
    i = 0
    while i < len(order):
        cur = order[i]
        i += 1
        task = plan.tasks[cur]
        cal = cals.get(task.calendar)
        d = min(m.duration for m in task.modes)
        s = starts[cur] if d == 0 else cal.next_working(starts[cur])
        f = cal.finish(s, d)
        end = max(end, f)
        for nxt, link in succ[cur]:
            if link.type == LinkType.FS:
                at = f + link.lag
            elif link.type == LinkType.SS:
                at = s + link.lag
            else:
                continue
            at = max(at, plan.tasks[nxt].release)
            if at > starts.get(nxt, -1):
                if nxt not in starts:
                    order.append(nxt)
                starts[nxt] = at
    return end


def energy_bound(plan: Plan, cals: Calendars, rid: str, start: dict[str, int],
                 after: dict[str, int], finish: dict[str, int] | None = None,
                 ends: Ends | None = None) -> int:
    """No schedule ends before crew `rid` has done all its work: from the earliest start of any
    of its tasks, W crew-slots at capacity C take W/C of its working time, and the shortest
    chain after any of its tasks still follows. Given the earliest finishes, the units a crew
    loses at a capacity drop count only for tasks that can be done before it."""
    users = [t for t in plan.tasks.values() if any(rid in m.demands for m in t.modes)]
    if not users:
        return 0
    res = plan.resources[rid]
    calendars = {t.calendar for t in users}
    cal = cals.get(res.calendar if calendars == {res.calendar} else None)
    # From every earliest start r on (latest first): the work of the tasks that cannot start
    # before r is done after r, at capacity, in working time, and the shortest chain after
    # them follows (the energetic bound with release dates; r = the first start is the plain
    # workload bound). One crew powering racks that arrive late is bound by the racks.
    users.sort(key=lambda t: start[t.id], reverse=True)
    most_saved = _budget_savings(plan, rid, users)
    # A task that works on both sides of a drop is working at the first working slot after
    # it (its calendar is the crew's: it pauses only where the crew does), so it holds part
    # of the lower capacity there.
    steady = finish is not None and calendars == {cal.id}
    drops = [i for i in range(len(res.steps) - 1)
             if steady and res.steps[i + 1][1] < res.steps[i][1]]
    # Per drop: the most work of tasks that can end before it (None: no such argument).
    fits: list[int | None] = [0 if i in drops else None for i in range(len(res.steps))]
    best, work, saving, tail, met = 0, 0, 0, None, []
    for i, t in enumerate(users):
        base, least = _work_on(rid, t)
        work += base
        saving += base - least
        tail = after[t.id] if tail is None else min(tail, after[t.id])
        for d in drops:  # drops only with the earliest finishes known (steady)
            if (finish or {})[t.id] <= cal.next_working(res.steps[d + 1][0]):
                fits[d] = (fits[d] or 0) + max(m.duration * m.demands.get(rid, 0)
                                               for m in t.modes)
        r = start[t.id]
        if i + 1 < len(users) and start[users[i + 1].id] == r:
            continue  # the same threshold: take all the tasks released at r
        done = int(work - min(saving, most_saved))
        left = _left_over(cal, res, rid, users[i + 1:], start, r) \
            if steady and len(users) - i - 1 <= MOST_EARLY else 0
        delivered = _delivered(cal, res, r, done + left,
                               [f if f is None else f + left for f in fits])
        best = max(best, delivered + tail)
        met.append((delivered + tail, delivered, i + 1))
    if ends is not None:  # the strongest thresholds again, with calendars after the work
        for _, delivered, n in sorted(met, reverse=True)[:3]:
            best = max(best, ends.least([t.id for t in users[:n]], delivered))
    return best


def _left_over(cal, res, rid: str, early, start: dict[str, int], r: int) -> int:
    """Crew-slots of the tasks that can start before `r` (`early`) still to do at `r` in every
    schedule. Before r the crew's units work through these tasks only, each task on one unit
    (the tasks run in the crew's working time, so a schedule's tasks on the crew are intervals
    there and c units cover them), and a unit cut at r leaves only its last task unfinished:
    three 17 h energisings cannot fill two electricians' 25 working hours before the first
    rack is positioned (42 of 50), so 9 h of them still come after it."""
    pieces = early_pieces(cal, rid, early, start, r)
    if pieces is None:
        return 0
    total = sum(work for _, _, work in pieces)
    return max(0, total - most_before(cal, res, pieces, start, r))


def early_pieces(cal, rid: str, early, start: dict[str, int], r: int
                 ) -> list[tuple[str, list[int], int]] | None:
    """(task, lengths, work) of tasks that can start before `r`: a task needing d units as d
    tasks on one each (a relaxation, so what gets done is still bounded above), each no longer
    than its working time before r; work in its least mode. None when there are too many, or
    a task's modes trade units for time."""
    if not early or len(early) > MOST_EARLY:
        return None
    pieces = []
    for t in early:
        demands = {m.demands.get(rid, 0) for m in t.modes}
        if len(demands) != 1:
            return None
        units, least = demands.pop(), min(m.duration for m in t.modes)
        pieces.append((t.id, [min(least, cal.working_in(start[t.id], r))] * units,
                       least * units))
    return pieces


def most_before(cal, res, pieces, start: dict[str, int], r: int) -> int:
    """The most crew-slots of `pieces` (early_pieces) a crew does before `r`: its capacity
    there, and a packing of whole tasks on its units."""
    if not pieces:
        return 0
    lo = min(start[tid] for tid, _, _ in pieces)
    lengths = [p for _, ps, _ in pieces for p in ps]
    units = max(res.capacity_at(s) for s in [lo] + [f for f, _ in res.steps if lo < f < r])
    return min(offered(cal, res, lo, r), _most_filled(lengths, units, cal.working_in(lo, r)))


def offered(cal, res, lo: int, hi: int) -> int:
    """Crew-slots the crew's capacity steps offer in working time in [lo, hi)."""
    total = 0
    for i, (frm, cap) in enumerate(res.steps):
        to = min(hi, res.steps[i + 1][0]) if i + 1 < len(res.steps) else hi
        if max(frm, lo) < to:
            total += cap * cal.working_in(max(frm, lo), to)
    return total


# The energetic bound's leftover before a threshold: up to this many tasks started before it,
# and this many states of the packing (beyond, no leftover is claimed).
MOST_EARLY = 12
MOST_PACKED = 20_000
MOST_FILLED = 3  # units packed (PSPLIB's crews of 10-20 units took 0.2 s an instance)


def _most_filled(lengths: list[int], units: int, window: int) -> int:
    """The most work `units` units do in `window` slots on tasks of these lengths, each task
    whole on one unit and a unit's last task maybe cut at the window's end: the largest sum of
    min(window, load) over the ways to share the tasks out (a packing, exact by dynamic
    programming over the units' loads; the plain min(units x window, total) past a budget)."""
    lengths = sorted((min(p, window) for p in lengths if p > 0), reverse=True)
    plain = min(units * window, sum(lengths))
    if units <= 0 or not lengths:
        return 0
    if units > MOST_FILLED or len(lengths) > MOST_EARLY:
        return plain  # many units or pieces: whole tasks leave little idle, and states abound
    loads = [0] * units
    for p in lengths:  # longest first on the least loaded unit: often fills the window
        loads[loads.index(min(loads))] += p
    if sum(min(window, x) for x in loads) >= plain:
        return plain
    states, seen = {tuple([0] * units)}, 0
    for p in lengths:
        grown = set(states)  # a task may also wait until after the window
        for state in states:
            for k in {k for k in range(units) if state[k] < window}:
                grown.add(tuple(sorted(state[:k] + (min(window, state[k] + p),)
                                       + state[k + 1:])))
        seen += len(grown)
        if seen > MOST_PACKED:
            return plain
        states = grown
    return max(sum(s) for s in states)


def _delivered(cal, res, begin: int, work: int, fits: list[int | None]) -> int:
    """The earliest slot by which the crew's capacity (its steps up and down, in working time)
    offers `work` crew-slots counted from `begin`. Before a drop from c to c' < c, the tasks
    still running at the drop hold at most c' units, so the other c - c' serve only tasks
    that end before it (`fits`): 63 h cooling loops cannot use a second pipefitter who leaves
    after 56 working hours."""
    for i, (frm, cap) in enumerate(res.steps):
        to = res.steps[i + 1][0] if i + 1 < len(res.steps) else None
        lo = max(frm, begin)
        if cap <= 0 or (to is not None and lo >= to):
            continue
        if to is None:
            return cal.finish(cal.next_working(lo), -(-work // cap))
        hours = cal.working_in(lo, to)
        below = res.steps[i + 1][1]
        offered = cap * hours
        fit = fits[i]
        if below < cap and fit is not None and \
                (i + 2 == len(res.steps) or cal.next_working(to) < res.steps[i + 2][0]):
            offered = min(offered, below * hours + fit)
        if offered >= work:
            return cal.finish(cal.next_working(lo), -(-work // cap))
        work -= offered
    return begin  # never enough crew: the model proves infeasibility, not this bound


def _work_on(rid: str, task) -> tuple[int, int]:
    """Crew-slots of `rid` a task takes in its least mode that spends no budget (or in its
    least mode, when every mode spends), and in its least mode."""
    work = [(m.duration * m.demands.get(rid, 0), bool(m.spends)) for m in task.modes]
    least = min(w for w, _ in work)
    return min((w for w, spends in work if not spends), default=least), least


def _budget_savings(plan: Plan, rid: str, users) -> float:
    """The most crew-slots of `rid` that modes paid from budgets can save over the tasks'
    free modes: each budget unit saves at most the best saving per unit any mode gets for it
    (five overtime hours buy at most five one-hour savings)."""
    rate: dict[str, float] = {}
    for t in users:
        base, _ = _work_on(rid, t)
        for m in t.modes:
            saved = base - m.duration * m.demands.get(rid, 0)
            for bid, amount in m.spends.items():
                if saved > 0:
                    rate[bid] = max(rate.get(bid, 0.0), saved / amount if amount else math.inf)
    total = sum(plan.budgets[b].total * r for b, r in rate.items())
    return math.inf if math.isinf(total) else math.floor(total)


class FlowBound:
    """Order statistics of the starts and finishes of each step of identical units.

    A group is the tasks one plan line made (a template step for every rack). For group G, S[k]
    and F[k] bound from below the k-th earliest start and finish over its tasks, in any
    schedule:
    - S[k] >= the k-th earliest critical-path start;
    - if each task of G needs its own predecessors in group H (disjoint sets, e.g. each rack's
      power-on needs that rack's cable), k of G cannot start before the r_k-th finish of H,
      r_k being the k smallest sets together; if each needs one shared predecessor (racks after
      their hall's cooling loop), r_k is the fewest predecessors that cover k tasks;
    - F[k] >= S[k] + the shortest duration, in working time;
    - crew R doing G (and the steps before it in the same unit on R, e.g. uncrate then position):
      of the first k finishers, at least k-j+1 started at or after S[j] and did all their work
      on R after it, so F[k] >= the time R's capacity (working time, capacity steps) delivers
      (k-j+1) x their energy from S[j] on, for every j: a fluid queue gives all k at once;
      whole tasks one after another on each unit the crew holds; and, when the modes differ
      in size, whole mode durations on each member of the crew.
    The finish is at least F[n] of every group plus the shortest chain after it.
    """

    def __init__(self, plan: Plan, cals: Calendars, horizon: int, start: dict[str, int],
                 after: dict[str, int], ends: Ends | None = None,
                 floors: dict[str, list[tuple[int, int]]] | None = None,
                 split: Split | None = None, dues: dict[str, list[int]] | None = None):
        self.plan, self.cals, self.horizon = plan, cals, horizon
        self.split = split
        self.dues = dues or {}  # step -> its k-th finish is by dues[k-1] (pair walks only)
        self.floors = {g: sorted(f) for g, f in (floors or {}).items()}
        self.es, self.after, self.ends = start, after, ends
        self.group_of: dict[str, str] = {}
        self.groups: dict[str, list[str]] = defaultdict(list)
        for task in plan.tasks.values():
            key = task.source or task.id
            self.group_of[task.id] = key
            self.groups[key].append(task.id)
        self.S: dict[str, list[int]] = {}
        self.F: dict[str, list[int]] = {}
        self._prefix: dict[tuple, list[int]] = {}
        self._preds: dict[str, dict[str, dict[str, list[str]]]] = {}
        self._memo: dict[tuple, Any] = {}  # per group: what the busy rounds ask again

    def bound(self) -> int:
        best = 0
        for g in self._group_order():
            tids = self.groups[g]
            self.S[g] = self._starts(g, tids)
            self.F[g] = self._floored(g, self._finishes(g, tids))
            for _ in range(MAX_BUSY_ROUNDS):  # later starts: finishes again from them
                if not self._busy(g, tids):
                    break
                self.F[g] = self._floored(g, self._finishes(g, tids))
            best = max(best, self.ends.least(tids, self.F[g][-1]) if self.ends is not None
                       else self.F[g][-1] + min(self.after[t] for t in tids))
        return min(best, self.horizon)

    def _floored(self, g: str, finishes: list[int]) -> list[int]:
        """F[g] raised by the floors given for it: (j, slot) says the j-th finish and every
        later one is at `slot` or later (scheduler/joint_bound.py splits on it)."""
        floors = self.floors.get(g, ())
        if not floors:
            return finishes
        i, least = 0, None  # the largest slot of the floors on finishes up to the k-th
        for k in range(len(finishes)):
            while i < len(floors) and floors[i][0] <= k + 1:
                least = floors[i][1] if least is None else max(least, floors[i][1])
                i += 1
            if least is not None and finishes[k] < least:
                finishes[k] = least
        return finishes

    def _group_order(self) -> list[str]:
        """Groups in dependency order; groups on a cycle of groups are left out (the bound
        stays valid, only weaker)."""
        preds: dict[str, set[str]] = {g: set() for g in self.groups}
        for task in self.plan.tasks.values():
            g = self.group_of[task.id]
            preds[g].update(self.group_of[lk.pred] for lk in task.links
                            if self.group_of[lk.pred] != g)
        succs: dict[str, list[str]] = {g: [] for g in self.groups}
        for g, ps in preds.items():
            for p in sorted(ps):
                succs[p].append(g)
        return dependency_order(self.groups, succs)

    def _starts(self, g: str, tids: list[str]) -> list[int]:
        starts = sorted(self.es[t] for t in tids)
        self._raise(starts, self._held(g, tids, (LinkType.FS, LinkType.SS)))
        for units in self._trucked(tids):  # the k-th to start takes the k-th unit there
            for k in range(len(starts)):
                starts[k] = max(starts[k], units[k])
            for k in range(1, len(starts)):
                starts[k] = max(starts[k], starts[k - 1])
        return starts

    def _trucked(self, tids: list[str]) -> list[list[int]]:
        """For each storage every task of tids takes one unit out of and only deliveries fill
        (a yard of CDUs each rack's cool-connect takes one of), when its units are there:
        the k-th of the tasks to start starts no sooner than the k-th unit (as in
        arrivals_bound). The first hall's connects wait for the first truck of CDUs."""
        if ("filled",) not in self._memo:  # storages some task puts units in
            self._memo[("filled",)] = {sid for t in self.plan.tasks.values() for sid in t.fills}
        tasks = [self.plan.tasks[t] for t in tids]
        out = []
        for sid, storage in self.plan.storages.items():
            if sid in self._memo[("filled",)] or any(t.empties.get(sid) != 1 for t in tasks):
                continue
            units = units_there(storage)
            if len(units) >= len(tids):
                out.append(units)
        return out

    def _held(self, g: str, tids: list[str], kinds) -> list[tuple[list[int], list[int], int]]:
        key = ("held", g, kinds)
        if key not in self._memo:  # the other groups' statistics are final by now
            self._memo[key] = self._held_by(g, tids, kinds)
        return self._memo[key]

    def _held_by(self, g: str, tids: list[str], kinds
                 ) -> list[tuple[list[int], list[int], int]]:
        """(order statistics of the other group, needed, lag) for each group every task of g
        waits for through links of these kinds: the k-th of g waits for the needed[k-1]-th of
        the other group (its finishes for FS and FF links, its starts for SS and SF)."""
        return [(self.F[h] if kind in (LinkType.FS, LinkType.FF) else self.S[h], needed, lag)
                for h, kind, needed, lag in self.waits_for(g, tids, kinds)]

    def gpus_by(self, gpus: int) -> tuple[str, int] | None:
        """(step, m): a GPU target of `gpus` is reached no sooner than the m-th task of the
        one step that brings GPUs online finishes (the fewest of its tasks with that many);
        None if several steps do."""
        steps = {self.group_of[t.id] for t in self.plan.tasks.values() if t.gpus}
        if len(steps) != 1:
            return None
        g = steps.pop()
        counts = sorted((self.plan.tasks[t].gpus for t in self.groups[g]), reverse=True)
        total = 0
        for k, n in enumerate(counts, 1):
            total += n
            if total >= gpus:
                return g, k
        return None

    def order(self) -> list[str]:
        """The steps in dependency order (see _group_order)."""
        return self._group_order()

    def paid_faster(self, g: str) -> int:
        """How many of g's tasks budgets can pay a faster mode for, when that is fewer than
        all and a crew does g's tasks one at a time (else 0: bounds.Split gains nothing)."""
        slow, least, fast = self._paid(g, None)
        tasks = [self.plan.tasks[t] for t in self.groups[g]]
        if slow == least or fast >= len(tasks) or not fast:
            return 0
        return fast if self._one_at_a_time(tasks) else 0

    def _one_at_a_time(self, tasks) -> bool:
        """Whether a crew every mode of these tasks uses never holds two of them at once (so
        they start in the order they finish)."""
        return at_once(self.plan, [m for t in tasks for m in t.modes]) == 1

    def waits_for(self, g: str, tids: list[str], kinds=tuple(LinkType)
                  ) -> list[tuple[str, LinkType, list[int], int]]:
        """(group, link kind, needed, lag) for each group every task of g waits for through
        links of these kinds (see _held_by)."""
        by_pred: dict[tuple[str, LinkType], dict[str, list[str]]] = defaultdict(dict)
        lags: dict[tuple[str, LinkType], int] = {}
        for t in tids:
            for lk in self.plan.tasks[t].links:
                h = self.group_of[lk.pred]
                if h == g or h not in self.F or lk.type not in kinds:
                    continue
                key = (h, lk.type)
                by_pred[key].setdefault(t, []).append(lk.pred)
                lags[key] = min(lags.get(key, lk.lag), lk.lag)
        out = []
        for (h, kind), sets in by_pred.items():
            if len(sets) < len(tids):
                continue  # some tasks of g do not wait for h
            needed = _needed(list(sets.values()))
            if needed is not None:
                out.append((h, kind, needed, lags[(h, kind)]))
        return out

    @staticmethod
    def _raise(order: list[int], held) -> None:
        for source, needed, lag in held:
            for k in range(len(order)):
                order[k] = max(order[k], source[needed[k] - 1] + lag)
        for k in range(1, len(order)):
            order[k] = max(order[k], order[k - 1])

    def _finishes(self, g: str, tids: list[str]) -> list[int]:
        tasks = [self.plan.tasks[t] for t in tids]
        calendars = {t.calendar for t in tasks}
        one = len(calendars) == 1
        # Mixed calendars: elapsed time finishes no later than any calendar would.
        cal = self.cals.get(next(iter(calendars)) if one else None)
        shortest = min(m.duration for t in tasks for m in t.modes)
        starts = self.S[g]
        finishes = [cal.finish(cal.next_working(s), shortest) if shortest else s for s in starts]
        if one and shortest:  # crews work only in this calendar: their energy bounds apply
            for rid in self._crews(tasks):
                for k, f in enumerate(self._fluid(g, rid, cal)):
                    finishes[k] = max(finishes[k], f)
                for k, f in enumerate(self._after_crew_work(g, tids, rid, cal)):
                    finishes[k] = max(finishes[k], f)
                for k, f in enumerate(self._unit_pieces(g, tids, rid, cal)):
                    finishes[k] = max(finishes[k], f)
            for k, f in enumerate(self._unit_chains(g, tids, cal, shortest)):
                finishes[k] = max(finishes[k], f)
            for k, f in enumerate(self._coupled(g, tids)):
                finishes[k] = max(finishes[k], f)
            for k, f in enumerate(self._walked_with_dues(g, tids)):
                finishes[k] = max(finishes[k], f)
            for k, f in enumerate(self._after_pair(g, tids)):
                finishes[k] = max(finishes[k], f)
        # Finish-to-finish (and start-to-finish) links: diagnostics end after their power-on.
        self._raise(finishes, self._held(g, tids, (LinkType.FF, LinkType.SF)))
        return finishes

    def _after_crew_work(self, g: str, tids: list[str], rid: str, cal) -> list[int]:
        """F[k] when g's tasks wait for tasks the same crew does first (cool-connects after
        their hall's cooling loop, both by the pipefitters): before k of g are done, the crew
        has done the k and the needed[k] predecessors they wait for, from the earliest start
        of either step on. The second hall's racks wait for two loops' work, not one."""
        work = self._least_work(g, rid)
        out: list[int] = []
        for h, sets in self._fs_preds(g).items():
            htasks = [self.plan.tasks[t] for t in self.groups[h]]
            if len(sets) < len(tids) or any(
                    t.calendar != cal.id or any(rid not in m.demands for m in t.modes)
                    for t in htasks):
                continue
            needed = _needed(list(sets.values()))
            if needed is None:
                continue
            first = min(self.F[h][0], cal.finish(cal.next_working(self.S[g][0]),
                                                 self._shortest(g)))
            prefix = self._capacity_prefix(rid, cal, first)
            base = prefix[min(self.horizon, self.S[h][0], self.S[g][0])]
            before = self._least_work(h, rid)
            levels = [base + needed[k] * before + (k + 1) * work for k in range(len(tids))]
            here = [min(bisect.bisect_left(prefix, lv), self.horizon) for lv in levels]
            out = here if not out else [max(a, b) for a, b in zip(out, here)]
        return out

    def _unit_chains(self, g: str, tids: list[str], cal, duration: int) -> list[int]:
        """F[k] from the crew's units one task at a time: each of the m units the crews hold
        does its tasks one after another, each at the first allowed slot after the last (no
        order does more by any time), so the k-th finish is at least the ceil(k/m)-th of that
        chain, from the step's earliest start. Whole tasks, unlike the crew-hours rate: four
        fiber techs on 8 h nights finish one 10 h cable each a night, not 3.2 cables' worth.
        The same from the j-th start on, with the units the crews hold from then (two fiber
        techs after the third leaves: two cables a night). The allowed slots are the working
        slots of the tasks' calendar, and, for tasks that must start within a maximum lag of
        the finish of a predecessor on a calendar, windows (a leak test within 2 h of a
        cool-connect done on the day shift starts between 09:00 and 18:00)."""
        windows = self._windows(g, tids) or [(0, self.horizon)]
        tasks = [self.plan.tasks[t] for t in tids]
        crews = self._crews(tasks)
        if not crews:
            return []
        least = {rid: max(1, min(m.demands[rid] for t in tasks for m in t.modes))
                 for rid in crews}
        # Only so many tasks get a faster mode a budget pays for: with no windows, each unit
        # may take them first (the earliest finishes); in windows, all may be fast.
        slow, _, fast = self._paid(g, None)
        if len(windows) > 1:
            fast = len(tids)
        starts = self.S[g]
        out = [0] * len(tids)
        firsts = [j for j in range(len(starts)) if not j or starts[j] > starts[j - 1]]
        chosen = firsts[::max(1, len(firsts) // 16)]
        split = self.split if self.split is not None and self.split.group == g else None
        if len(windows) > 1:
            split = None  # every task may be fast there (see above): no budget to share
        if split is not None and split.first < len(tids):
            chosen = sorted(set(chosen) | {split.first})
        for j in chosen:
            left = len(tids) - j
            falling = sorted(self._falling_units(crews, least, starts[j]), key=str)
            rising = sorted(self._rising_units(crews, least, starts[j]), key=str)
            # On a constant capacity both are the same units: chain them once.
            for units in (falling,) if falling == rising else (falling, rising):
                for lo, hi, most in self._shared(split, j, len(tids), fast):
                    merged = self._merged_chains(cal, windows, units, left, duration, slow,
                                                 most)
                    if merged is None:  # the crews never do them all
                        continue
                    for k in range(lo, hi):
                        out[k] = max(out[k], merged[k - j])
        return out

    def _shared(self, split: Split | None, j: int, n: int, fast: int
                ) -> list[tuple[int, int, int]]:
        """[(from, to, fast)]: the finishes k in [from, to) a chain from the j-th start bounds
        with at most `fast` tasks in the faster mode. Under a split of the budget, the first
        `first` finishers take at most `early` of them: so do those of them after the j-th
        start. The others take at most `late`, and the tasks started after the first-th are
        among them when the crew does one at a time (starts in the order of finishes): the
        second hall's power-ons, by the one tech, get what the first hall's left."""
        if split is None:
            return [(j, n, fast)]
        if j >= split.first:
            single = self._one_at_a_time([self.plan.tasks[t] for t in self.groups[split.group]])
            return [(j, n, min(fast, split.late) if single else fast)]
        return [(j, split.first, min(fast, split.early)), (split.first, n, fast)]

    def _merged_chains(self, cal, windows, units, left: int, duration: int, slow: int,
                       fast: int) -> list[int] | None:
        """The i-th earliest finish of `left` tasks on these units ((n, from, until) each),
        one after another on each unit, at most `fast` of them in the faster mode in all:
        the least over the ways to share those among the units, each unit taking its share
        first (one overtime power-on among three techs saves one of them an hour, not each).
        Past MOST_SHARES ways, each unit may take them all. None if they never do `left`."""
        chains: dict[tuple, list[int]] = {}

        def chain(begin, until, n, p):
            # Units there from `begin` until `until` do only the tasks they end by it.
            key = (begin, until, p)
            if key not in chains:
                chains[key] = self._one_by_one(cal, windows, begin, -(-left // n), duration,
                                               slow, p, until)
            return chains[key]

        shares = None if fast >= left else _shares(
            tuple(n for n, _, _ in units), fast, -(-left // min(n for n, _, _ in units)))
        if shares is None:
            shares = [[[fast] * n for n, _, _ in units]]
        least: list[int] | None = None
        for share in shares:
            merged = sorted(f for (n, begin, until), ps in zip(units, share) for p in ps
                            for f in chain(begin, until, n, p))
            if len(merged) < left:
                continue
            least = merged[:left] if least is None else [min(a, b) for a, b in zip(least, merged)]
        return least

    def _unit_pieces(self, g: str, tids: list[str], rid: str, cal) -> list[int]:
        """F[k] from what each member of crew `rid` can work on g's tasks when their modes
        differ in size: a cable done in 8 h by one tech or in 4 h by two puts 8 h or 4 h on
        each tech it takes, all on the same techs throughout (as in the unit chains, with a
        task on as many units as it takes: each member of the crew is a unit). So from the
        j-th start, a member's share of the k - j + 1 tasks begun then and done by F is a sum
        of mode durations within its working time to F, and the members' shares add up to
        (k - j + 1) times the least crew-slots a task takes. Three fiber techs on 10 h days
        have 87 h each for 32 such cables: 84 h of 8 h and 4 h pieces each, 252 crew-hours
        for 256; the crew-hours alone (261) say they fit."""
        modes = [m for t in tids for m in self.plan.tasks[t].modes]
        if len({(m.duration, m.demands[rid]) for m in modes}) < 2:
            return []  # one kind of mode: the unit chains count whole tasks already
        energy = min(m.duration * m.demands[rid] for m in modes)
        most = self._most_within(tuple(sorted({m.duration for m in modes})))
        starts, count = self.S[g], len(tids)
        out = [0] * count
        firsts = [j for j in range(count) if not j or starts[j] > starts[j - 1]]
        one = {rid: 1}
        for j in firsts[::max(1, len(firsts) // 16)]:
            at = cal.next_working(starts[j])
            falling = sorted(self._falling_units([rid], one, at), key=str)
            rising = sorted(self._rising_units([rid], one, at), key=str)
            for units in (falling,) if falling == rising else (falling, rising):
                k, work = j, 1
                while k < count:
                    end = cal.finish(at, work)
                    if end > self.horizon:
                        out[k:] = [max(f, self.horizon) for f in out[k:]]
                        break
                    done = sum(n * most[max(0, cal.working_in(begin, end if until is None
                                                              else min(end, until)))]
                               for n, begin, until in units)
                    while k < count and done >= (k - j + 1) * energy:
                        out[k] = max(out[k], end)
                        k += 1
                    work += 1
        return out

    def _most_within(self, pieces: tuple[int, ...]) -> list[int]:
        """most[w]: the largest sum of these lengths (each as often as wanted) within w, for
        w up to the horizon."""
        key = ("pieces", pieces)
        if key not in self._memo:
            size = self.horizon + 1
            reach = [True] + [False] * (size - 1)
            most = [0] * size
            for w in range(1, size):
                reach[w] = any(w >= p and reach[w - p] for p in pieces)
                most[w] = w if reach[w] else most[w - 1]
            self._memo[key] = most
        return self._memo[key]

    def _falling_units(self, crews: list[str], least: dict[str, int], at: int
                       ) -> list[tuple[int, int, int | None]]:
        """[(units, from, until: None for never)]: the units the crews hold from slot `at` on,
        a unit being what one task of the step takes of every crew, each until the crews never
        again hold it (the most they hold from then on is less): a pipefitter who leaves at
        06:00 ends no cool-connect begun the night before. Under a capacity that only falls
        every schedule has each task on one unit there over all its working slots (tasks
        latest-ending first, each on the lowest unit free at its last slot: no more overlap
        it there than the capacity, so that unit is held then and before); raising the
        capacity to the most held from each slot on makes it fall and only allows more."""
        leave: dict[int, int | None] = {}  # unit (1-based) -> the slot it leaves at
        count = None
        for rid in crews:
            steps = self._steps_from(rid, at)
            most = [0] * (len(steps) + 1)  # most units held from step i on
            for i in range(len(steps) - 1, -1, -1):
                most[i] = max(most[i + 1], steps[i][1] // least[rid])
            count = most[0] if count is None else min(count, most[0])
            for u in range(1, most[0] + 1):
                i = next((i for i in range(len(steps)) if most[i] < u), None)
                slot = None if i is None else max(at, steps[i][0])
                leave[u] = _sooner(leave[u], slot) if u in leave else slot
        return _grouped({u: (at, leave[u]) for u in range(1, (count or 0) + 1)})

    def _rising_units(self, crews: list[str], least: dict[str, int], at: int
                      ) -> list[tuple[int, int, int | None]]:
        """The same from the most the crews have held since `at`, which only rises: each unit
        from the slot it first comes (the second fiber tech from day 8). Every schedule has
        each task on one unit there over all its working slots (tasks earliest-starting
        first, each on the lowest unit free at its first slot)."""
        come: dict[int, int] = {}  # unit (1-based) -> the slot it comes at
        count = None
        for rid in crews:
            held = 0
            for frm, capacity in self._steps_from(rid, at):
                for u in range(held + 1, capacity // least[rid] + 1):
                    come[u] = max(come.get(u, at), frm, at)
                held = max(held, capacity // least[rid])
            count = held if count is None else min(count, held)
        return _grouped({u: (come[u], None) for u in range(1, (count or 0) + 1)})

    def _steps_from(self, rid: str, at: int) -> list[tuple[int, int]]:
        """The crew's capacity steps in force from slot `at` on."""
        steps = self.plan.resources[rid].steps
        i = max(0, bisect.bisect_right([frm for frm, _ in steps], at) - 1)
        return list(steps[i:])

    def _one_by_one(self, cal, windows, at: int, count: int, duration: int, slow: int,
                    fast: int, until: int | None = None) -> list[int]:
        """The finishes of `count` tasks done one after another from `at`, each at the first
        working slot in a window after the last (the first `fast` in `duration`, the rest in
        `slow`); the horizon for those that do not fit before it. With `until`, only those
        that end by it."""
        lows = [lo for lo, _ in windows]
        chain: list[int] = []
        while len(chain) < count and at < self.horizon:
            i = bisect.bisect_right(lows, at) - 1
            if i < 0 or at > windows[i][1]:  # between windows: the next one opens
                i += 1
                if i == len(windows):
                    break
                at = windows[i][0]
            begin = cal.next_working(at)
            if begin > windows[i][1]:  # no working slot of its own in this window
                at = begin
                continue
            at = cal.finish(begin, duration if len(chain) < fast else slow)
            if until is not None and at > until:
                return chain
            chain.append(min(at, self.horizon))
        if until is not None and until < self.horizon:
            return chain
        return chain + [self.horizon] * (count - len(chain))

    def _coupled(self, g: str, tids: list[str]) -> list[int]:
        """F[k] where g's tasks start within a maximum lag of their own predecessors' finish,
        or through a storage only the two steps use, and both have small crews: the two crews
        followed together (scheduler/crew_walk.py), the predecessors' k-th start from S[k]."""
        pair = coupled_pair(self.plan, tids, self.group_of) or \
            stored_pair(self.plan, tids, self.group_of)
        if pair is None or pair.first_group not in self.S or \
                len(self.groups[pair.first_group]) != len(tids):
            return []  # a predecessor without a test of its own would not wait for the gauge
        return pair_finishes(self.plan, self.cals, pair, self.S[pair.first_group],
                             self.horizon, self.crew_before(pair.first_group, pair.crews[0]),
                             self.dues.get(g))

    def _after_pair(self, g: str, tids: list[str]) -> list[int]:
        """F[k] where each of g's tasks starts after its own task of a pair's second step
        (a power-on after its rack's leak test, tested within a lag of its cool-connect) on a
        small crew: the three crews followed together (crew_walk.py, Tail). The
        flow line takes the tests' order statistics from different schedules: seed 553 of
        bench/varied.py has 18 tests by Friday 14:00 in one and a Friday's work for both techs
        in another, but the schedules with the 18 leave one tech idle on Friday afternoon."""
        if self.split is not None or self.floors or self.dues:
            return []  # the plain passes only: the split and reach floors take many
        crew = crew_of(self.plan, tids)
        walks = []
        for h in self._each_follows(g) if crew else ():
            pair = coupled_pair(self.plan, self.groups[h], self.group_of)
            if pair is not None and pair.first_group in self.S and \
                    len(self.groups[pair.first_group]) == len(tids):
                walks.insert(0, (pair, self.crew_before(pair.first_group, pair.crews[0])))
                continue
            # A crew alone, if it lays what its tasks wait for (the electricians who energise
            # the halls, then power the racks): the chains see it otherwise.
            crew_h = crew_of(self.plan, self.groups[h])
            before = self.crew_before(h, crew_h) if crew_h else None
            if before is not None:
                walks.append((alone(h, self.groups[h], crew_h), before))
        slow, least, paid = self._paid(g, None) if walks else (0, 0, 0)
        out: list[int] = []
        for pair, before in walks:  # seed 553 needs the pair's, seed 862 the crew alone's
            got = tail_finishes(self.plan, self.cals, pair, self.S[pair.first_group],
                                self.horizon, before, Tail(crew, slow, least, paid,
                                                           tuple(self.S[g])))
            out = [max(a, b) for a, b in itertools.zip_longest(out, got, fillvalue=0)]
        return out

    def _each_follows(self, g: str) -> list[str]:
        """The steps h each of g's tasks follows one task of, a different one each, as many as
        g has, by its one link from h (finish to start, no negative lag, no maximum lag)."""
        def only(t: str, h: str) -> bool:
            links = [lk for lk in self.plan.tasks[t].links if self.group_of.get(lk.pred) == h]
            return len(links) == 1 and links[0].max_lag is None
        return [h for h, lag, _ in self._one_to_ones(g)
                if lag >= 0 and all(only(t, h) for t in self.groups[g])]

    def _walked_with_dues(self, g: str, tids: list[str]) -> list[int]:
        """F[k] for schedules that reach a soft target in time (self.dues), where g's crew
        lays what they wait for first: the crew alone followed slot by slot with the dues
        on g (scheduler/crew_walk.py). The pair walk with the tests' dues does this too, but
        it may grow too long (seed 918 of bench/varied.py: three gauges on 4 h tests); the
        crew alone keeps what couples the finish to the reach there, the second loop laid
        before the second hall's connects and the third loop after them."""
        due = self.dues.get(g)
        crew = crew_of(self.plan, tids) if due else None
        before = self.crew_before(g, crew) if crew else None
        if before is None:
            return []
        return pair_finishes(self.plan, self.cals, alone(g, tids, crew), self.S[g], self.horizon,
                             before, due, MOST_ALONE)

    def crew_before(self, first: str, crew) -> Before | None:
        """The tasks of its crew step `first` waits for (see _after_crew_work); `crew` is
        (crew, units, duration, calendar) as scheduler/crew_walk.py has it."""
        rid, cal_id = crew[0], crew[3]
        tids = self.groups[first]
        for h, sets in self._fs_preds(first).items():
            tasks = [self.plan.tasks[t] for t in self.groups[h]]
            if len(sets) < len(tids) or any(
                    t.calendar != cal_id or any(rid not in m.demands for m in t.modes)
                    for t in tasks):
                continue
            needed = _needed(list(sets.values()))
            if needed is not None:
                return Before(self.S[h], needed, min(m.demands[rid] for t in tasks for m in
                                                     t.modes),
                              min(m.duration for t in tasks for m in t.modes), sets)
        return None

    def _windows(self, g: str, tids: list[str]) -> list[tuple[int, int]] | None:
        """Closed ranges of slots g's tasks may start in, from one kind of maximum-lag link
        all of them have from a predecessor on a calendar; None when there is none."""
        kinds = set()
        for t in tids:
            kind = None
            for lk in self.plan.tasks[t].links:
                pred = self.plan.tasks[lk.pred]
                if lk.type == LinkType.FS and lk.max_lag is not None and \
                        pred.calendar is not None and min(m.duration for m in pred.modes) > 0:
                    kind = (pred.calendar, lk.lag, lk.max_lag)
                    break
            if kind is None:
                return None
            kinds.add(kind)
        if len(kinds) != 1:
            return None
        cal_id, lag, most = kinds.pop()
        out: list[tuple[int, int]] = []
        # A predecessor finishes at the end of one of its working slots: a + 1 .. b + 1.
        for a, b in self.cals.get(cal_id).working_intervals(self.horizon):
            lo, hi = a + 1 + lag, b + 1 + most
            if out and lo <= out[-1][1] + 1:
                out[-1] = (out[-1][0], max(out[-1][1], hi))
            else:
                out.append((lo, hi))
        return out

    def _least_work(self, g: str, rid: str) -> int:
        return min(min(m.duration * m.demands[rid] for m in self.plan.tasks[t].modes)
                   for t in self.groups[g])

    def _busy(self, g: str, tids: list[str]) -> bool:
        """Raise S[g] from F[g]: the k-th start is a working slot of the tasks' calendar, at
        which every task started and not yet finished is working on the crews every mode uses,
        so at most m of them, m what the crews hold then; the other k - m have finished. So
        s_k >= f_(k-m(s_k)): the racks positioned after a weekend start on Monday, not the
        Friday the riggers' finishes alone allow. True when S[g] went up."""
        tasks = [self.plan.tasks[t] for t in tids]
        calendars = {t.calendar for t in tasks}
        crews = self._crews(tasks)
        if len(calendars) != 1 or not crews or min(m.duration for t in tasks for m in t.modes) == 0:
            return False
        cal = self.cals.get(next(iter(calendars)))
        steps = sorted({frm for rid in crews for frm, _ in self.plan.resources[rid].steps})

        least = {rid: min(m.demands[rid] for t in tasks for m in t.modes) for rid in crews}

        def most(at: int) -> int:  # tasks of g that can work at once at slot `at`
            return min(self.plan.resources[rid].capacity_at(at) // least[rid] for rid in crews)

        starts, finishes, raised = self.S[g], self.F[g], False
        for k in range(len(starts)):
            best = None
            for i, frm in enumerate(steps):  # the earliest slot allowed in each capacity step
                to = steps[i + 1] if i + 1 < len(steps) else None
                m = most(frm)
                at = max(starts[k], frm, finishes[k - m] if m <= k else 0)
                at = cal.next_working(at)
                if (to is None or at < to) and (best is None or at < best):
                    best = at
                    if at <= starts[k]:
                        break
            if best is not None and best > starts[k]:
                starts[k], raised = best, True
        for k in range(1, len(starts)):
            starts[k] = max(starts[k], starts[k - 1])
        return raised

    def _crews(self, tasks) -> list[str]:
        key = ("crews", tasks[0].source or tasks[0].id, len(tasks))
        if key not in self._memo:
            self._memo[key] = self._common(tasks)
        return self._memo[key]

    def _common(self, tasks) -> list[str]:
        """Resources every mode of every task uses."""
        common = None
        for t in tasks:
            for m in t.modes:
                common = set(m.demands) if common is None else common & set(m.demands)
        return sorted(common or ())

    def _fluid(self, g: str, rid: str, cal) -> list[int]:
        """F[k] from crew `rid`'s capacity, with the same unit's earlier steps on `rid`."""
        chain = self._chain(g, rid)
        energy = sum(min(min(m.duration * m.demands[rid] for m in self.plan.tasks[t].modes)
                         for t in self.groups[h]) for h in chain)
        releases = self.S[chain[-1]]
        # The soonest any task of the chain can end (all in `cal`, or no drop is used).
        same = all(self.plan.tasks[t].calendar == cal.id for h in chain for t in self.groups[h])
        first_end = min(cal.finish(cal.next_working(self.S[h][0]), self._shortest(h))
                        for h in chain) if same else 0
        prefix = self._capacity_prefix(rid, cal, first_end)
        out, level = [], 0
        for s in releases:
            level = max(level, prefix[min(s, self.horizon)]) + energy
            out.append(min(bisect.bisect_left(prefix, level), self.horizon))
        # Modes paid from a budget: only so many tasks get the faster ones (one overtime
        # hour buys one 2 h power-on, the rest take 3 h). From the j-th release on, the
        # k - j + 1 tasks that start then do at least E(k - j + 1) crew-slots of work.
        steps = [self._paid(h, rid) for h in chain]
        fast = min(n for _, _, n in steps)
        if fast < len(releases):
            firsts = [j for j in range(len(releases)) if not j or releases[j] > releases[j - 1]]
            for j in firsts[::max(1, len(firsts) // 64)]:
                base = prefix[min(releases[j], self.horizon)]
                for k in range(j, len(releases)):
                    n = k - j + 1
                    work = sum(n * free - min(n, fast) * (free - least)
                               for free, least, _ in steps)
                    out[k] = max(out[k], min(bisect.bisect_left(prefix, base + work),
                                             self.horizon))
        return out

    def _paid(self, g: str, rid: str | None) -> tuple[int, int, int]:
        key = ("paid", g, rid)
        if key not in self._memo:
            self._memo[key] = self._paid_of(g, rid)
        return self._memo[key]

    def _paid_of(self, g: str, rid: str | None) -> tuple[int, int, int]:
        """(the least work of g's tasks in modes no budget pays for, the least in any mode, the
        most tasks the budgets can pay a faster mode for). Work is crew-slots of `rid`, or
        slots of duration for rid None."""
        def work(m) -> int:
            return m.duration * (m.demands.get(rid, 0) if rid else 1)

        tasks = [self.plan.tasks[t] for t in self.groups[g]]
        least = min(work(m) for t in tasks for m in t.modes)
        free = min((work(m) for t in tasks for m in t.modes if not m.spends), default=least)
        if free == least:
            return free, least, len(tasks)
        cheapest: dict[str, int] = {}  # per budget, the least a faster mode spends of it
        for t in tasks:
            for m in t.modes:
                if work(m) < free:
                    if not m.spends:
                        return free, least, len(tasks)
                    for b, q in m.spends.items():
                        cheapest[b] = min(cheapest.get(b, q), q)
        if any(q <= 0 for q in cheapest.values()):
            return free, least, len(tasks)
        # Each faster task spends at least that much of some budget.
        paid = sum(self.plan.budgets[b].total // q for b, q in cheapest.items())
        return free, least, min(len(tasks), paid)

    def _chain(self, g: str, rid: str) -> list[str]:
        key = ("chain", g, rid)
        if key not in self._memo:
            self._memo[key] = self._chain_of(g, rid)
        return self._memo[key]

    def _chain_of(self, g: str, rid: str) -> list[str]:
        """g, then each earlier step of the same units that also uses `rid`, linked one to one."""
        chain = [g]
        while True:
            tids = self.groups[chain[-1]]
            preds = {}
            for t in tids:
                for lk in self.plan.tasks[t].links:
                    h = self.group_of[lk.pred]
                    if lk.type == LinkType.FS and h != chain[-1] and h in self.F and \
                            all(rid in m.demands for m in self.plan.tasks[lk.pred].modes):
                        preds.setdefault(h, []).append((t, lk.pred))
            # One to one: every task has exactly one predecessor there, each a different one.
            step = next((h for h, pairs in preds.items() if len(pairs) == len(tids)
                         and len({t for t, _ in pairs}) == len(tids)
                         and len({p for _, p in pairs}) == len(tids)
                         and len(self.groups[h]) == len(tids)), None)
            if step is None or step in chain:
                return chain
            chain.append(step)

    def line(self, g: str) -> Line | None:
        """Group g as a Line, if its tasks gather units of another step.

        Walking back from g through steps linked one to one (acceptance, burn-in, fabric test)
        to a step whose tasks each wait for their own set of tasks of group H (an array's racks'
        diagnostics), each g task finishes at least `delay` (the shortest durations and lags on
        the way) after the last of its set in H. So the first k g tasks to finish gather m
        units, and the last of them is done no sooner than the m-th finish in H (its order
        statistics F) plus the delay. Unlike the count order statistics alone, this does not
        let a short partial array lead while every full array's GPUs are counted as early."""
        if g not in self.F:  # left out of the flow line (on a cycle of groups)
            return None
        step, delay, unit_of = g, 0, {t: t for t in self.groups[g]}
        while True:
            delay += self._shortest(step)
            hop = self._one_to_one(step)
            if hop is None:
                break
            step, lag, pred_of = hop
            delay += lag
            unit_of = {t: pred_of[u] for t, u in unit_of.items()}
        gathered = self._gathered(step)
        if gathered is None:
            return None
        h, lag, sets = gathered
        kinds: dict[tuple[int, int], int] = defaultdict(int)
        for t, u in unit_of.items():
            kinds[(len(sets[u]), self.plan.tasks[t].gpus)] += 1
        return Line(tuple((size, gpus, n) for (size, gpus), n in sorted(kinds.items())),
                    tuple(self.F[g]), tuple(f + delay + lag for f in self.F[h]))

    def _shortest(self, g: str) -> int:
        return min(min(m.duration for m in self.plan.tasks[t].modes) for t in self.groups[g])

    def _fs_preds(self, g: str) -> dict[str, dict[str, list[str]]]:
        """{group h: {task of g: its FS predecessors in h}} (once g's predecessors have their
        order statistics, which does not change after)."""
        if g in self._preds:
            return self._preds[g]
        out: dict[str, dict[str, list[str]]] = defaultdict(dict)
        for t in self.groups[g]:
            for lk in self.plan.tasks[t].links:
                h = self.group_of[lk.pred]
                if lk.type == LinkType.FS and h != g and h in self.F:
                    out[h].setdefault(t, []).append(lk.pred)
        if g in self.F:
            self._preds[g] = out
        return out

    def _lag(self, g: str, h: str) -> int:
        return min(lk.lag for t in self.groups[g] for lk in self.plan.tasks[t].links
                   if lk.type == LinkType.FS and self.group_of[lk.pred] == h)

    def _one_to_one(self, g: str) -> tuple[str, int, dict[str, str]] | None:
        """A group h every task of g waits for through exactly one task of its own."""
        return next(self._one_to_ones(g), None)

    def _one_to_ones(self, g: str):
        """Each such group: (h, the least lag, task of g -> its task of h)."""
        tids = self.groups[g]
        for h, sets in self._fs_preds(g).items():
            if len(sets) == len(tids) == len(self.groups[h]) and \
                    all(len(ps) == 1 for ps in sets.values()) and \
                    len({ps[0] for ps in sets.values()}) == len(tids):
                yield h, self._lag(g, h), {t: ps[0] for t, ps in sets.items()}

    def _gathered(self, g: str) -> tuple[str, int, dict[str, list[str]]] | None:
        """A group h every task of g waits for through its own (disjoint) set of h's tasks."""
        tids = self.groups[g]
        for h, sets in self._fs_preds(g).items():
            members = [p for ps in sets.values() for p in ps]
            if len(sets) == len(tids) and len(set(members)) == len(members) > len(tids):
                return h, self._lag(g, h), sets
        return None

    def _capacity_prefix(self, rid: str, cal, first_end: int = 0) -> list[int]:
        """prefix[t] = crew-slots `rid` offers in working slots before t, to tasks of calendar
        `cal` none of which can end before `first_end`: before a drop in capacity that comes
        sooner, only the units left after it can serve them (a task working across the drop
        holds part of the lower capacity; see _delivered)."""
        res = self.plan.resources[rid]
        steps = list(res.steps)
        for i in range(len(steps) - 1):
            (frm, cap), (to, low) = steps[i], steps[i + 1]
            resumes = cal.next_working(to)
            if low < cap and resumes < first_end and \
                    (i + 2 == len(steps) or resumes < steps[i + 2][0]):
                steps[i] = (frm, low)
        key = (rid, cal.id, tuple(steps))
        if key not in self._prefix:
            prefix = [0]
            at, j = steps[0][1], 0
            for t in range(self.horizon):
                while j + 1 < len(steps) and steps[j + 1][0] <= t:
                    j += 1
                    at = steps[j][1]
                prefix.append(prefix[-1] + (at if cal.is_working(t) else 0))
            self._prefix[key] = prefix
        return self._prefix[key]


# Rounds of starts raised from finishes and finishes from starts, per step of the flow line.
MAX_BUSY_ROUNDS = 8

# Exact knapsack up to this many kinds of unit (units per task, GPUs); beyond, its LP relaxation.
MAX_KINDS = 20


MOST_SHARES = 64  # ways to share a budget's faster tasks among units, else each takes all


@functools.lru_cache(maxsize=4096)
def _shares(sizes: tuple[int, ...], total: int, cap: int) -> tuple | None:
    """Every way to give `total` tasks, or all the units can take (no more than `cap` a
    unit), to groups of identical units of these sizes: per group, a non-increasing tuple of
    each unit's share (fewer never finish sooner). None past MOST_SHARES ways."""
    room = [cap * sum(sizes[i:]) for i in range(len(sizes))] + [0]
    give = min(total, room[0])
    out: list[tuple] = []

    def parts(n: int, q: int, top: int):  # q as n non-increasing parts, each <= top
        if n == 0:
            if q == 0:
                yield ()
            return
        for first in range(min(q, top), -(-q // n) - 1, -1):
            for rest in parts(n - 1, q - first, first):
                yield (first,) + rest

    def walk(i: int, left: int, acc: tuple) -> bool:
        if i == len(sizes):
            out.append(acc)
            return len(out) <= MOST_SHARES
        # this group takes q, the groups after it the rest (no more than they have room for)
        for q in range(min(left, cap * sizes[i]), max(0, left - room[i + 1]) - 1, -1):
            for ps in parts(sizes[i], q, cap):
                if not walk(i + 1, left - q, acc + (ps,)):
                    return False
        return True

    return tuple(out) if walk(0, give, ()) else None


def _grouped(spans: dict[int, tuple[int, int | None]]) -> list[tuple[int, int, int | None]]:
    """[(units, from, until)] from {unit: (from, until)}: units with the same span together."""
    counts: dict[tuple[int, int | None], int] = defaultdict(int)
    for span in spans.values():
        counts[span] += 1
    return [(n, begin, until) for (begin, until), n in counts.items()]


def _sooner(a: int | None, b: int | None) -> int | None:
    """The earlier of two slots, None being never."""
    return b if a is None else a if b is None else min(a, b)


def _knapsack(kinds: tuple[tuple[int, int, int], ...], units: int) -> list[int]:
    """best[m] >= the most GPUs tasks of these kinds (units each, GPUs each, how many) bring
    within m units, m = 0..units. Exact over few kinds (a build-out has one or two: full arrays
    and a partial one), by bounded knapsack with binary splitting; else the fractional
    relaxation, rounded down."""
    if len(kinds) > MAX_KINDS:
        return _fractional([(size, gpus) for size, gpus, n in kinds for _ in range(n)], units)
    best = [0] * (units + 1)
    for size, gpus, count in kinds:
        take = 1
        while count > 0:  # 1, 2, 4, ... copies: any count up to the total is a sum of these
            n = min(take, count)
            count -= n
            take *= 2
            w, v = size * n, gpus * n
            if w <= units:
                best = best[:w] + [max(a, b + v) for a, b in zip(best[w:], best)]
    for m in range(1, units + 1):
        best[m] = max(best[m], best[m - 1])
    return best


def _fractional(items: list[tuple[int, int]], units: int) -> list[int]:
    items = sorted(items, key=lambda item: item[1] / item[0], reverse=True)
    best, i, used, whole = [0], 0, 0, 0
    for m in range(1, units + 1):
        while i < len(items) and used + items[i][0] <= m:
            whole += items[i][1]
            used += items[i][0]
            i += 1
        best.append(whole + (items[i][1] * (m - used) // items[i][0] if i < len(items) else 0))
    return best


def _needed(sets: list[list[str]]) -> list[int] | None:
    """needed[k-1]: the fewest predecessors that must be done before k of the tasks can start,
    for disjoint predecessor sets or a single shared predecessor each; None otherwise."""
    members = [p for ps in sets for p in ps]
    if len(set(members)) == len(members):
        out, total = [], 0
        for size in sorted(len(ps) for ps in sets):
            total += size
            out.append(total)
        return out
    if all(len(ps) == 1 for ps in sets):
        fanout = defaultdict(int)
        for ps in sets:
            fanout[ps[0]] += 1
        out, covered, used = [], 0, 0
        for n in sorted(fanout.values(), reverse=True):
            used += 1
            covered += n
            out.extend([used] * n)
        return out
    return None
