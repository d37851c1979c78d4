"""Priority-rule list scheduling (serial schedule generation): a feasible schedule in seconds.

It seeds CP-SAT as a hint, gives the model its horizon, and is the fallback answer. It respects
precedence and lags, calendars, releases, capacities over time and storage; a violated maximum lag
is repaired by delaying the predecessor and starting again.

Resources are held over a task's whole span [start, finish), as in the CP-SAT model, so the result
is always a valid hint.
"""

from __future__ import annotations

import heapq
import time

from .calendar import Calendars
from .modes import usable_modes
from .plan import LinkType, Plan
from .schedule import ScheduledTask, make_task

MAX_REPAIRS = 40


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


def tails(plan: Plan, order: list[str]) -> dict[str, int]:
    """Longest path (in work slots, shortest mode) from each task's start to the project end."""
    succ = plan.successors()
    tail: dict[str, int] = {}
    for tid in reversed(order):
        dur = min(m.duration for m in plan.tasks[tid].modes)
        best = dur
        for nxt, link in succ[tid]:
            # A lower bound on (project end - this start), so the bounds may use it too:
            # FF and SF constrain the successor's finish only, not what follows it.
            if link.type == LinkType.FS:
                best = max(best, dur + link.lag + tail[nxt])
            elif link.type == LinkType.SS:
                best = max(best, link.lag + tail[nxt])
            elif link.type == LinkType.FF:
                best = max(best, dur + link.lag)
            else:
                best = max(best, link.lag)
        tail[tid] = best
    return tail


def earliest_finishes(plan: Plan, cals: Calendars) -> tuple[dict[str, int], dict[str, int]]:
    """Earliest start and finish of every task, ignoring resources and storage."""
    start: dict[str, int] = {}
    finish: dict[str, int] = {}
    for tid in topological_order(plan):
        task = plan.tasks[tid]
        ls, le = task.release, 0
        for link in task.links:
            if link.type == LinkType.FS:
                ls = max(ls, finish[link.pred] + link.lag)
            elif link.type == LinkType.SS:
                ls = max(ls, start[link.pred] + link.lag)
            elif link.type == LinkType.FF:
                le = max(le, finish[link.pred] + link.lag)
            else:
                le = max(le, start[link.pred] + link.lag)
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
    def __init__(self, plan: Plan, cals: Calendars | None = None):
        self.plan = plan
        self.cals = cals or Calendars(plan)
        self.order = topological_order(plan)
        self.tail = tails(plan, self.order)
        self.succ = plan.successors()
        self.usable = usable_modes(plan)
        self.reference = reference_modes(plan, self.usable) if plan.budgets else {}
        self.given: dict = {}
        self.rank: dict[str, int] | None = None

    def run(self, rule: str = "tail", deadline: float | None = None, given=None):
        """A schedule {task: ScheduledTask}, or None if max lags or storage could not be met.

        rule "given" replays the schedule `given` {task: ScheduledTask}: tasks in the order of
        its starts, each in its mode, each as early as the tasks before it allow.
        """
        self.given = given or {}
        bumps: dict[str, int] = {}
        for _ in range(MAX_REPAIRS):
            result = self._pass(rule, bumps, deadline)
            if result is None or isinstance(result, dict):
                return result
            tid, start = result
            bumps[tid] = max(bumps.get(tid, 0), start)
        return None

    def _priority(self, rule: str, tid: str, idx: int):
        task = self.plan.tasks[tid]
        if rule == "given":
            return (self.given[tid].start, idx)
        if rule == "release":
            return (task.release, -self.tail[tid], idx)
        if rule == "online":
            return (self._online_rank()[tid], task.release, -self.tail[tid], idx)
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

    def _pass(self, rule, bumps, deadline):
        plan = self.plan
        self.usage = {rid: Profile() for rid in plan.resources}
        self.cap = {rid: capacity_profile(r) for rid, r in plan.resources.items()}
        self.level = {sid: self._storage_level(s) for sid, s in plan.storages.items()}
        if self.reference is None and not self.given:
            return None  # no mode choice fits the budgets (CP-SAT decides)
        self.spent = {bid: 0 for bid in plan.budgets}
        self.reserved = _spending(plan, self.reference or {})
        index = {tid: i for i, tid in enumerate(plan.tasks)}  # ties go to plan order
        waiting = {tid: len({lk.pred for lk in t.links}) for tid, t in plan.tasks.items()}
        heap = [(self._priority(rule, tid, index[tid]), tid) for tid, n in waiting.items() if n == 0]
        heapq.heapify(heap)
        done: dict[str, ScheduledTask] = {}
        blocked: list = []
        while heap or blocked:
            if deadline is not None and time.monotonic() > deadline:
                return None
            if not heap:
                return None  # every eligible task is blocked by storage: no progress possible
            item = heapq.heappop(heap)
            tid = item[1]
            placed = self._place(tid, done, bumps.get(tid, 0))
            if placed is None:
                blocked.append(item)
                continue
            done[tid] = placed
            self._commit(placed)
            repair = self._max_lag_violation(tid, done)
            if repair:
                return repair
            for nxt in dict.fromkeys(s for s, _ in self.succ[tid]):
                waiting[nxt] -= 1
                if waiting[nxt] == 0:
                    heapq.heappush(heap, (self._priority(rule, nxt, index[nxt]), nxt))
            if blocked and (plan.tasks[tid].empties or plan.tasks[tid].fills):
                for b in blocked:
                    heapq.heappush(heap, b)
                blocked = []
        return done

    def _storage_level(self, storage) -> Profile:
        prof = Profile(storage.initial)
        for slot, qty in storage.arrivals:
            prof.fill += qty
            prof.ensure(slot + 1)
            for t in range(slot, len(prof.values)):
                prof.values[t] += qty
        return prof

    def _bounds(self, tid, done, bump):
        """Lower bounds on start and on finish from scheduled predecessors and the release."""
        task = self.plan.tasks[tid]
        ls, le = max(task.release, bump), 0
        for link in task.links:
            p = done[link.pred]
            if link.type == LinkType.FS:
                ls = max(ls, p.finish + link.lag)
            elif link.type == LinkType.SS:
                ls = max(ls, p.start + link.lag)
            elif link.type == LinkType.FF:
                le = max(le, p.finish + link.lag)
            else:
                le = max(le, p.start + link.lag)
        return ls, le

    def _place(self, tid, done, bump) -> ScheduledTask | None:
        task = self.plan.tasks[tid]
        ls, le = self._bounds(tid, done, bump)
        best = None
        for m, mode in enumerate(task.modes):
            if tid in self.given:  # replay: its own mode, already paid for
                if self.given[tid].mode != m:
                    continue
            elif m not in self.usable.get(tid, (m,)) or not self._affordable(tid, mode):
                continue
            start = self._earliest(task, mode, ls, le)
            if start is None:
                continue
            cand = make_task(self.plan, self.cals, tid, start, m)
            if best is None or cand.finish < best.finish:
                best = cand
        return best

    def _affordable(self, tid, mode) -> bool:
        """The mode fits the crews at all, and spending it still leaves every later task its
        reference mode."""
        if any(q > self.plan.resources[r].max_capacity for r, q in mode.demands.items()):
            return False
        if not self.reference:
            return True
        own = self.plan.tasks[tid].modes[self.reference[tid]].spends
        return all(self.spent[b] + mode.spends.get(b, 0) + self.reserved[b] - own.get(b, 0)
                   <= budget.total for b, budget in self.plan.budgets.items())

    def _earliest(self, task, mode, ls, le) -> int | None:
        cal = self.cals.get(task.calendar)
        d = mode.duration
        if d == 0:
            return max(ls, le)
        fill_from = self._storage_floor(task)
        if fill_from is None:
            return None
        le = max(le, fill_from)
        s = cal.next_working(ls)
        for _ in range(1_000_000):
            e = cal.finish(s, d)
            if e < le:
                s = cal.next_working(s + max(1, le - e))
                continue
            clash = self._clash(mode.demands, s, e)
            if clash is None and self._can_empty(task, s):
                return s
            s = cal.next_working(clash + 1 if clash is not None else s + 1)
        return None

    def _clash(self, demands, s, e) -> int | None:
        """The last slot in [s, e) where a demand does not fit, or None."""
        for rid, q in demands.items():
            use, cap = self.usage[rid], self.cap[rid]
            use.ensure(e)
            cap.ensure(e)
            uv, cv = use.values, cap.values
            for t in range(e - 1, s - 1, -1):
                if uv[t] + q > cv[t]:
                    return t
        return None

    def _storage_floor(self, task) -> int | None:
        """Earliest finish at which this task's fills fit in storage from then on (0 if none)."""
        floor = 0
        for sid, q in task.fills.items():
            prof, cap = self.level[sid], self.plan.storages[sid].capacity
            if prof.fill + q > cap:
                return None
            t = len(prof.values)
            while t > 0 and prof.values[t - 1] + q <= cap:
                t -= 1
            floor = max(floor, t)
        return floor

    def _can_empty(self, task, s) -> bool:
        for sid, q in task.empties.items():
            prof = self.level[sid]
            prof.ensure(s + 1)
            if prof.fill - q < 0 or min(prof.values[s:], default=prof.fill) - q < 0:
                return False
        return True

    def _commit(self, st: ScheduledTask) -> None:
        task = self.plan.tasks[st.id]
        if self.reference:
            for bid in self.plan.budgets:
                self.spent[bid] += task.modes[st.mode].spends.get(bid, 0)
                self.reserved[bid] -= task.modes[self.reference[st.id]].spends.get(bid, 0)
        for rid, q in task.modes[st.mode].demands.items():
            self.usage[rid].add(st.start, st.finish, q)
        for sid, q in task.fills.items():
            self._shift_level(sid, st.finish, q)
        for sid, q in task.empties.items():
            self._shift_level(sid, st.start, -q)

    def _shift_level(self, sid, slot, delta) -> None:
        prof = self.level[sid]
        prof.ensure(slot + 1)
        prof.fill += delta
        for t in range(slot, len(prof.values)):
            prof.values[t] += delta

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
                return link.pred, p.start + excess
        return None


def left_justify(plan: Plan, tasks: dict, cals: Calendars | None = None,
                 deadline: float | None = None):
    """The schedule with every task moved as early as the tasks before it allow, keeping their
    order and modes (a task never moves later where only crews and precedence matter), or None
    if the replay failed (storage or max lags)."""
    return ListScheduler(plan, cals).run("given", deadline, given=tasks)


def list_schedule(plan: Plan, cals: Calendars | None = None, rules=None,
                  time_budget: float | None = None):
    """Best schedule over the priority rules by the plan's objective, or None. By default the
    release and longest-tail rules, and the "online" rule when GPUs online count (gpu-hours
    objective, soft GPU targets)."""
    from .schedule import gpu_until, objective_value

    if rules is None:
        rules = (("release", "online", "tail") if plan.values_gpus_online
                 else ("release", "tail"))

    scheduler = ListScheduler(plan, cals)
    deadline = time.monotonic() + time_budget if time_budget else None
    best, best_value = None, None
    for rule in rules:
        started = time.monotonic()
        result = scheduler.run(rule, deadline)
        if result is None:
            continue
        until = gpu_until(plan, max(t.finish for t in result.values()))
        value = objective_value(plan, result, until)
        if best_value is None or value < best_value:
            best, best_value = result, value
        # Later rules get three times what this one took: on a 1M-GPU plan the longest-tail
        # rule scanned for minutes while the release rule had a schedule in seconds.
        cap = time.monotonic() + 3 * (time.monotonic() - started) + 1
        deadline = cap if deadline is None else min(deadline, cap)
    return best
