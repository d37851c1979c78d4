"""Order statistics of a step that must start within a maximum lag of its predecessor's finish,
where both are done by small crews: one gauge leak-tests each rack within 2 h of its
cool-connect by the one pipefitter on the night shift.

The flow line (scheduler/bounds.py) sees each crew on its own: the pipefitter could connect
four racks a night, the gauge could start a 4 h test at 23:00, 03:00 and 07:00, the windows
the connects' finishes open. But a test must follow its own connect within the lag, and one
pipefitter cannot finish connects at all those times: the pair delivers fewer tests than
either crew alone. Here the two crews are followed together, slot by slot, over every way
they can work (a dynamic program over states: the connects and tests under way, with the
work they have left, and the connects done and not yet tested, with the slot each was done
at), so the j-th test to finish is no sooner than the first slot some state has j done.

The model is a relaxation of every schedule: the k-th connect to start starts no sooner than
the flow line's S[k] for its step and only when its calendar works, each works its duration
in its calendar's working slots, tests start on their calendar's working slots between the
lag and the maximum lag after the connect's finish, and neither crew ever has more tasks of
the pair under way than its units (other work on the crews is left out). A state with more
tests done dominates one with the same tasks under way and waiting (it can follow the other's
future less its first few connects, whose later starts the order statistics allow), so each
state keeps only its most; tests go to the connects waiting longest (the earliest deadline).
"""

from __future__ import annotations

from dataclasses import dataclass

from .calendar import Calendars, lag_end
from .plan import LinkType, Plan

MOST_UNITS = 3  # crews holding more units than this at once are left to the flow line
# States followed over all slots; past it the pair says nothing (under a second: varied
# plans' pairs take 60-80 thousand).
MOST_WALKED = 100_000


@dataclass(frozen=True)
class Pair:
    """Each task of `second` starts within the link's maximum lag of the finish of its own
    task of `first` (another step, `first_group`)."""

    first: tuple[str, ...]
    second: tuple[str, ...]
    first_group: str
    link: object  # the maximum-lag link of the first of `second` (its lag and calendar)
    crews: tuple[tuple[str, int, int, str | None], ...]  # (crew, units, duration, calendar)


def coupled_pair(plan: Plan, tids: list[str], group_of: dict[str, str]) -> Pair | None:
    """The pair whose second step is `tids`, or None if they are not one: each task has a
    finish-to-start maximum-lag link from its own task of one other step, both steps use one
    crew each (two crews), in one duration per task of the first step, on one calendar each."""
    preds, links = [], set()
    for t in tids:
        found = [lk for lk in plan.tasks[t].links
                 if lk.type == LinkType.FS and lk.max_lag is not None]
        if len(found) != 1:
            return None
        preds.append(found[0].pred)
        links.add((found[0].lag, found[0].max_lag, found[0].lag_calendar))
    groups = {group_of[p] for p in preds}
    if len(links) != 1 or len(groups) != 1 or len(set(preds)) != len(preds):
        return None
    first = _crew(plan, preds, exact=True)
    second = _crew(plan, tids, exact=False)
    if first is None or second is None or first[0] == second[0]:
        return None
    link = next(lk for lk in plan.tasks[tids[0]].links if lk.max_lag is not None)
    return Pair(tuple(preds), tuple(tids), groups.pop(), link, (first, second))


def _crew(plan: Plan, tids, exact: bool) -> tuple[str, int, int, str | None] | None:
    """(crew, demand, duration, calendar) every mode of these tasks has one crew: the least
    demand and duration over modes, or None. The predecessors' duration must be `exact` (one
    for all modes): a shorter one would move the window of the maximum lag, not relax it."""
    tasks = [plan.tasks[t] for t in tids]
    crews = {rid for t in tasks for m in t.modes for rid in m.demands}
    durations = {m.duration for t in tasks for m in t.modes}
    calendars = {t.calendar for t in tasks}
    if len(crews) != 1 or len(calendars) != 1 or (exact and len(durations) != 1):
        return None
    rid = crews.pop()
    if any(rid not in m.demands for t in tasks for m in t.modes) or min(durations) == 0:
        return None
    need = min(m.demands[rid] for t in tasks for m in t.modes)
    return rid, need, min(durations), calendars.pop()


@dataclass(frozen=True)
class Before:
    """Tasks of the first step's crew that its tasks wait for (the halls' cooling loops before
    the racks' cool-connects): the i-th starts no sooner than starts[i-1]; k of the first
    step can start once needed[k-1] of them are done."""

    starts: list[int]
    needed: list[int]
    need: int  # crew units each holds
    duration: int  # its least, in working slots


def pair_finishes(plan: Plan, cals: Calendars, pair: Pair, first_starts: list[int],
                  horizon: int, before: Before | None = None) -> list[int]:
    """Lower bounds on the j-th finish of the second step (j = 1..n) over schedules ending by
    `horizon`; [] when the crews hold too many units, the second never waits, or the walk
    grows too long."""
    key = ("pair", pair, tuple(first_starts), before and (
        tuple(before.starts), tuple(before.needed), before.need, before.duration), horizon,
        tuple(plan.resources[c[0]].steps for c in pair.crews))
    if key not in cals.memo:
        cals.memo[key] = _walked(plan, cals, pair, first_starts, horizon, before)
    return cals.memo[key]


def _walked(plan, cals, pair, first_starts, horizon, before) -> list[int]:
    walk = _Walk(plan, cals, pair, first_starts, horizon, before)
    if walk.too_big() or walk.never_waits():
        return []
    n = len(pair.second)
    first = [horizon] * (n + 1)
    # State: the `before` tasks done, the work left of each first-step task under way, the
    # finishes of those done whose tests may not start yet (and how many of each below) ->
    # the fronts of (work left of
    # each `before` task under way, of each second-step task under way, the finishes of
    # those done whose tests may start, second-step tasks done): less work left, later
    # finishes (later deadlines) and more done are better.
    states: dict[tuple, list] = {(0, (), (), 0, 0, 0): [((), (), (), 0)]}
    begin = min(first_starts + (before.starts if before else []), default=horizon)
    walked = 0
    for t in range(max(0, begin), horizon):
        nxt: dict[tuple, list] = {}
        for key, front in states.items():
            for state in front:
                walk.step(t, key, state, nxt, first)
        states = nxt
        walked += sum(len(f) for f in states.values())
        if walked > MOST_WALKED:
            return []
        if first[n] < horizon or not states:
            break
    return first[1:]


def _keep(front: list, new: tuple) -> None:
    """Add a state to a front (of the same numbers of tasks under way and waiting) unless one
    there is as good in every respect, dropping those it beats."""
    hs, bs, ws, got = new
    kept = []
    for old in front:
        oh, ob, ow, og = old
        if og >= got and _no_worse(oh, ob, ow, hs, bs, ws):
            return
        if not (got >= og and _no_worse(hs, bs, ws, oh, ob, ow)):
            kept.append(old)
    kept.append(new)
    front[:] = kept


def _no_worse(hs, bs, ws, oh, ob, ow) -> bool:
    """Work left no more, finishes waiting no sooner (sorted tuples of equal lengths)."""
    return all(x <= y for x, y in zip(hs, oh)) and all(x <= y for x, y in zip(bs, ob)) \
        and all(x >= y for x, y in zip(ws, ow))


class _Walk:
    """The slot-by-slot moves of the pair's crews (see the module docstring)."""

    def __init__(self, plan, cals, pair, first_starts, horizon, before):
        (ra, self.need_a, self.dur_a, cal_a), (rb, self.need_b, self.dur_b, cal_b) = pair.crews
        self.cap_a = _capacity(plan, ra, horizon)
        self.cap_b = _capacity(plan, rb, horizon)
        self.works_a = _works(cals, cal_a, horizon)
        self.works_b = _works(cals, cal_b, horizon)
        self.first_starts = first_starts
        self.before = before
        self.most = pair.link.max_lag
        self.opens = [lag_end(cals, pair.link, f) for f in range(horizon + 2)]

    def too_big(self) -> bool:
        least_a = min([self.need_a] + ([self.before.need] if self.before else []))
        return max(self.cap_a, default=0) // least_a > MOST_UNITS or \
            max(self.cap_b, default=0) // self.need_b > MOST_UNITS

    def never_waits(self) -> bool:
        """Whether the second crew, always at work, has a unit free for every first-step
        task the moment it finishes (the flow line knows all then)."""
        if any(not w for w in self.works_b):
            return False
        per_unit = -(-self.dur_b // self.dur_a)  # finishes one unit makes while a test runs
        return min(self.cap_b, default=0) // self.need_b >= \
            max(self.cap_a, default=0) // self.need_a * per_unit

    def step(self, t, key, state, nxt, first) -> None:
        """Every way a state goes from slot t to t + 1."""
        done_h, run_a, later = key[:3]
        run_h, run_b, ready, done = state
        before, works_a, works_b = self.before, self.works_a[t], self.works_b[t]
        used_a = self.need_a * len(run_a) + (before.need * len(run_h) if before else 0)
        if (works_a and used_a > self.cap_a[t]) or \
                (works_b and self.need_b * len(run_b) > self.cap_b[t]):
            return  # the crew shrank under tasks still at work
        if ready and ready[0] + self.most < t:
            return
        can_b = min(self.cap_b[t] // self.need_b - len(run_b), len(ready)) if works_b else 0
        due = sum(1 for f in ready if f + self.most <= t)  # their last slot to start
        if due > can_b:
            return
        free = self.cap_a[t] - used_a if works_a else 0
        started = done + len(run_a) + len(run_b) + len(ready) + len(later)
        for b in range(due, can_b + 1):
            left = ready[b:] + later  # tests go to the earliest deadlines
            bs = _worked(run_b + (self.dur_b,) * b, works_b)
            got = done + bs.count(0)
            for j in range(done + 1, got + 1):
                first[j] = min(first[j], t + 1)
            bs = tuple(sorted(x for x in bs if x))
            for h_new in range(self._can_before(t, done_h, run_h, free) + 1):
                hs = _worked(run_h + (before.duration,) * h_new, works_a) if before else ()
                dh = done_h + hs.count(0)
                hs = tuple(sorted(x for x in hs if x))
                room = free - (before.need * h_new if before else 0)
                for a in range(self._can_first(t, started, done_h, room) + 1):
                    as_ = _worked(run_a + (self.dur_a,) * a, works_a)
                    waiting = sorted(left + (t + 1,) * as_.count(0))
                    opened = tuple(f for f in waiting if self.opens[f] <= t + 1)
                    shut = tuple(f for f in waiting if self.opens[f] > t + 1)
                    key = (dh, tuple(sorted(x for x in as_ if x)), shut, len(hs), len(bs),
                           len(opened))
                    _keep(nxt.setdefault(key, []), (hs, bs, opened, got))

    def _can_before(self, t, done_h, run_h, free) -> int:
        before = self.before
        if before is None or not self.works_a[t]:
            return 0
        k, n = done_h + len(run_h), 0
        while k + n < len(before.starts) and before.starts[k + n] <= t and \
                (n + 1) * before.need <= free:
            n += 1
        return n

    def _can_first(self, t, started, done_h, room) -> int:
        """How many first-step tasks may start at t: the order statistics, the `before`
        tasks done, the crew units left."""
        if not self.works_a[t]:
            return 0
        needed = self.before.needed if self.before else None
        n = 0
        while started + n < len(self.first_starts) and self.first_starts[started + n] <= t \
                and (n + 1) * self.need_a <= room \
                and (needed is None or needed[started + n] <= done_h):
            n += 1
        return n


def _worked(left: tuple, works: bool) -> tuple:
    """Work left after slot t: one less for each task if its calendar works then."""
    return tuple(x - 1 for x in left) if works else left


def _capacity(plan: Plan, rid: str, horizon: int) -> list[int]:
    out = [0] * horizon
    for lo, hi, cap in plan.resources[rid].profile(horizon):
        for t in range(max(0, lo), min(hi, horizon)):
            out[t] = cap
    return out


def _works(cals: Calendars, cal_id: str | None, horizon: int) -> list[bool]:
    cal = cals.get(cal_id)
    return [cal.is_working(t) for t in range(horizon)]
