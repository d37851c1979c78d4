"""Working time on the slot axis: which slots a calendar works, and how long a task of `d` working
slots takes in elapsed slots when it starts at `s` (it pauses outside shifts)."""

from __future__ import annotations

from datetime import timedelta

import pendulum

from .plan import CalendarSpec, Plan


class WorkTime:
    """The working slots of one calendar, materialised lazily up to a horizon that grows on demand.

    `spec` None is elapsed time: every slot works.
    """

    def __init__(self, spec: CalendarSpec | None, start: pendulum.DateTime, slot_minutes: int):
        self.spec = spec
        self._start_utc = start.in_timezone("UTC").naive()
        self._tz = start.timezone
        self._step = timedelta(minutes=slot_minutes)
        self._work = bytearray()
        self._pos: list[int] = []  # k -> the k-th working slot
        self._ranks: list[int] = []  # slot -> working slots before it (no bisect per call)
        self._groups: dict[tuple[int, int], dict[int, list[tuple[int, int]]]] = {}
        self.ensure(1)

    @property
    def id(self) -> str | None:
        return self.spec.id if self.spec else None

    def ensure(self, horizon: int) -> None:
        n = len(self._work)
        if horizon <= n:
            return
        new = max(horizon, 2 * n, 64)
        for slot in range(n, new):
            working = self._slot_works(slot)
            self._work.append(working)
            self._ranks.append(len(self._pos))
            if working:
                self._pos.append(slot)
        self._groups.clear()

    def _slot_works(self, slot: int) -> bool:
        spec = self.spec
        if spec is None:
            return True
        for lo, hi in spec.off:
            if lo <= slot < hi:
                return False
        local = (self._start_utc + slot * self._step).replace(tzinfo=pendulum.UTC)
        local = local.astimezone(self._tz)
        minute = local.hour * 60 + local.minute
        day = local.date()
        for a, b in self._shifts(day):
            if a <= minute < min(b, 1440):
                return True
        for a, b in self._shifts(day - timedelta(days=1)):  # a shift past midnight
            if b > 1440 and minute < b - 1440:
                return True
        return False

    def _shifts(self, day) -> tuple[tuple[int, int], ...]:
        """The shifts that start on a local date: none on a holiday."""
        assert self.spec is not None
        if day.isoformat() in self.spec.holidays:
            return ()
        return self.spec.shifts_on(day.weekday())

    def is_working(self, slot: int) -> bool:
        self.ensure(slot + 1)
        return bool(self._work[slot])

    def _rank(self, slot: int) -> int:
        """Number of working slots before `slot`."""
        if slot >= len(self._ranks):
            self.ensure(slot + 1)
        return self._ranks[slot] if slot >= 0 else 0

    def _kth(self, k: int) -> int:
        if k < len(self._pos):
            return self._pos[k]
        while k >= len(self._pos):
            before = len(self._pos)
            self.ensure(2 * len(self._work))
            if len(self._pos) == before and len(self._work) > 10_000_000:
                raise ValueError(f"calendar '{self.id}' has no working time left")
        return self._pos[k]

    def next_working(self, slot: int) -> int:
        """The first working slot at or after `slot`."""
        if self.spec is None and slot >= 0:
            return slot  # elapsed time: every slot works
        return self._kth(self._rank(slot))

    def finish(self, start: int, duration: int) -> int:
        """End slot (exclusive) of `duration` working slots begun at the first working slot >= start."""
        if duration == 0:
            return start
        if self.spec is None and start >= 0:
            return start + duration
        return self._kth(self._rank(start) + duration - 1) + 1

    def unbroken_start(self, slot: int, duration: int) -> int | None:
        """The first start at or after `slot` whose `duration` working slots follow one
        another without a pause (a task that must not pause), or None within 400 days."""
        if duration == 0:
            return slot
        give_up = slot + 400 * 1440 * 60 // int(self._step.total_seconds())
        k = self._rank(slot)
        while True:
            first = self._kth(k)
            if first > give_up:
                return None
            last = self._kth(k + duration - 1)
            if last - first == duration - 1:
                return first
            while self._pos[k + 1] == self._pos[k] + 1:  # to the first pause, then past it
                k += 1
            k += 1

    def segments(self, start: int, duration: int) -> list[tuple[int, int]]:
        """The [from, to) spans in which a task of `duration` working slots begun at `start` works."""
        if self.spec is None and start >= 0:
            return [(start, start + duration)] if duration else []
        out: list[tuple[int, int]] = []
        k = self._rank(start)
        for i in range(duration):
            slot = self._kth(k + i)
            if out and out[-1][1] == slot:
                out[-1] = (out[-1][0], slot + 1)
            else:
                out.append((slot, slot + 1))
        return out

    def latest_start(self, finish: int, duration: int) -> int:
        """The latest start whose `duration` working slots end by `finish` (-1 if none)."""
        if duration == 0:
            return finish
        k = self._rank(finish) - duration
        return self._pos[k] if k >= 0 else -1

    def working_in(self, lo: int, hi: int) -> int:
        """Number of working slots in [lo, hi)."""
        return self._rank(hi) - self._rank(lo)

    def working_intervals(self, horizon: int) -> list[tuple[int, int]]:
        """Working slots before `horizon` as closed intervals [a, b] (cached per horizon)."""
        self.ensure(horizon)
        key = (-1, horizon)
        if key in self._groups:
            return self._groups[key]  # type: ignore[return-value]
        out: list[tuple[int, int]] = []
        for slot in self._pos:
            if slot >= horizon:
                break
            if out and out[-1][1] == slot - 1:
                out[-1] = (out[-1][0], slot)
            else:
                out.append((slot, slot))
        self._groups[key] = out  # type: ignore[assignment]
        return out

    def length_groups(self, duration: int, horizon: int) -> dict[int, list[tuple[int, int]]]:
        """Starts before `horizon` grouped by elapsed length: {length: [closed start intervals]}.

        A task's elapsed length depends only on its start; the CP-SAT model picks one group per task
        instead of an element constraint over the whole horizon (a handful of groups, not thousands).
        """
        key = (duration, horizon)
        if key in self._groups:
            return self._groups[key]
        self.ensure(horizon)
        groups: dict[int, list[tuple[int, int]]] = {}
        base = self._rank(0)
        k = base
        while k < len(self._pos) and self._pos[k] < horizon:
            s = self._pos[k]
            length = self._kth(k + duration - 1) + 1 - s
            spans = groups.setdefault(length, [])
            if spans and spans[-1][1] == s - 1:
                spans[-1] = (spans[-1][0], s)
            else:
                spans.append((s, s))
            k += 1
        self._groups[key] = groups
        return groups

    def lag_groups(self, lag: int, horizon: int) -> dict[int, list[tuple[int, int]]]:
        """Every slot t in [0, horizon] grouped by the elapsed length of `lag` working slots
        counted from t: {length: [closed intervals of t]} (for lags in working time)."""
        key = (-2 - lag, horizon)
        if key in self._groups:
            return self._groups[key]
        self.ensure(horizon + 1)
        groups: dict[int, list[tuple[int, int]]] = {}
        for t in range(horizon + 1):
            length = self.finish(t, lag) - t
            spans = groups.setdefault(length, [])
            if spans and spans[-1][1] == t - 1:
                spans[-1] = (spans[-1][0], t)
            else:
                spans.append((t, t))
        self._groups[key] = groups
        return groups

    def always_works(self, horizon: int) -> bool:
        self.ensure(horizon)
        return self.spec is None or all(self._work[:horizon])


def lag_end(cals: Calendars, link, there: int) -> int:
    """The earliest slot a link lets its successor's start (or finish) be, from the
    predecessor's finish (or start) `there`: `lag` elapsed slots later, or for a lag in working
    time, the end of `lag` working slots of its calendar counted from `there`."""
    if link.lag_calendar is None or link.lag == 0:
        return there + link.lag
    return cals.get(link.lag_calendar).finish(there, link.lag)


class Calendars:
    """WorkTime per calendar id of a plan; `get(None)` is elapsed time."""

    def __init__(self, plan: Plan):
        self._plan = plan
        self._by_id: dict[str | None, WorkTime] = {}
        # What the bounds derive from these calendars and want again on the next pass (the
        # crew walks): keys carry everything else the result depends on.
        self.memo: dict = {}

    def get(self, cal_id: str | None) -> WorkTime:
        if cal_id not in self._by_id:
            spec = self._plan.calendars[cal_id] if cal_id is not None else None
            self._by_id[cal_id] = WorkTime(spec, self._plan.start, self._plan.slot_minutes)
        return self._by_id[cal_id]


def day_windows(plan: Plan, horizon: int):
    """(lo, hi) slot ranges of the local days from the start up to `horizon` (a day that
    daylight saving makes 23 or 25 hours long stays one day)."""
    for _, lo, hi in _days(plan, horizon):
        yield lo, min(hi, horizon)


def _days(plan: Plan, horizon: int):
    step = plan.slot_minutes
    day = plan.start.start_of("day")
    while True:
        lo = max(0, int((day - plan.start).total_seconds() // 60 // step))
        nxt = day.add(days=1)
        hi = int(-(-(nxt - plan.start).total_seconds() // 60 // step))
        if lo >= horizon:
            return
        yield day, lo, max(hi, lo)
        day = nxt


def nonworking_days(plan: Plan, cals: Calendars, horizon: int) -> list[str]:
    """Local dates up to `horizon` on which no crew calendar has any working time."""
    used = {r.calendar for r in plan.resources.values() if r.calendar}
    if not used:
        return []
    return [day.to_date_string() for day, lo, hi in _days(plan, horizon)
            if all(cals.get(c).working_in(lo, hi) == 0 for c in used)]
