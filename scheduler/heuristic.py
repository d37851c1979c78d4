"""Priority-rule list scheduling (serial schedule generation): a feasible schedule in seconds.

It seeds CP-SAT as a hint, gives the model its horizon, and is the fallback answer. It respects
precedence and lags, calendars, releases, capacities over time and storage; tasks tied by maximum
lags are placed together, a predecessor delayed until its successor fits.

Resources are held over a task's whole span [start, finish), as in the CP-SAT model, so the result
is always a valid hint.
"""

from __future__ import annotations

import bisect
import copy
import heapq
import itertools
import time

import numpy as np

from .calendar import Calendars, lag_end
from .modes import usable_modes
from .plan import LinkType, Plan
from .schedule import ScheduledTask, make_task


class Profile:
    """An integer per slot that grows on demand; `fill` is the value of unseen slots."""

    def __init__(self, fill: int = 0):
        self.values: list[int] = []
        self.fill = fill

    def ensure(self, n: int) -> None:
        if n > len(self.values):
            self.values.extend([self.fill] * (n - len(self.values) + 256))

    def add(self, lo: int, hi: int, amount: int) -> None:
        self.ensure(hi)
        vals = self.values
        for t in range(lo, hi):
            vals[t] += amount


class StorageTrack:
    """A storage's level and room per slot, as arrays: a fill's floor is the slot after the
    last one where its units would not fit, a whole-array question numpy answers at C speed
    (the slot-by-slot scan in Python was a third of every Colossus list schedule)."""

    def __init__(self, storage):
        steps = storage.steps
        n = max([s for s, _ in steps] + [max(0, s) for s, _ in storage.arrivals]) + 1
        self.room = np.array([storage.capacity_at(t) for t in range(n)], dtype=np.int64)
        self.room_tail = steps[-1][1]
        self.level = np.full(n, storage.initial, dtype=np.int64)
        self.level_tail = storage.initial
        for slot, qty in storage.arrivals:
            self.shift(max(0, slot), qty)  # delivered before the start: there from the start

    def __len__(self) -> int:
        return len(self.level)

    def ensure(self, n: int) -> None:
        if n > len(self.level):
            grow = n - len(self.level) + 256
            self.level = np.concatenate((self.level, np.full(grow, self.level_tail)))
            self.room = np.concatenate((self.room, np.full(grow, self.room_tail)))

    def shift(self, slot: int, delta: int) -> None:
        """`delta` units more in storage from `slot` on."""
        self.ensure(slot + 1)
        self.level[slot:] += delta
        self.level_tail += delta

    def fill_floor(self, q: int) -> int | None:
        """Earliest slot from which `q` more units fit for good; None if they never do."""
        if self.level_tail + q > self.room_tail:
            return None
        tight = np.flatnonzero(self.level + q > self.room)
        return int(tight[-1]) + 1 if len(tight) else 0

    def empty_floor(self, q: int) -> int | None:
        """Earliest slot from which `q` units can be taken out for good; None if never."""
        if self.level_tail < q:
            return None
        short = np.flatnonzero(self.level < q)
        return int(short[-1]) + 1 if len(short) else 0


def capacity_profile(res) -> Profile:
    """A resource's capacity per slot, its capacity steps included."""
    prof = Profile(res.steps[-1][1])
    prof.values = [res.capacity_at(t) for t in range(res.steps[-1][0] + 1)]
    return prof


def topological_order(plan: Plan) -> list[str]:
    succ = plan.successors()
    # dict.fromkeys keeps the plan's order: no hash-seed effects on the result
    return dependency_order(plan.tasks, {t: list(dict.fromkeys(s for s, _ in succ[t]))
                                         for t in plan.tasks})


def dependency_order(nodes, after) -> list:
    """Kahn's order: each node before every node listed in `after[node]`; nodes on a cycle are
    left out. Ties go to the node made ready last (deterministic for ordered inputs)."""
    waiting = {n: 0 for n in nodes}
    for n in nodes:
        for m in after[n]:
            waiting[m] += 1
    ready = [n for n, count in waiting.items() if count == 0]
    order = []
    while ready:
        n = ready.pop()
        order.append(n)
        for m in after[n]:
            waiting[m] -= 1
            if waiting[m] == 0:
                ready.append(m)
    return order


def tails(plan: Plan, order: list[str], succ=None) -> dict[str, int]:
    """Longest path (in work slots, shortest mode) from each task's start to the project end."""
    return tails_and_afters(plan, order, succ)[0]


def tails_and_afters(plan: Plan, order: list[str], succ=None
                     ) -> tuple[dict[str, int], dict[str, int]]:
    """Lower bounds on (project end - each task's start) and (project end - its finish), in
    work slots with the shortest modes. A finish-to-finish successor holds what follows its own
    finish too: a rack's diagnostics end after its power-on, and the array's fabric test and
    burn-in come after them."""
    succ = succ if succ is not None else plan.successors()
    tail: dict[str, int] = {}
    after: dict[str, int] = {}
    for tid in reversed(order):
        dur = min(m.duration for m in plan.tasks[tid].modes)
        from_start, from_finish = 0, 0
        for nxt, link in succ[tid]:
            if link.type == LinkType.FS:
                from_finish = max(from_finish, link.lag + tail[nxt])
            elif link.type == LinkType.FF:
                from_finish = max(from_finish, link.lag + after[nxt])
            elif link.type == LinkType.SS:
                from_start = max(from_start, link.lag + tail[nxt])
            else:
                from_start = max(from_start, link.lag + after[nxt])
        after[tid] = from_finish
        tail[tid] = max(dur + from_finish, from_start)
    return tail, after


def earliest_finishes(plan: Plan, cals: Calendars) -> tuple[dict[str, int], dict[str, int]]:
    """Earliest start and finish of every task, ignoring resources and storage."""
    start: dict[str, int] = {}
    finish: dict[str, int] = {}
    for tid in topological_order(plan):
        task = plan.tasks[tid]
        ls, le = task.release, 0
        for link in task.links:
            if link.type == LinkType.FS:
                ls = max(ls, lag_end(cals, link, finish[link.pred]))
            elif link.type == LinkType.SS:
                ls = max(ls, lag_end(cals, link, start[link.pred]))
            elif link.type == LinkType.FF:
                le = max(le, lag_end(cals, link, finish[link.pred]))
            else:
                le = max(le, lag_end(cals, link, start[link.pred]))
        cal = cals.get(task.calendar)
        ends = []
        for mode in task.modes:
            s = ls if mode.duration == 0 else cal.next_working(ls)
            ends.append(cal.finish(s, mode.duration))
        start[tid] = ls
        finish[tid] = max(min(ends), le)
    return start, finish


def reference_modes(plan: Plan, usable: dict[str, tuple[int, ...]] | None = None
                    ) -> dict[str, int] | None:
    """A mode per task whose spending fits every budget, or None if this search finds none.

    Starts from each task's cheapest mode (spend as a share of each budget) and, while a budget
    is overspent, makes the single mode change that cuts the overspend most. The list scheduler
    keeps this choice affordable for every task not yet placed.
    """
    totals = {b: max(1, budget.total) for b, budget in plan.budgets.items()}

    def share(mode) -> float:
        return sum(q / totals[b] for b, q in mode.spends.items() if b in totals)

    usable = usable if usable is not None else usable_modes(plan)

    def modes(tid):
        return usable.get(tid, range(len(plan.tasks[tid].modes)))

    choice = {tid: min(modes(tid), key=lambda m, t=t: (share(t.modes[m]), t.modes[m].duration))
              for tid, t in plan.tasks.items()}
    spent = _spending(plan, choice)

    def over(spending) -> int:
        return sum(max(0, spending[b] - plan.budgets[b].total) for b in spending)

    excess = over(spent)
    while excess:
        best = None
        for tid, task in plan.tasks.items():
            now = task.modes[choice[tid]].spends
            for m in modes(tid):
                mode = task.modes[m]
                trial = {b: spent[b] - now.get(b, 0) + mode.spends.get(b, 0) for b in spent}
                gain = excess - over(trial)
                if gain > 0 and (best is None or gain > best[0]):
                    best = (gain, tid, m, trial)
        if best is None:
            return None
        _, tid, m, spent = best
        choice[tid] = m
        excess = over(spent)
    return choice


def _spending(plan: Plan, choice: dict[str, int]) -> dict[str, int]:
    spent = {bid: 0 for bid in plan.budgets}
    for tid, m in choice.items():
        for bid, q in plan.tasks[tid].modes[m].spends.items():
            spent[bid] += q
    return spent


class ListScheduler:
    """Serial schedule generation over the temporal network's strongly connected components.

    A maximum lag is a backward arc (successor -> predecessor) of the temporal network; tasks
    tied by such arcs, and every task on a path between them, form a strongly connected
    component. Each component is placed as a block once everything before it is placed: its
    tasks in precedence order, and when a successor cannot start within its maximum lag, the
    predecessor's earliest start moves later and the block is placed again (the cycle-structure
    approach of Franck, Neumann and Schwindt for RCPSP/max). Delays only move into time where
    the block's crews are eventually free, so a block that fits on its own is always placed.
    """

    def __init__(self, plan: Plan, cals: Calendars | None = None):
        self.plan = plan
        self.cals = cals or Calendars(plan)
        self.order = topological_order(plan)
        self.tail = tails(plan, self.order)
        self.succ = plan.successors()
        self.usable = usable_modes(plan)
        self.reference = reference_modes(plan, self.usable) if plan.budgets else {}
        self.given: dict = {}
        self.ranks: dict[str, int] = {}
        self.rank: dict[str, int] | None = None
        self.blocks = temporal_blocks(plan, self.order, self.succ)
        self.block_of = {tid: b for b, tids in enumerate(self.blocks) for tid in tids}
        self.block_preds = [len({lk.pred for tid in tids for lk in plan.tasks[tid].links
                                 if self.block_of[lk.pred] != b})
                            for b, tids in enumerate(self.blocks)]
        # {task: the other blocks it is a predecessor of}: placing it counts down each once.
        self.block_succ = {tid: list(dict.fromkeys(self.block_of[s] for s, _ in self.succ[tid]
                                                   if self.block_of[s] != self.block_of[tid]))
                           for tid in plan.tasks}
        self.last_step = {rid: r.steps[-1][0] for rid, r in plan.resources.items()}
        # Tasks with a maximum lag to a predecessor: their placement is checked against it.
        self.tied = {t.id for t in plan.tasks.values()
                     if any(lk.max_lag is not None for lk in t.links)}
        self.max_cap = {rid: r.max_capacity for rid, r in plan.resources.items()}
        self.last_cap = {rid: r.steps[-1][1] for rid, r in plan.resources.items()}

    def for_plan(self, plan: Plan) -> ListScheduler:
        """A scheduler for `plan`, the same tasks and links as this one's with other durations,
        releases or capacities (a risk iteration): the structure is shared, not rebuilt.

        Priorities keep this plan's tails, as crews on site dispatch by the plan, not by
        durations they cannot know yet; the usable modes stay too (a task's modes scale with
        one draw, so which dominates which does not change, and capacity losses are spells,
        not for ever)."""
        other = copy.copy(self)
        other.plan = plan
        if plan.budgets:
            other.reference = reference_modes(plan, other.usable)
        other.rank = None
        if plan.resources is not self.plan.resources:
            other.last_step = {rid: r.steps[-1][0] for rid, r in plan.resources.items()}
            other.max_cap = {rid: r.max_capacity for rid, r in plan.resources.items()}
            other.last_cap = {rid: r.steps[-1][1] for rid, r in plan.resources.items()}
        return other

    def run(self, rule: str = "tail", deadline: float | None = None, given=None,
            floors: dict[str, int] | None = None, ranks: dict[str, int] | None = None):
        """A schedule {task: ScheduledTask}, or None if no block could be placed (storage that
        never fills, a crew that never has room) or the deadline passed.

        rule "given" replays the schedule `given` {task: ScheduledTask}: tasks in the order of
        its starts, each in its mode, each as early as the tasks before it allow. `floors`
        {task: slot} keeps tasks from starting sooner (a baseline repaired, not rebuilt).
        rule "ranked" orders tasks by `ranks` {task: rank} first (scheduler/rank_search.py),
        then as the "online" rule does.
        """
        self.given = given or {}
        self.ranks = ranks or {}
        self.floors = floors or {}
        return self._pass(rule, deadline)

    def _priority(self, rule: str, tid: str, idx: int):
        task = self.plan.tasks[tid]
        if rule == "given":
            return (self.given[tid].start, idx)
        if rule == "release":
            return (task.release, -self.tail[tid], idx)
        if rule == "online":
            return (self._online_rank()[tid], task.release, -self.tail[tid], idx)
        if rule == "ranked":
            return (self.ranks[tid], task.release, -self.tail[tid], idx)
        return (-self.tail[tid], task.release, idx)

    def _online_rank(self) -> dict[str, int]:
        """For the "online" rule: GPU tasks ranked by their earliest finish, every other task by
        the best rank of the GPU tasks it leads to, so the work that brings the first arrays
        online goes first rather than racks spread over every array (Colossus with GPU-hours
        to day 70: 0.4% more GPU-hours than the release rule, the finish unchanged)."""
        if self.rank is None:
            finish = earliest_finishes(self.plan, self.cals)[1]
            gpus = sorted((finish[t], i, t) for i, t in enumerate(self.plan.tasks)
                          if self.plan.tasks[t].gpus)
            self.rank = {t: r for r, (_, _, t) in enumerate(gpus)}
            for tid in reversed(self.order):
                if tid not in self.rank:
                    self.rank[tid] = min((self.rank[s] for s, _ in self.succ[tid]),
                                         default=len(gpus))
        return self.rank

    def _reset(self) -> None:
        plan = self.plan
        # Free units per slot (capacity minus what is booked): one list to read per check.
        self.free = {rid: capacity_profile(r) for rid, r in plan.resources.items()}
        self.busy_until = {rid: 0 for rid in plan.resources}
        self.stored = {sid: StorageTrack(s) for sid, s in plan.storages.items()}
        self.spent = {bid: 0 for bid in plan.budgets}
        self.reserved = _spending(plan, self.reference or {})

    def _pass(self, rule, deadline):
        plan = self.plan
        if self.reference is None and not self.given:
            return None  # no mode choice fits the budgets (CP-SAT decides)
        self._reset()
        index = {tid: i for i, tid in enumerate(plan.tasks)}  # ties go to plan order
        key = self._priority
        priority = [key(rule, tids[0], index[tids[0]]) if len(tids) == 1 else
                    min(key(rule, tid, index[tid]) for tid in tids) for tids in self.blocks]
        waiting = list(self.block_preds)
        heap = [(priority[b], b) for b, n in enumerate(waiting) if n == 0]
        heapq.heapify(heap)
        done: dict[str, ScheduledTask] = {}
        waits = _Waits(self)
        bumps: dict[str, int] = dict(getattr(self, "floors", {}))
        while heap or waits:
            if deadline is not None and time.monotonic() > deadline:
                return None
            if not heap:
                return None  # every eligible block waits for storage: no progress possible
            item = heapq.heappop(heap)
            tids = self.blocks[item[1]]
            if not self._place_block(tids, done, bumps, deadline):
                waits.add(item, tids)
                continue
            for tid in tids:
                for b in self.block_succ[tid]:
                    waiting[b] -= 1
                    if waiting[b] == 0:
                        heapq.heappush(heap, (priority[b], b))
            for ready in waits.woken(tids):
                heapq.heappush(heap, ready)
        return done

    def _place_block(self, tids, done, bumps, deadline) -> bool:
        """Place a block's tasks (committed into `done`), delaying predecessors whose maximum
        lag a successor could not meet; False (nothing committed) if a task found no room, or
        the block was delayed past the time where nothing placed so far is in its way any
        more (it cannot fit at all: CP-SAT decides)."""
        if len(tids) == 1 and tids[0] not in self.tied:  # a lone task: no lags to keep
            st = self._place(tids[0], done, bumps.get(tids[0], 0), deadline)
            if st is None:
                return False
            done[st.id] = st
            self._commit(st)
            return True
        give_up = None
        for attempt in itertools.count():
            placed, violation = [], None
            for tid in tids:
                st = self._place(tid, done, bumps.get(tid, 0), deadline)
                if st is None:
                    break
                done[tid] = st
                self._commit(st)
                placed.append(st)
                violation = self._max_lag_violation(tid, done)
                if violation:
                    break
            if len(placed) == len(tids) and violation is None:
                return True
            for st in placed:
                self._commit(st, -1)
                del done[st.id]
            if violation is None:
                return False
            pred, start = violation
            bumps[pred] = max(bumps.get(pred, 0), start)
            if attempt % 64 == 63:
                give_up = give_up or self._clear_after(tids)
                if bumps[pred] > give_up or (deadline is not None
                                             and time.monotonic() > deadline):
                    return False
        return False

    def _clear_after(self, tids) -> int:
        """A slot after which the block can be placed with nothing placed so far in its way,
        plus room for it to run and four weeks of calendars: delaying a predecessor beyond it
        cannot help any more."""
        plan = self.plan
        clear = max([0, *self.busy_until.values(), *self.last_step.values(),
                     *(len(track) for track in self.stored.values()),
                     *(plan.tasks[t].release for t in tids)])
        room = 0
        for tid in tids:
            task = plan.tasks[tid]
            cal = self.cals.get(task.calendar)
            longest = max(m.duration for m in task.modes)
            room += cal.finish(cal.next_working(clear), longest) - clear
            room += sum(max(lk.lag, lk.max_lag or 0) for lk in task.links)
        return clear + room + 28 * 1440 // plan.slot_minutes

    def _bounds(self, tid, done, bump):
        """Lower bounds on start and on finish from scheduled predecessors and the release."""
        task = self.plan.tasks[tid]
        ls, le = max(task.release, bump), 0
        cals = self.cals
        for link in task.links:
            p = done[link.pred]
            kind = link.type
            there = p.finish if kind is LinkType.FS or kind is LinkType.FF else p.start
            if link.lag_calendar is None or link.lag == 0:
                there += link.lag
            else:
                there = lag_end(cals, link, there)
            if kind is LinkType.FS or kind is LinkType.SS:
                if there > ls:
                    ls = there
            elif there > le:
                le = there
        return max(ls, 0), le

    def _place(self, tid, done, bump, deadline=None) -> ScheduledTask | None:
        task = self.plan.tasks[tid]
        ls, le = self._bounds(tid, done, bump)
        best = None
        for m, mode in enumerate(task.modes):
            if tid in self.given:  # replay: its own mode, already paid for
                if self.given[tid].mode != m:
                    continue
            elif m not in self.usable.get(tid, (m,)) or not self._affordable(tid, mode):
                continue
            start = self._earliest(task, mode, ls, le, deadline)
            if start is None:
                continue
            cand = make_task(self.plan, self.cals, tid, start, m)
            if best is None or cand.finish < best.finish:
                best = cand
        return best

    def _affordable(self, tid, mode) -> bool:
        """The mode fits the crews at all, and spending it still leaves every later task its
        reference mode."""
        cap = self.max_cap
        for r, q in mode.demands.items():
            if q > cap[r]:
                return False
        if not self.reference:
            return True
        own = self.plan.tasks[tid].modes[self.reference[tid]].spends
        return all(self.spent[b] + mode.spends.get(b, 0) + self.reserved[b] - own.get(b, 0)
                   <= budget.total for b, budget in self.plan.budgets.items())

    def _earliest(self, task, mode, ls, le, deadline=None) -> int | None:
        """The earliest start >= ls (finish >= le) at which the mode fits its crews and storage,
        or None if it never does. Past the last committed use and the last capacity change
        nothing changes any more: the scan stops there, so it ends on its own (a mode that
        fits only before a capacity drop is found or refused in as many steps as there are
        clashes, not a million slots)."""
        cal = self.cals.get(task.calendar)
        d = mode.duration
        room = units = 0
        if task.fills or task.empties:  # most tasks touch no storage: no floors to find
            room, units = self._storage_floor(task), self._empty_floor(task)
            if room is None or units is None:
                return None
        if d == 0:
            return max(ls, le, units)
        le = max(le, room)
        begin = cal.next_working if task.interruptible else (
            lambda slot: cal.unbroken_start(slot, d))
        s = begin(max(ls, units))
        demands = mode.demands
        quiet = 0
        for r in demands:
            quiet = max(quiet, self.busy_until[r], self.last_step[r])
        for step in itertools.count():
            if s is None or (step % 4096 == 4095 and deadline is not None
                             and time.monotonic() > deadline):
                return None
            e = cal.finish(s, d)
            if e < le:
                s = begin(s + max(1, le - e))
                continue
            if s >= quiet:
                return s if self._fits_for_ever(demands) else None
            clash = self._clash(demands, s, e)
            if clash is None:
                return s
            s = begin(clash + 1)
        return None

    def _fits_for_ever(self, demands) -> bool:
        last = self.last_cap
        return all(q <= last[r] for r, q in demands.items())

    def _clash(self, demands, s, e) -> int | None:
        """The last slot in [s, e) where a demand does not fit, or None."""
        for rid, q in demands.items():
            free = self.free[rid]
            if e > len(free.values):
                free.ensure(e)
            fv = free.values
            if min(fv[s:e]) >= q:  # the usual case, at C speed
                continue
            for t in range(e - 1, s - 1, -1):
                if fv[t] < q:
                    return t
        return None

    def _storage_floor(self, task) -> int | None:
        """Earliest finish at which this task's fills fit in storage from then on (0 if none),
        None if they never do with what is placed so far."""
        floor = 0
        for sid, q in task.fills.items():
            at = self.stored[sid].fill_floor(q)
            if at is None:
                return None
            floor = max(floor, at)
        return floor

    def _empty_floor(self, task) -> int | None:
        """Earliest start from which this task's empties leave storage non-negative for good
        (0 if none), None if the units it takes are not in storage yet."""
        floor = 0
        for sid, q in task.empties.items():
            at = self.stored[sid].empty_floor(q)
            if at is None:
                return None
            floor = max(floor, at)
        return floor

    def _commit(self, st: ScheduledTask, sign: int = 1) -> None:
        """Book a placed task's crews, storage and spending (sign -1 takes it back)."""
        task = self.plan.tasks[st.id]
        if self.reference:
            for bid in self.plan.budgets:
                self.spent[bid] += sign * task.modes[st.mode].spends.get(bid, 0)
                self.reserved[bid] -= sign * task.modes[self.reference[st.id]].spends.get(bid, 0)
        for rid, q in task.modes[st.mode].demands.items():
            self.free[rid].add(st.start, st.finish, -sign * q)
            self.busy_until[rid] = max(self.busy_until[rid], st.finish)
        for sid, q in task.fills.items():
            self.stored[sid].shift(st.finish, sign * q)
        for sid, q in task.empties.items():
            self.stored[sid].shift(st.start, -sign * q)

    def _max_lag_violation(self, tid, done):
        """(predecessor, new earliest start) for the first maximum lag this placement broke."""
        st = done[tid]
        for link in self.plan.tasks[tid].links:
            if link.max_lag is None:
                continue
            p = done[link.pred]
            here = st.start if link.type in (LinkType.FS, LinkType.SS) else st.finish
            there = p.finish if link.type in (LinkType.FS, LinkType.FF) else p.start
            excess = here - (there + link.max_lag)
            if excess > 0:
                if link.type in (LinkType.FS, LinkType.FF):
                    return link.pred, self._start_to_finish(p, p.finish + excess)
                return link.pred, p.start + excess
        return None

    def _start_to_finish(self, p, target: int) -> int:
        """The least start after p's at which it finishes (in its mode) at `target` or later.
        Over a calendar that is often sooner than its start plus the shortfall: a connect that
        must end by 20:00 for a gauge free at midnight starts at 15:00 and ends at 08:00, where
        the shortfall put it at 18:00, after hours, and so at 07:00 next day, an hour later."""
        task = self.plan.tasks[p.id]
        cal, d = self.cals.get(task.calendar), task.modes[p.mode].duration
        if d == 0:
            return max(p.start + 1, target)

        def late_enough(s: int) -> bool:
            b = s if task.interruptible else cal.unbroken_start(s, d)
            return b is None or cal.finish(b, d) >= target

        # The finish never falls as the start moves on, and a start at `target` ends after it.
        lo = hi = min(p.start + 1, target)
        while not late_enough(hi):
            lo, hi = hi + 1, min(hi + 2 * (hi - p.start), target)
        while lo < hi:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if late_enough(mid) else (mid + 1, hi)
        return lo


class _Waits:
    """Blocks that could not be placed, waiting for storage to change.

    A block short of units in a storage waits until a placement fills it, one short of room
    until a placement empties it; each fill wakes, in priority order, only the waiting blocks
    those units can serve (retrying every waiting block after every fill was quadratic: 1.3
    million retries, 4 s, for the longest-tail rule on Colossus). A block that waits for
    anything else is retried after every storage change, as before."""

    def __init__(self, scheduler: ListScheduler):
        self.s = scheduler
        self.lists: dict[tuple[str, str], list] = {}  # (storage, "units"|"room") -> sorted
        self.other: list = []

    def __bool__(self) -> bool:
        return bool(self.other) or any(self.lists.values())

    def add(self, item, tids) -> None:
        reason = self._reason(tids)
        if reason is None:
            self.other.append(item)
        else:
            key, need = reason
            bisect.insort(self.lists.setdefault(key, []), (item, need))

    def _reason(self, tids):
        """((storage, what), units needed) the block waits for, or None if not storage."""
        tasks = self.s.plan.tasks
        for kind, what in (("empties", "units"), ("fills", "room")):
            for sid in dict.fromkeys(sid for t in tids for sid in getattr(tasks[t], kind)):
                need = sum(getattr(tasks[t], kind).get(sid, 0) for t in tids)
                track = self.s.stored[sid]
                free = track.level_tail if what == "units" else (track.room_tail
                                                                  - track.level_tail)
                if free < need:
                    return (sid, what), need
        return None

    def woken(self, tids) -> list:
        """The waiting blocks that placing `tids` may have unblocked."""
        tasks = self.s.plan.tasks
        if not (self.other or self.lists) or not any(tasks[t].fills or tasks[t].empties
                                                     for t in tids):
            return []
        filled = {sid for t in tids for sid in tasks[t].fills}
        emptied = {sid for t in tids for sid in tasks[t].empties}
        if not filled and not emptied:
            return []
        out, self.other = self.other, []
        for sid in filled | emptied:
            track = self.s.stored[sid]
            for what, free in (("units", track.level_tail),
                               ("room", track.room_tail - track.level_tail)):
                waiting = self.lists.get((sid, what))
                if not waiting or sid not in (filled if what == "units" else emptied):
                    continue
                keep = []
                for i, (item, need) in enumerate(waiting):
                    if free <= 0:
                        keep += waiting[i:]
                        break
                    if need <= free:
                        out.append(item)
                        free -= need
                    else:
                        keep.append((item, need))
                self.lists[(sid, what)] = keep
        return out


def temporal_blocks(plan: Plan, order: list[str], succ=None) -> list[list[str]]:
    """The strongly connected components of the temporal network (a link is an arc predecessor
    -> successor; a maximum lag adds the arc back), each in precedence order, listed in
    precedence order. Without maximum lags every task is a block of its own."""
    if not any(lk.max_lag is not None for t in plan.tasks.values() for lk in t.links):
        return [[tid] for tid in order]
    succ = succ or plan.successors()
    arcs: dict[str, list[str]] = {tid: [s for s, _ in succ[tid]] for tid in plan.tasks}
    for task in plan.tasks.values():
        for link in task.links:
            if link.max_lag is not None:
                arcs[task.id].append(link.pred)
    comp = _strong_components(order, arcs)
    pos = {tid: i for i, tid in enumerate(order)}
    blocks: dict[int, list[str]] = {}
    for tid in order:
        blocks.setdefault(comp[tid], []).append(tid)
    return sorted(blocks.values(), key=lambda tids: pos[tids[0]])


def _strong_components(nodes: list[str], arcs: dict[str, list[str]]) -> dict[str, int]:
    """Tarjan's algorithm without recursion (plans have 100,000s of tasks): node -> component."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    comp: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            nxt = arcs[node]
            if i < len(nxt):
                work.append((node, i + 1))
                child = nxt[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp[member] = index[node]
                    if member == node:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return comp


def left_justify(plan: Plan, tasks: dict, cals: Calendars | None = None,
                 deadline: float | None = None):
    """The schedule with every task moved as early as the tasks before it allow, keeping their
    order and modes (a task never moves later where only crews and precedence matter), or None
    if the replay failed (storage or max lags)."""
    return ListScheduler(plan, cals).run("given", deadline, given=tasks)


def default_rules(plan: Plan) -> tuple[str, ...]:
    """The release and longest-tail rules, and the "online" rule when GPUs online count
    (gpu-hours objective, soft GPU targets)."""
    return ("release", "online", "tail") if plan.values_gpus_online else ("release", "tail")


def list_schedule(plan: Plan, cals: Calendars | None = None, rules=None,
                  time_budget: float | None = None):
    """Best schedule over the priority rules by the plan's objective, or None. By default the
    release and longest-tail rules, and the "online" rule when GPUs online count (gpu-hours
    objective, soft GPU targets)."""
    found = rule_schedules(plan, cals, rules, time_budget)
    return found[0][2] if found else None


def rule_schedules(plan: Plan, cals: Calendars | None = None, rules=None,
                   time_budget: float | None = None) -> list[tuple[int, str, dict]]:
    """(objective value, rule, schedule) for each priority rule that found a schedule, best
    first (ties in rule order). A Ctrl-C carries the best found so far as `exc.schedule`."""
    from .schedule import gpu_until, objective_value

    if rules is None:
        rules = default_rules(plan)

    scheduler = ListScheduler(plan, cals)
    deadline = time.monotonic() + time_budget if time_budget else None
    found: list[tuple[int, str, dict]] = []
    for rule in rules:
        started = time.monotonic()
        try:
            result = scheduler.run(rule, deadline)
        except KeyboardInterrupt as exc:
            # what the earlier rules found
            exc.schedule = min(found, key=lambda f: f[0])[2] if found else None  # type: ignore[attr-defined]
            raise
        if result is not None:
            until = gpu_until(plan, max(t.finish for t in result.values()))
            found.append((objective_value(plan, result, until), rule, result))
        # Later rules get three times what this one took: on a 1M-GPU plan the longest-tail
        # rule scanned for minutes while the release rule had a schedule in seconds.
        cap = time.monotonic() + 3 * (time.monotonic() - started) + 1
        deadline = cap if deadline is None else min(deadline, cap)
    found.sort(key=lambda f: f[0])  # stable: ties keep the rules' order
    return found
