"""Small crews followed slot by slot over every way they can work: a step that must start within
a maximum lag of its predecessor's finish (pair_finishes), the GPU-slots one crew's work
allows where it also lays the halls' loops (walk_floor), and how late a hall's loop may end
for its racks to be done in time (latest_ends, for scheduler/joint_bound.py).

Order statistics of a pair: one gauge leak-tests each rack within 2 h of its cool-connect by
the one pipefitter on the night shift.

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
Less work left on the tasks under way, and later finishes of the connects waiting (later
deadlines, once their tests may start), are better too: each state keeps a front.

The same walk follows a pair joined by a storage instead of a maximum lag (stored_pair): a
dock receiving racks round the clock into a staging area of two that riggers on day shifts
empty. Overnight the dock can fill the two places and no more, so by day the riggers get a
rack an hour from the dock, not what their hours allow: the racks done and waiting never
exceed the storage (each waiting rack holds a place from its receipt to its positioning).
A walked task of the first step may take its shortest mode: the walk ends it when the
schedule does and starts it later (its k-th start still no sooner than S[k]).

Dues: for the schedules that reach a soft target by R (scheduler/target_cost.py), the k-th
test is done by a due; a state with fewer done than the dues ask by a slot has no schedule
behind it and is dropped (one with more done dominates as before, and keeps them). The order
statistics the walk gives then hold only for those schedules, and no longer each from a
schedule of its own: seed 776 of bench/varied.py's first hall must be tested by the Tuesday
of its fourth week for the target, so its one pipefitter cannot lay the second loop before
those connects, and the last test moves from 941 to 973. A crew alone that lays what its
tasks wait for is walked with its own dues the same way (scheduler/bounds.py): seed 918's two
pipefitters on nights must connect the second hall's racks by the Wednesday night of the
fifth week, so the third loop (80 h) waits for them, and the last connect moves from 908 to
1078. Off shift such a walk skips the slot: nothing starts or ends.

A tail: a step whose tasks each follow their own test, on a crew of its own (the racks'
power-ons by two techs on day shifts, some in less time on an overtime budget), is followed
in the same walk (Tail, tail_finishes): a state also has the power-ons under way and, in its
front, how many are done and paid for. Seed 553 of bench/varied.py has 18 tests by Friday
14:00 in one schedule and work for both techs all Friday in another; in the schedules with
the 18 one tech waits on Friday afternoon, and the last power-on ends Tuesday 11:00, not 09:00.
A crew alone with what it lays first takes a tail the same way: seed 862's one electrician
energises three halls and powers 72 racks by day, two techs power them on by night, and the
last power-on moves from 528 to 548. Where the budget's choices make the walk too long, it
is walked again with every tail task in its faster mode (a relaxation).

GPU-slots of a crew: the order statistics let each array come online as if it came first.
On a plan whose pipefitters lay three halls' loops (nine night shifts each) and connect every
rack after its hall's loop, the 13th array counts the third loop as done early while the
first twelve still have both pipefitters. The same walk follows the crew's loops and connects
(or the pair's tests) together and adds, when the k-th array's worth of them is done, the
most GPU-slots the k-th array can then have: the k largest-GPU arrays first, each online no
sooner than the earliest the links and calendars allow after that finish (a forward pass from
each connect), nor than the flow line's k-th. A state with more done and as many GPU-slots,
and as many arrays counted, dominates. The best over the walk, up to the end of the count,
bounds the GPU-slots of every schedule.

Latest ends: for a finish by F, a task is done by F less the shortest chain after it; for a
hall's loop that is one rack's connect and what follows, but all of the hall's racks are
connected (and tested) after it by their small crews. The walk from T, every rack free from
T, is done no sooner than G(T), which only grows with T, so the loop ends by the largest T
with G(T) in time (a binary search; walks kept for the next F).
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from dataclasses import dataclass

from .back_line import latest_finishes
from .calendar import Calendars, lag_end
from .plan import LinkType, Plan

MOST_UNITS = 3  # crews holding more units than this at once are left to the flow line,
MOST_WORK = 12  # unless their work under way at once is at most this many slots
# States a pair's walk reaches and compares over all slots; past it the pair says nothing (a
# few tenths of a second: the walk that proves seed 285 of bench/varied.py takes 216
# thousand, seed 223's 41 thousand; seed 103's would take 4.3 million, 4 s).
MOST_WALKED = 250_000
# The same for a crew alone with what it lays first, and dues (scheduler/bounds.py): off-shift
# slots cost nothing there, and seed 918's walk, of three 80 h loops and 60 connects by two
# pipefitters on nights, takes 450 thousand, 0.3 s.
MOST_ALONE = 1_000_000
# The same for a pair with a tail (Tail): seed 553's, a pipefitter, a gauge and two techs on
# day shifts, takes 545 thousand, 1.1 s.
MOST_TAIL = 1_000_000
# Tail walks a solve takes at most (a second each; a step may follow a pair and a crew alone,
# two walks): the joint bound's passes over plans with less crew would each walk again, and
# seed 529's GPU-hours floor lost most of its passes.
MOST_TAILS = 6
MOST_PASSES = 20_000  # forward passes for the GPU tasks' online times
# The same for a GPU-slots walk (once a solve, not each pass of the bounds): seed 253 of
# bench/varied.py takes 3.3 million, 2 s.
MOST_SCORED = 5_000_000
MOST_LATEST = 20_000  # states of a walk for a latest end (several a pass of the joint bound)
MOST_PROBES = 8  # walks a latest end's search takes at most (then it keeps the later end)


@dataclass(frozen=True)
class Pair:
    """Each task of `second` starts within the link's maximum lag of the finish of its own
    task of `first` (another step, `first_group`)."""

    first: tuple[str, ...]
    second: tuple[str, ...]
    first_group: str
    link: object  # the maximum-lag link of the first of `second` (its lag and calendar)
    crews: tuple[tuple[str, int, int, str | None], ...]  # (crew, units, duration, calendar)
    # A storage only the pair fills (at the first's finish) and empties (at the second's
    # start) holds at most this many between them (a staging area between dock and riggers).
    buffer: int | None = None


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


def stored_pair(plan: Plan, tids: list[str], group_of: dict[str, str]) -> Pair | None:
    """The pair whose second step is `tids` through a storage, or None: each task starts
    after its own task of one other step (finish-to-start, lag >= 0) and takes one unit out
    of a storage at its start that only those tasks put in, one each at their finish (no
    deliveries, empty at first), both steps with one crew each."""
    preds, links = [], set()
    for t in tids:
        task = plan.tasks[t]
        if len(task.empties) != 1 or next(iter(task.empties.values())) != 1:
            return None
        found = [lk for lk in task.links if lk.type == LinkType.FS and lk.lag >= 0
                 and plan.tasks[lk.pred].fills == task.empties]
        if len(found) != 1 or found[0].max_lag is not None:
            return None
        preds.append(found[0].pred)
        links.add((found[0].lag, found[0].lag_calendar))
    sid = next(iter(plan.tasks[tids[0]].empties))
    storage = plan.storages[sid]
    users = {t.id for t in plan.tasks.values() if sid in t.fills or sid in t.empties}
    groups = {group_of[p] for p in preds}
    if len(links) != 1 or len(groups) != 1 or len(set(preds)) != len(preds) or \
            users != set(preds) | set(tids) or storage.initial or storage.arrivals:
        return None
    first = _crew(plan, preds, exact=False)
    second = _crew(plan, tids, exact=False)
    if first is None or second is None or first[0] == second[0]:
        return None
    link = next(lk for lk in plan.tasks[tids[0]].links if lk.pred == preds[0])
    most = max(c for _, c in storage.steps)
    return Pair(tuple(preds), tuple(tids), groups.pop(), link, (first, second), most)


def alone(g: str, tids, crew) -> Pair:
    """Step g's tasks as a walk of their one crew, with no second step."""
    return Pair(tuple(tids), (), g, None, (crew,))


def crew_of(plan: Plan, tids) -> tuple[str, int, int, str | None] | None:
    """(crew, demand, duration, calendar) of tasks done by one crew in modes of any duration
    (the least), or None."""
    return _crew(plan, tids, exact=False)


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
    return (rid, need, min(durations), calendars.pop()) if need > 0 else None


@dataclass(frozen=True)
class Before:
    """Tasks of the first step's crew that its tasks wait for (the halls' cooling loops before
    the racks' cool-connects): the i-th starts no sooner than starts[i-1]; k of the first
    step can start once needed[k-1] of them are done."""

    starts: list[int]
    needed: list[int]
    need: int  # crew units each holds
    duration: int  # its least, in working slots
    waits: dict | None = None  # task of the first step -> the tasks here it waits for


def pair_finishes(plan: Plan, cals: Calendars, pair: Pair, first_starts: list[int],
                  horizon: int, before: Before | None = None,
                  dues: list[int] | None = None, most: int = MOST_WALKED) -> list[int]:
    """Lower bounds on the j-th finish of the second step (j = 1..n) over schedules ending by
    `horizon`, and, given `dues`, whose k-th finish of the second step is by dues[k-1] (the
    horizon where none is); [] when the crews hold too many units, the second never waits,
    or the walk grows too long."""
    key = ("pair", pair, tuple(first_starts), _before_key(before), horizon,
           tuple(plan.resources[c[0]].steps for c in pair.crews), tuple(dues or ()))
    long = ("too long", pair.crews, pair.link, len(pair.second))
    if long in cals.memo:
        # A walk of this pair grew too long once: the next (the joint and split bounds' passes,
        # with other order statistics and crews less what compulsory parts hold) would too,
        # a fraction of a second each for nothing.
        return []
    if key not in cals.memo:
        walk = _Walk(plan, cals, pair, first_starts, horizon, before, dues=dues)
        cals.memo[key] = [] if walk.too_big() or walk.never_waits() else walk.run(most)[0]
        if not cals.memo[key] and not walk.too_big() and not walk.never_waits():
            cals.memo[long] = True
    return cals.memo[key]


@dataclass(frozen=True)
class Tail:
    """A step whose tasks each start after their own task of a pair's second step (finish to
    start) on one crew: the racks' power-ons after their leak tests. The walk gives the crew
    units of its own even where the pair's first step uses it too (a relaxation). A task takes
    `slow` working slots of its calendar, or `fast` for at most `paid` of them (what the
    budgets pay for); the k-th starts no sooner than starts[k-1]."""

    crew: tuple[str, int, int, str | None]
    slow: int
    fast: int
    paid: int
    starts: tuple[int, ...]


def tail_finishes(plan: Plan, cals: Calendars, pair: Pair, first_starts: list[int],
                  horizon: int, before: Before | None, tail: Tail) -> list[int]:
    """Lower bounds on the j-th finish of the tail's tasks (j = 1..n), the pair and the tail's
    crew followed together; [] when a crew holds too many units or the walk grows too long."""
    key = ("tail", pair, tuple(first_starts), _before_key(before), horizon,
           tuple(plan.resources[c[0]].steps for c in pair.crews + (tail.crew,)), tail)
    long = ("too long", pair.crews, pair.link, len(pair.second), tail.crew)
    if long in cals.memo:
        return []  # as for the pair: the next pass would grow as long
    if key not in cals.memo:
        walks = cals.memo.get("tail walks", 0)
        if walks >= MOST_TAILS:
            return []
        cals.memo["tail walks"] = walks + 1
        walk = _TailWalk(plan, cals, pair, first_starts, horizon, before, tail)
        cals.memo[key] = [] if walk.too_big() else walk.run(MOST_TAIL)[0]
        if not cals.memo[key] and not walk.too_big() and tail.paid:
            # The budget's choices make many states (seed 862: fifty of 72 power-ons may be
            # fast, 37 million); every task fast is a relaxation of far fewer (437 thousand).
            fast = Tail(tail.crew, tail.fast, tail.fast, 0, tail.starts)
            walk = _TailWalk(plan, cals, pair, first_starts, horizon, before, fast)
            cals.memo[key] = walk.run(MOST_TAIL)[0]
        if not cals.memo[key] and not walk.too_big():
            cals.memo[long] = True
    return cals.memo[key]


def _before_key(before: Before | None):
    return before and (tuple(before.starts), tuple(before.needed), before.need,
                       before.duration)


@dataclass(frozen=True)
class Score:
    """What the walk adds up: the k-th unit (array) is counted once needed[k-1] of the walked
    step's tasks are done, worth gpus[k-1] x the slots before `until` from the later of
    online[slot] (done by that slot) and floors[k-1]."""

    needed: list[int]
    gpus: list[int]
    floors: list[int]
    online: list[int]
    until: int

    def value(self, k: int, slot: int) -> int:
        online = self.online[min(slot, len(self.online) - 1)]
        return self.gpus[k] * max(0, self.until - max(online, self.floors[k]))


def _keep(front: list, new: tuple, dominates=None) -> int:
    """Add a state to a front (of the same numbers of tasks under way and waiting, the same
    units counted) unless one there is as good in every respect (`dominates`, by default
    _dominates), dropping those it beats; the states looked at."""
    dominates = dominates or _dominates
    kept = []
    for old in front:
        if dominates(old, new):
            return len(kept) + 1
        if not dominates(new, old):
            kept.append(old)
    looked = len(front)
    kept.append(new)
    front[:] = kept
    return looked


def _dominates(a: tuple, b: tuple) -> bool:
    """State a is as good as b: as many units counted, as much score, no worse work."""
    return a[3] >= b[3] and a[4] >= b[4] and _no_worse(a[0], a[1], a[2], b[0], b[1], b[2])


def _no_worse(hs, bs, ws, oh, ob, ow) -> bool:
    """Work left no more, finishes waiting no sooner (sorted tuples of equal lengths)."""
    return all(x <= y for x, y in zip(hs, oh)) and all(x <= y for x, y in zip(bs, ob)) \
        and all(x >= y for x, y in zip(ws, ow))


class _Walk:
    """The slot-by-slot moves of one crew, or a pair's two (see the module docstring)."""

    def __init__(self, plan, cals, pair, first_starts, horizon, before, score=None,
                 dues=None):
        (ra, self.need_a, self.dur_a, cal_a) = pair.crews[0]
        self.cap_a = _capacity(plan, cals, ra, horizon)
        self.works_a = _works(cals, cal_a, horizon)
        self.paired = len(pair.crews) > 1
        if self.paired:
            (rb, self.need_b, self.dur_b, cal_b) = pair.crews[1]
            self.cap_b = _capacity(plan, cals, rb, horizon)
            self.works_b = _works(cals, cal_b, horizon)
            self.most = pair.link.max_lag  # None through a storage: no deadline
            self.buffer = pair.buffer
            key = ("opens", pair.link, horizon)
            if key not in cals.memo:
                cals.memo[key] = [lag_end(cals, pair.link, f) for f in range(horizon + 2)]
            self.opens = cals.memo[key]
        else:
            self.need_b, self.dur_b, self.most, self.buffer = 1, 1, 0, None
            self.cap_b, self.works_b = [0] * horizon, [False] * horizon
        self.first_starts, self.before, self.score = first_starts, before, score
        self.horizon = horizon
        self.n = len(pair.second) if self.paired else len(first_starts)
        # due[t]: the tasks of the second step that must be done by slot t (the dues given).
        self.due = [0] * (horizon + 2)
        for d in dues or ():
            if d <= horizon + 1:
                self.due[max(0, d)] += 1
        self.due = list(itertools.accumulate(self.due))

    def too_big(self) -> bool:
        """Whether a crew holds more units than MOST_UNITS, with more than MOST_WORK slots of
        work under way at once (five riggers on 2 h positions are few states)."""
        least_a = min([self.need_a] + ([self.before.need] if self.before else []))
        units_a = max(self.cap_a, default=0) // least_a
        units_b = max(self.cap_b, default=0) // self.need_b
        return (units_a > MOST_UNITS and (units_a * self.dur_a > MOST_WORK or
                                          self.before is not None)) or \
            (units_b > MOST_UNITS and units_b * self.dur_b > MOST_WORK)

    def never_waits(self) -> bool:
        """Whether the second crew, always at work, has a unit free for every first-step
        task the moment it finishes (the flow line knows all then)."""
        if any(not w for w in self.works_b) or self.buffer is not None:
            return False
        per_unit = -(-self.dur_b // self.dur_a)  # finishes one unit makes while a test runs
        return min(self.cap_b, default=0) // self.need_b >= \
            max(self.cap_a, default=0) // self.need_a * per_unit

    def run(self, most: int = MOST_WALKED, deadline: float | None = None
            ) -> tuple[list[int], int | None]:
        """(the first slot each count of done tasks is reached, the horizon where none is;
        the most the score adds up), or ([], None) when the walk grows past `most` states or
        runs past `deadline`."""
        first = [self.horizon] * (self.n + 1)
        # State: the `before` tasks done, the work left of each first-step task under way,
        # the finishes of those done whose tests may not start yet (and how many tasks the
        # front below holds under way and waiting), units counted -> the front of (work left
        # of each `before` task under way, of each second-step task under way, the finishes
        # of those done whose tests may start, tasks done, score): less work left, later
        # finishes (later deadlines), more done and more score are better.
        states = self._initial()
        before = self.before
        begin = min(self.first_starts + (before.starts if before else []),
                    default=self.horizon)
        walked = 0  # states reached and compared
        for t in range(max(0, begin), self.horizon):
            if self._off(t):
                # Off shift a crew alone does nothing: each state stays as it is, unless it
                # has fewer done than the dues ask by the next slot (a crew on nights is off
                # 128 of a week's 168 h).
                states = _meeting(states, self.due[t + 1])
                if not states:
                    break
                continue
            nxt: dict[tuple, list] = {}
            for key, front in states.items():
                for state in front:
                    walked += self.step(t, key, state, nxt, first)
            states = nxt
            walked += sum(len(f) for f in states.values())
            self.walked = walked
            if walked > most or (deadline is not None and time.monotonic() > deadline):
                return [], None
            if self._complete(first) or not states:
                break
        return self._answer(states, first)

    def _initial(self) -> dict[tuple, list]:
        return {(0, (), (), 0, 0, 0, 0): [((), (), (), 0, 0)]}

    def _off(self, t: int) -> bool:
        """Whether nothing can start or end at slot t (a crew alone off shift)."""
        return not self.paired and not self.works_a[t]

    def _complete(self, first: list[int]) -> bool:
        return first[self.n] < self.horizon and self.score is None

    def _answer(self, states: dict[tuple, list], first: list[int]
                ) -> tuple[list[int], int | None]:
        best = max((state[4] for front in states.values() for state in front), default=0)
        return first[1:], best

    def step(self, t, key, state, nxt, first) -> int:
        """Every way a state goes from slot t to t + 1; the states compared on the way."""
        done_h, run_a, later, units = key[0], key[1], key[2], key[6]
        run_h, run_b, ready, done, score = state
        before, works_a, works_b = self.before, self.works_a[t], self.works_b[t]
        used_a = self.need_a * len(run_a) + (before.need * len(run_h) if before else 0)
        if (works_a and used_a > self.cap_a[t]) or \
                (works_b and self.need_b * len(run_b) > self.cap_b[t]):
            return 0  # the crew shrank under tasks still at work
        most = self.most
        if ready and most is not None and ready[0] + most < t:
            return 0
        can_b = min(self.cap_b[t] // self.need_b - len(run_b), len(ready)) if works_b else 0
        # Those whose last slot to start this is; through a storage, as many as it cannot hold.
        due = sum(1 for f in ready if f + most <= t) if most is not None else \
            max(0, len(ready) + len(later) - self.buffer) if self.buffer is not None else 0
        if due > can_b:
            return 0
        free = self.cap_a[t] - used_a if works_a else 0
        started = done + len(run_a) + len(run_b) + len(ready) + len(later)
        looked = 0
        for b in range(due, can_b + 1):
            left = ready[b:] + later  # tests go to the earliest deadlines
            bs = _worked(run_b + (self.dur_b,) * b, works_b)
            tested = done + bs.count(0)
            bs = tuple(sorted(x for x in bs if x))
            for h_new in range(self._can_before(t, done_h, run_h, free) + 1):
                hs = _worked(run_h + (before.duration,) * h_new, works_a) if before else ()
                dh = done_h + hs.count(0)
                hs = tuple(sorted(x for x in hs if x))
                room = free - (before.need * h_new if before else 0)
                for a in range(self._can_first(t, started, done_h, room) + 1):
                    as_ = _worked(run_a + (self.dur_a,) * a, works_a)
                    if self.paired:
                        got, waiting = tested, sorted(left + (t + 1,) * as_.count(0))
                    else:
                        got, waiting = tested + as_.count(0), []
                    if got < self.due[t + 1]:
                        continue  # fewer done than the dues ask: no schedule goes this way
                    for j in range(done + 1, got + 1):
                        first[j] = min(first[j], t + 1)
                    counted, gained = self._scored(units, got, t + 1)
                    opened = tuple(f for f in waiting if self.opens[f] <= t + 1)
                    shut = tuple(f for f in waiting if self.opens[f] > t + 1)
                    key = (dh, tuple(sorted(x for x in as_ if x)), shut, len(hs), len(bs),
                           len(opened), counted)
                    looked += _keep(nxt.setdefault(key, []),
                                    (hs, bs, opened, got, score + gained))
        return looked

    def _scored(self, units: int, done: int, slot: int) -> tuple[int, int]:
        """(units counted, what they add) once `done` tasks are done by `slot`."""
        score = self.score
        if score is None:
            return units, 0
        gained = 0
        while units < len(score.needed) and score.needed[units] <= done:
            gained += score.value(units, slot)
            units += 1
        return units, gained

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


def _meeting(states: dict[tuple, list], due: int) -> dict[tuple, list]:
    """The states with at least `due` tasks done (all of them when none are due)."""
    if not due:
        return states
    out = {}
    for key, front in states.items():
        kept = [state for state in front if state[3] >= due]
        if kept:
            out[key] = kept
    return out


class _TailWalk(_Walk):
    """The pair's walk with the tail's crew in it: a state also has the tail's tasks under way
    (their work left, in the key) and, in the front, how many are done and how many took the
    faster mode. The tail's crew starts a task whenever a unit is free, a task of the second
    step is done and not yet taken, and the order statistics allow (tasks of one kind: waiting
    never makes one finish sooner, unless the crew shrinks later), in either mode while the
    budget lasts. A state dominates
    another with the same under way if it has as many done in each step and no more paid."""

    def __init__(self, plan, cals, pair, first_starts, horizon, before, tail: Tail):
        super().__init__(plan, cals, pair, first_starts, horizon, before)
        rc, self.need_c, _, cal_c = tail.crew
        self.cap_c = _capacity(plan, cals, rc, horizon)
        self.works_c = _works(cals, cal_c, horizon)
        self.tail = tail
        # lowest_c[t]: the least capacity from slot t on.
        self.lowest_c = list(itertools.accumulate(reversed(self.cap_c + [10 ** 9]), min))[::-1]

    def too_big(self) -> bool:
        return super().too_big() or max(self.cap_c, default=0) // self.need_c > MOST_UNITS

    def _initial(self) -> dict[tuple, list]:
        self.first_c = [self.horizon] * (len(self.tail.starts) + 1)
        return {(0, (), (), 0, 0, 0, 0, ()): [((), (), (), 0, 0, 0, 0)]}

    def _off(self, t: int) -> bool:
        return False  # the tail's crew may work when the first is off

    def _complete(self, first: list[int]) -> bool:
        return self.first_c[-1] < self.horizon

    def _answer(self, states: dict[tuple, list], first: list[int]
                ) -> tuple[list[int], int | None]:
        """(the first slot each count of the tail's tasks done is reached, the horizon where
        none is; 0)."""
        return self.first_c[1:], 0

    def step(self, t, key, state, nxt, first) -> int:
        run_c, (done_c, paid) = key[7], state[5:]
        moves = self._tail_moves(t, run_c, done_c, paid, state[3] - done_c - len(run_c))
        if moves is None:
            return 0
        pair: dict[tuple, list] = {}
        looked = super().step(t, key[:7], state[:5], pair, first)
        for k, front in pair.items():
            for upstream in front:
                for run, spent, done in moves:
                    for j in range(done_c + 1, done + 1):
                        self.first_c[j] = min(self.first_c[j], t + 1)
                    looked += _keep(nxt.setdefault(k + (run,), []), upstream + (done, spent),
                                    _dominates_tail)
        return looked

    def _tail_moves(self, t, run_c, done_c, paid, waiting):
        """[(work left of the tail's tasks under way, paid, done)] after slot t, given the
        second step's tasks done by t and not yet taken; None if the crew shrank under them."""
        tail = self.tail
        if not self.works_c[t]:
            return [(run_c, paid, done_c)]
        if self.need_c * len(run_c) > self.cap_c[t]:
            return None
        started, allowed = done_c + len(run_c), 0
        while started + allowed < len(tail.starts) and tail.starts[started + allowed] <= t:
            allowed += 1
        most = min(self.cap_c[t] // self.need_c - len(run_c), waiting, allowed)
        # Waiting is no help unless the crew shrinks later: a task paused overnight holds a
        # unit when it resumes, so one begun before the fall may leave none for it.
        least = most if self.lowest_c[t + 1] >= self.cap_c[t] else 0
        moves = []
        for k in range(least, most + 1):
            for fast in range(min(k, tail.paid - paid) + 1):
                run = _worked(run_c + (tail.fast,) * fast + (tail.slow,) * (k - fast), True)
                moves.append((tuple(sorted(x for x in run if x)), paid + fast,
                              done_c + run.count(0)))
        return moves


def _dominates_tail(a: tuple, b: tuple) -> bool:
    """_dominates for a tail walk's states: as many of the tail's tasks done, no more paid
    (the score is not kept there)."""
    return a[3] >= b[3] and a[5] >= b[5] and a[6] <= b[6] and \
        _no_worse(a[0], a[1], a[2], b[0], b[1], b[2])


def _worked(left: tuple, works: bool) -> tuple:
    """Work left after slot t: one less for each task if its calendar works then."""
    return tuple(x - 1 for x in left) if works else left


def _capacity(plan: Plan, cals: Calendars, rid: str, horizon: int) -> list[int]:
    key = ("capacity", plan.resources[rid], horizon)
    if key not in cals.memo:
        out = [0] * horizon
        for lo, hi, cap in plan.resources[rid].profile(horizon):
            for t in range(max(0, lo), min(hi, horizon)):
                out[t] = cap
        cals.memo[key] = out
    return cals.memo[key]


def _works(cals: Calendars, cal_id: str | None, horizon: int) -> list[bool]:
    key = ("works", cal_id, horizon)
    if key not in cals.memo:
        cal = cals.get(cal_id)
        cals.memo[key] = [cal.is_working(t) for t in range(horizon)]
    return cals.memo[key]


def walk_floor(plan: Plan, cals: Calendars, proven, floor: int, best: int, until: int,
               deadline: float) -> int:
    """A floor at least `floor` for a gpu-hours objective, given a schedule scoring `best`:
    for each step every GPU task waits for, done by a small crew that also lays what the
    step waits for (or tested within a maximum lag by a small crew), the most GPU-slots the
    walk allows, plus the soft targets' penalty floor; steps are tried while time is left
    before `deadline`."""
    flow = proven.flow
    if plan.objective.kind != "gpu-hours" or best <= floor or flow is None or until <= 0:
        return floor
    penalty = sum(plan.targets[t].penalty * max(0, slot - plan.targets[t].due)
                  for t, slot in proven.reach.items())
    gpu_tasks = [t.id for t in plan.tasks.values() if t.gpus]
    walks = []
    for g in sorted(flow.groups):
        walk = _gpu_walk(plan, cals, flow, g, until)  # a crew small enough first: cheap
        feeds = walk and _feeds(plan, gpu_tasks, set(flow.groups[g]))
        if feeds and len(feeds) == len(flow.groups[g]):
            walk.score = _gpu_score(plan, flow, feeds, until)  # passes: only for a walk
            walks.append(walk)
    # One crew's walks first: a pair's (two crews of up to three) took 40 s on a varied plan.
    for walk in sorted(walks, key=lambda w: w.paired):
        if time.monotonic() > deadline or floor >= best:
            break
        most = walk.run(MOST_SCORED, deadline)[1]
        if most is not None:
            floor = max(floor, penalty - most)
    return floor


def _feeds(plan: Plan, gpu_tasks: list[str], step: set[str]) -> dict[str, str] | None:
    """Task of the step -> the one GPU task that waits for it, if every GPU task waits for
    some of the step's tasks (through links of any kind) and no task for two."""
    out: dict[str, str] = {}
    for a in gpu_tasks:
        seen, stack, found = {a}, [a], False
        while stack:
            for link in plan.tasks[stack.pop()].links:
                p = link.pred
                if p in step:
                    if out.setdefault(p, a) != a:
                        return None
                    found = True
                elif p not in seen:
                    seen.add(p)
                    stack.append(p)
        if not found:
            return None
    return out


def _gpu_walk(plan: Plan, cals: Calendars, flow, g: str, until: int) -> _Walk | None:
    """The walk of step g's crew (with what it lays first), or of the pair g is the tests
    of, to score GPU-slots; None where there is no such crew or it holds too many units."""
    tids = flow.groups[g]
    pair = coupled_pair(plan, tids, flow.group_of)
    if pair is not None and len(flow.groups[pair.first_group]) == len(tids) and \
            pair.first_group in flow.S:
        first, starts = pair.first_group, flow.S[pair.first_group]
    else:
        crew = _crew(plan, tids, exact=False)
        if crew is None or g not in flow.S:
            return None
        pair = alone(g, tids, crew)
        first, starts = g, flow.S[g]
    before = flow.crew_before(first, pair.crews[0])
    if before is None:
        return None  # a crew alone: the flow line's unit chains see it
    walk = _Walk(plan, cals, pair, starts, until, before)
    if walk.too_big() or (walk.paired and walk.never_waits()) or \
            ("too long", pair.crews, pair.link, len(pair.second)) in cals.memo:
        return None
    return walk


def _gpu_score(plan: Plan, flow, feeds: dict[str, str], until: int) -> Score:
    """The k-th GPU task counted once the k smallest sets of the step's tasks are done, worth
    the k-th most GPUs times the slots before `until` from when it can come online."""
    sizes: dict[str, int] = defaultdict(int)
    for a in feeds.values():
        sizes[a] += 1
    needed = list(itertools.accumulate(sorted(sizes.values())))
    gpus = sorted((plan.tasks[a].gpus for a in sizes), reverse=True)
    groups = {flow.group_of[a] for a in sizes}
    order = flow.F.get(groups.pop(), []) if len(groups) == 1 else []
    floors = order if len(order) == len(gpus) else [0] * len(gpus)
    return Score(needed, gpus, list(floors), _online_after(flow, feeds, until), until)


def _online_after(flow, feeds: dict[str, str], until: int) -> list[int]:
    """[slot] -> the earliest any GPU task can come online once the step's task it waits for
    is done at that slot (a forward pass from each; every few slots past MOST_PASSES, each
    holding until the next: online times only grow)."""
    step = max(1, -(-len(feeds) * until // MOST_PASSES))
    out, now = [], 0
    for slot in range(until + 1):
        if slot % step == 0:
            now = min(flow.ends.after_finish(t, slot, a) for t, a in feeds.items())
        out.append(now)
    return out


def latest_ends(plan: Plan, cals: Calendars, flow, finish: int,
                deadline: float | None = None) -> dict[str, int]:
    """Task -> the latest it may end in a schedule that ends by `finish`, for what a crew
    lays before the racks it then works on (a hall's cooling loop): all of its racks' tasks
    on that crew (and their tests within a maximum lag) are still to do after it, each
    ending early enough for what follows it. From T on, the walk finishes the last of them
    no sooner than G(T), which only grows with T: the latest end is the largest T with
    G(T) in time (a binary search), T = 0 being the least. Only while time is left before
    `deadline`."""
    key = ("latest ends", id(flow), finish)
    if key in cals.memo and cals.memo[key][0] is flow:  # not another flow of the same id
        return cals.memo[key][1]
    out: dict[str, int] = {}
    walks = [w for w in (_walked_step(plan, flow, g) for g in sorted(flow.groups)) if w]
    tested = {pair.first_group for pair, _ in walks if pair.second}
    succ = plan.successors()
    for pair, before in walks:
        if not pair.second and pair.first_group in tested:
            continue  # the racks' tests say more of the loop than the racks alone
        by_first = dict(zip(pair.first, pair.second)) if pair.second else {}
        for task in sorted({b for bs in before.waits.values() for b in bs}):
            if deadline is not None and time.monotonic() > deadline:
                return out
            firsts = tuple(sorted(t for t, bs in before.waits.items() if task in bs))
            ends = [by_first[t] for t in firsts] if by_first else list(firsts)
            # The k-th of them to finish ends by dues[k]: the racks' later crews need time.
            dues = latest_finishes(plan, cals, flow, ends, finish, succ) or \
                [finish - min(flow.after[t] for t in ends)] * len(ends)
            sub = Pair(firsts, tuple(by_first[t] for t in firsts) if by_first else (),
                       pair.first_group, pair.link, pair.crews)
            soonest = before.starts[0] + before.duration  # no loop ends sooner
            out[task] = _latest(plan, cals, sub, dues, finish, flow.horizon, soonest)
    cals.memo[key] = (flow, out)
    return out


def _walked_step(plan: Plan, flow, g: str) -> tuple[Pair, Before] | None:
    """The pair g is the tests of, or g's own crew, with what its first step waits for on
    its crew; None where there is none."""
    tids = flow.groups[g]
    pair = coupled_pair(plan, tids, flow.group_of)
    if pair is not None and len(flow.groups[pair.first_group]) == len(tids):
        before = flow.crew_before(pair.first_group, pair.crews[0])
    else:
        crew = _crew(plan, tids, exact=False)
        pair = crew and alone(g, tids, crew)
        before = pair and flow.crew_before(g, crew)
    if pair is None or before is None or before.waits is None:
        return None
    return pair, before


def _latest(plan: Plan, cals: Calendars, pair: Pair, dues: list[int], finish: int,
            horizon: int, soonest: int) -> int:
    """The largest T in [soonest, dues[-1]] whose walk (every first-step task free to start
    from T) has its k-th task done by dues[k] for every k; `finish` when the walk says
    nothing (cut short). The walks are kept per kind of pair ({T: (when each is done, looked
    up to)}) for the next dues: each only grows with T, so those known narrow the search. A
    walk looks as far as the flow line's horizon, or the last due if later (a finish past the
    horizon may be in the grid)."""
    n = len(pair.second) if pair.second else len(pair.first)
    known = cals.memo.setdefault(("latest", pair.crews, pair.link, n, tuple(
        plan.resources[c[0]].steps for c in pair.crews)), {})
    due = dues[-1]

    def late(done: list[int], upto: int) -> bool:
        """Whether a walk whose k-th is done at done[k] (up to `upto`) misses a due."""
        return any(d > by or d >= upto for d, by in zip(done, dues))

    def in_time(t: int) -> bool | None:  # None: the walk was cut short, it says nothing
        done, upto = known.get(t, (None, -1))
        if done is None or upto <= due and late(done, upto):
            walk = _Walk(plan, cals, pair, [t] * n, max(horizon, due + 1), None)
            done = [] if walk.too_big() else walk.run(MOST_LATEST)[0]
            if not done:
                return None
            upto = walk.horizon
            known[t] = (done, upto)
        return not late(done, upto)

    soonest = min(soonest, due)
    first = in_time(soonest)
    if first is None:
        return finish
    if not first:
        return soonest  # none in time: the flow line says so too
    lo = max([t for t, (d, upto) in known.items() if not late(d, upto)] + [soonest])
    hi = min([t - 1 for t, (d, upto) in known.items() if late(d, upto) and (
        upto > due or any(x > by for x, by in zip(d, dues) if x < upto))] + [due])
    for _ in range(MOST_PROBES):  # the latest end is in [lo, hi]
        if lo >= hi:
            break
        mid = (lo + hi + 1) // 2
        if in_time(mid) is not False:  # a walk cut short says nothing: in time
            lo = mid
        else:
            hi = mid - 1
    return hi  # no sooner than the latest end: it is between lo and hi

