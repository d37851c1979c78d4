"""Progress in: what actually happened up to the status date, read from a CSV file, and the plan
of the work that remains.

The remaining plan is the same plan on the same time axis with the past taken out: finished
tasks are gone (their finishes release their successors), started tasks do their remaining work
from the status date holding their crews, nothing unstarted starts before the status date,
storage starts at the level the past left, budgets are what is left of them, and targets count
what is already done. Everything downstream (list scheduler, bounds, CP-SAT, verifier) works on
it unchanged; `merge` puts the actual spans and the forecast back together for the outputs.
"""

from __future__ import annotations

import csv
import fnmatch
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from .calendar import Calendars, lag_end
from .errors import PlanInvalid, Problem, did_you_mean
from .plan import LinkType, Mode, Plan, Storage, Target, Task, delivery_of
from .schedule import Schedule, ScheduledTask
from .units import ValueProblem, parse_datetime, to_slots

COLUMNS = ("task", "actual_start", "actual_finish", "percent_complete", "remaining", "note",
           "delivery", "arrived", "quantity", "status_date", "suspended", "resumed",
           "resource", "capacity", "from", "to",
           "planned_start", "planned_finish")  # planned_*: for reference, not read
_GLOB = set("*?[")


@dataclass
class Actual:
    start: int
    finish: int | None = None  # None: in progress
    remaining: int | None = None  # slots of work left at the status date (in progress)
    row: int = 0
    # A suspension: work stopped at `pause[0]` and went on at `pause[1]` (None: not yet).
    pause: tuple[int, int | None] | None = None

    def spans(self, now: int) -> tuple[tuple[int, int], ...]:
        """The spans in which the task worked (held its crews) up to the status date."""
        end = self.finish if self.finish is not None else now
        if self.pause is None:
            return ((self.start, end),) if end > self.start else ()
        stop, again = self.pause
        out = [(self.start, stop)] if stop > self.start else []
        if again is not None and end > again:
            out.append((again, end))
        return tuple(out)


@dataclass
class Progress:
    file: str
    status_date: int  # slot
    tasks: dict[str, Actual] = field(default_factory=dict)
    received: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # delivery -> units
    warnings: list[str] = field(default_factory=list)
    # Crews that differ from the plan: (resource, from slot, to slot or None, capacity).
    crews: list[tuple[str, int, int | None, int]] = field(default_factory=list)
    crew_rows: dict[str, int] = field(default_factory=dict)  # resource -> its first row


def read_progress(path: str | Path, plan: Plan, as_of=None, rows=None) -> Progress:
    """Read and check a progress CSV against the plan (or `rows`, dicts of strings, read from a
    workbook's Progress sheet by exports/); PlanInvalid with every problem (file:row, the
    column, the fix) when anything is wrong."""
    file = str(path)
    if rows is None:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise PlanInvalid(file, [Problem("unreadable", "", f"cannot read the progress "
                                             f"file: {exc}")]) from None
        rows = list(csv.DictReader(text.splitlines()))
    reader = _Reader(file, plan)
    reader.header(rows[0].keys() if rows else [])
    status = reader.status_date(rows, as_of)
    for n, row in enumerate(rows, start=2):  # row 1 is the header
        reader.row(n, row, status)
    if reader.problems:
        raise PlanInvalid(file, reader.problems)
    return Progress(file, status if status is not None else 0, reader.tasks, reader.received,
                    crews=reader.crews, crew_rows=reader.crew_rows)


class _Reader:
    def __init__(self, file: str, plan: Plan):
        self.file = file
        self.plan = plan
        self.problems: list[Problem] = []
        self.tasks: dict[str, Actual] = {}
        self.received: dict[str, list[tuple[int, int]]] = {}
        self.crews: list[tuple[str, int, int | None, int]] = []
        self.crew_rows: dict[str, int] = {}
        self.sources = {tid: delivery_of(t) for tid, t in plan.tasks.items()}
        self.cals = Calendars(plan)
        self.deliveries = {d for d in self.sources.values() if d}

    def error(self, n: int | None, column: str, message: str) -> None:
        self.problems.append(Problem("progress", f"column {column}" if column else "", message,
                                     n))

    def header(self, names) -> None:
        for name in names:
            if name not in COLUMNS:
                self.error(1, name or "(empty)", f"unknown column{did_you_mean(name, COLUMNS)};"
                           f" the columns are {', '.join(COLUMNS)}")

    def when(self, n, column, value) -> int | None:
        try:
            moment = parse_datetime(value.strip(), self.plan.timezone)
        except ValueProblem as exc:
            self.error(n, column, str(exc))
            return None
        seconds = (moment - self.plan.start).total_seconds()
        return -int(-seconds // (self.plan.slot_minutes * 60))

    def status_date(self, rows, as_of) -> int | None:
        if as_of is not None:
            return self.when(None, "--as-of", as_of)
        given = {(r.get("status_date") or "").strip() for r in rows} - {""}
        if not given:
            self.error(None, "status_date", "no status date: give --as-of DATETIME or a "
                       "status_date column")
            return None
        if len(given) > 1:
            self.error(None, "status_date", f"rows disagree: {', '.join(sorted(given))}")
            return None
        return self.when(None, "status_date", given.pop())

    def row(self, n: int, row: dict, status: int | None) -> None:
        task = (row.get("task") or "").strip()
        delivery = (row.get("delivery") or "").strip()
        resource = (row.get("resource") or "").strip()
        if sum(map(bool, (task, delivery, resource))) > 1:
            self.error(n, "task", "a row is a task, a delivery or a resource, one of them")
        elif task:
            self.task_row(n, task, row, status)
        elif delivery:
            self.delivery_row(n, delivery, row, status)
        elif resource:
            self.crew_row(n, resource, row)

    def crew_row(self, n, rid, row) -> None:
        """A crew other than planned for a while: `resource`, `capacity`, `from`, `to`."""
        if rid not in self.plan.resources:
            self.error(n, "resource", f"unknown resource '{rid}'"
                       f"{did_you_mean(rid, self.plan.resources)}")
            return
        try:
            capacity = int((row.get("capacity") or "").strip())
        except ValueError:
            capacity = -1
        if capacity < 0:
            self.error(n, "capacity", "must be a whole number >= 0")
            return
        start = (row.get("from") or "").strip()
        lo = self.when(n, "from", start) if start else None
        if lo is None:
            if not start:
                self.error(n, "from", "is required on a resource row")
            return
        end = (row.get("to") or "").strip()
        hi = self.when(n, "to", end) if end else None
        if end and hi is None:
            return
        if hi is not None and hi <= lo:
            self.error(n, "to", "must be after 'from'")
            return
        self.crews.append((rid, max(0, lo), hi, capacity))
        self.crew_rows.setdefault(rid, n)

    def task_row(self, n, pattern, row, status) -> None:
        ids = self.match(n, pattern)
        if not ids:
            return
        actual = self.actual(n, row, status, ids[0])
        if actual is None:
            return
        for tid in ids:
            seen = self.tasks.get(tid)
            if seen is not None and (seen.start, seen.finish, seen.remaining, seen.pause) != (
                    actual.start, actual.finish, actual.remaining, actual.pause):
                self.error(n, "task", f"'{tid}' is also on row {seen.row} with other actuals; "
                           "keep one")
                continue
            self.tasks[tid] = actual

    def match(self, n, pattern) -> list[str]:
        if _GLOB & set(pattern):
            ids = [t for t in self.plan.tasks if fnmatch.fnmatchcase(t, pattern)]
            if not ids:
                self.error(n, "task", f"'{pattern}' matches no task")
            return ids
        if pattern not in self.plan.tasks:
            self.error(n, "task", f"unknown task '{pattern}'"
                       f"{did_you_mean(pattern, self.plan.tasks)}")
            return []
        return [pattern]

    def actual(self, n, row, status, tid) -> Actual | None:
        get = lambda c: (row.get(c) or "").strip()  # noqa: E731
        start = self.when(n, "actual_start", get("actual_start")) if get("actual_start") else None
        finish = (self.when(n, "actual_finish", get("actual_finish"))
                  if get("actual_finish") else None)
        if finish is not None and start is None:
            self.error(n, "actual_finish", "a finish without a start; give actual_start too")
            return None
        if start is None:
            return None  # not started: nothing to record
        for column, slot in (("actual_start", start), ("actual_finish", finish)):
            if slot is not None and status is not None and slot > status:
                self.error(n, column, "is after the status date; actuals are what happened")
                return None
        if finish is not None and finish < start:
            self.error(n, "actual_finish", "is before actual_start")
            return None
        if get("percent_complete") and get("remaining"):
            self.error(n, "remaining", "give percent_complete or remaining, not both")
            return None
        pause = self.pause(n, get, start, finish, status)
        if pause is False:
            return None
        remaining = None
        if finish is None:
            remaining = self.remaining(n, get, tid, start, status, pause)
            if remaining is None and self.problems:
                return None
        return Actual(start, finish, remaining, n, pause or None)

    def pause(self, n, get, start, finish, status):
        """`suspended` (and `resumed`): (stop, again or None), None without one, False with
        the problem said."""
        stop = self.when(n, "suspended", get("suspended")) if get("suspended") else None
        again = self.when(n, "resumed", get("resumed")) if get("resumed") else None
        if again is not None and stop is None:
            self.error(n, "resumed", "a resumption without a suspension; give suspended too")
            return False
        if stop is None:
            return None
        end = finish if finish is not None else status
        checks = [("suspended", stop < start, "is before actual_start"),
                  ("suspended", status is not None and stop > status,
                   "is after the status date; actuals are what happened"),
                  ("suspended", finish is not None and stop > finish, "is after actual_finish"),
                  ("resumed", again is not None and again < stop, "is before suspended"),
                  ("resumed", again is not None and end is not None and again > end,
                   "is after actual_finish" if finish is not None else
                   "is after the status date; actuals are what happened"),
                  ("resumed", finish is not None and again is None,
                   "is missing: a finished task that was suspended resumed first")]
        for column, bad, message in checks:
            if bad:
                self.error(n, column, message)
                return False
        return (stop, again)

    def remaining(self, n, get, tid, start, status, pause=None) -> int | None:
        work = self.plan.tasks[tid].modes[0].duration
        if get("remaining"):
            try:
                return to_slots(get("remaining"), self.plan.slot_minutes)
            except ValueProblem as exc:
                self.error(n, "remaining", str(exc))
                return None
        if get("percent_complete"):
            try:
                pct = float(get("percent_complete").rstrip("%"))
            except ValueError:
                pct = -1
            if not 0 <= pct <= 100:
                self.error(n, "percent_complete", f"{get('percent_complete')!r} is not a "
                           "percentage from 0 to 100")
                return None
            return math.ceil(work * (100 - pct) / 100)
        # As planned: the working time since the start counts as done (not while suspended).
        cal = self.cals.get(self.plan.tasks[tid].calendar)
        spans = Actual(start, None, None, 0, pause or None).spans(status or start)
        return max(0, work - sum(cal.working_in(a, b) for a, b in spans))

    def delivery_row(self, n, did, row, status) -> None:
        if did not in self.deliveries:
            self.error(n, "delivery", f"unknown delivery '{did}'"
                       f"{did_you_mean(did, self.deliveries)} (or no task needs it)")
            return
        arrived = (row.get("arrived") or "").strip()
        slot = self.when(n, "arrived", arrived) if arrived else None
        if slot is None:
            if not arrived:
                self.error(n, "arrived", "is required on a delivery row")
            return
        if status is not None and slot > status:
            self.error(n, "arrived", "is after the status date")
            return
        try:
            qty = int((row.get("quantity") or "").strip())
        except ValueError:
            qty = 0
        if qty < 1:
            self.error(n, "quantity", "must be a whole number >= 1")
            return
        self.received.setdefault(did, []).append((slot, qty))
        planned = sum(1 for s in self.sources.values() if s == did)
        got = sum(q for _, q in self.received[did])
        if got > planned:
            self.error(n, "quantity", f"{got:,} units of '{did}' received in all, more than the "
                       f"{planned:,} the plan needs")


def remaining_plan(plan: Plan, progress: Progress, override: bool = False) -> Plan:
    """The plan of the work left at the status date (see the module docstring). `override`
    drops the links into tasks already started (P6's progress override); by default the rest
    of a task started out of sequence still waits for its predecessors (retained logic)."""
    cals = Calendars(plan)
    now = progress.status_date
    done = {t: a for t, a in progress.tasks.items() if a.finish is not None or a.remaining == 0}
    finished = {t: (a.start, a.finish if a.finish is not None else
                    a.pause[0] if a.pause is not None and a.pause[1] is None else now)
                for t, a in done.items()}
    started = {t: a for t, a in progress.tasks.items() if t not in finished}
    arrived = _arrived(plan, progress)
    tasks: dict[str, Task] = {}
    for tid, task in plan.tasks.items():
        if tid in finished:
            continue
        held = now  # by the status date and by finished predecessors
        links = []
        for link in task.links:
            if link.pred in finished:
                s, f = finished[link.pred]
                if link.type in (LinkType.FS, LinkType.SS):
                    there = f if link.type == LinkType.FS else s
                    held = max(held, lag_end(cals, link, there))
                continue  # FF/SF on a finished predecessor: its finish is past
            if tid in started and override:
                continue
            links.append(link)
        release = max(held, task.release if tid not in arrived else 0)
        # A delivery not yet here can still be expedited, to no sooner than the status date.
        can_rush = task.expedite and tid not in arrived and tid not in started
        early = max(held, task.early_release) if can_rush else 0
        changes: dict = {"release": release, "links": tuple(links),
                         "expedite": task.expedite if can_rush and early < release else "",
                         "early_release": early if can_rush and early < release else 0}
        if tid in started:
            mode = task.modes[0]
            changes["modes"] = (Mode(started[tid].remaining or 0, dict(mode.demands)),)
            changes["empties"] = {}  # taken out of storage when it started
        tasks[tid] = replace(task, **changes)
    return replace(plan, tasks=tasks, storages=_storages(plan, finished, started, now),
                   targets=_targets(plan, finished), budgets=_budgets(plan, progress),
                   resources=_crews(plan, progress))


def _crews(plan: Plan, progress: Progress):
    """Capacities with the crews that differ from the plan for a while (a crew short for a
    week): the stated capacity over [from, to), the planned one again after."""
    out = dict(plan.resources)
    for rid, lo, hi, capacity in progress.crews:
        res = out[rid]
        steps = {s: c for s, c in res.steps if s < lo or (hi is not None and s >= hi)}
        steps[lo] = capacity
        if hi is not None:
            steps.setdefault(hi, res.capacity_at(hi))
        steps.setdefault(0, res.steps[0][1])
        out[rid] = replace(res, steps=tuple(sorted(steps.items())))
    return out


def _arrived(plan: Plan, progress: Progress) -> set[str]:
    """Tasks whose needed unit has arrived (received rows): their delivery no longer holds
    them. Units go to the tasks drawing on a delivery in the order they were planned."""
    out = set()
    for did, rows in progress.received.items():
        got = sum(q for _, q in rows)
        takers = sorted((t.release, i, tid) for i, (tid, t) in enumerate(plan.tasks.items())
                        if delivery_of(t) == did)
        out |= {tid for _, _, tid in takers[:got]}
    return out


def _storages(plan, finished, started, now) -> dict[str, Storage]:
    """Each storage from the status date: its level then (what the past put in and took out)
    as the initial stock, and the arrivals still to come."""
    out = {}
    for sid, s in plan.storages.items():
        level = s.initial + sum(q for slot, q in s.arrivals if slot <= now)
        for tid, (start, finish) in finished.items():
            t = plan.tasks[tid]
            level += t.fills.get(sid, 0) - t.empties.get(sid, 0)
        for tid in started:
            level -= plan.tasks[tid].empties.get(sid, 0)
        out[sid] = replace(s, initial=max(0, level),
                           arrivals=tuple((slot, q) for slot, q in s.arrivals if slot > now))
    return out


def _targets(plan: Plan, finished) -> dict[str, Target]:
    """Targets of the work left: finished tasks no longer count against a finish target, and
    GPUs or tasks already done reduce what a GPU or count target still needs. A target the
    past already met is dropped from the remaining plan (merge() reports it)."""
    out = {}
    for tid, t in plan.targets.items():
        if t.gpus:
            ids = t.tasks or tuple(plan.tasks)
            online = sum(plan.tasks[x].gpus for x in ids if x in finished)
            if online >= t.gpus:
                continue
            out[tid] = replace(t, gpus=t.gpus - online,
                               tasks=tuple(x for x in ids if x not in finished)
                               if t.tasks else ())
        elif t.count:
            ids = t.tasks or tuple(plan.tasks)
            done = sum(1 for x in ids if x in finished)
            if done >= t.count:
                continue
            out[tid] = replace(t, count=t.count - done,
                               tasks=tuple(x for x in ids if x not in finished))
        elif t.tasks:
            left = tuple(x for x in t.tasks if x not in finished)
            if left:
                out[tid] = replace(t, tasks=left)
        else:
            out[tid] = t
    return out


def _budgets(plan: Plan, progress: Progress):
    """What is left of each budget after the modes of the tasks begun (their first mode)."""
    out = {}
    for bid, b in plan.budgets.items():
        used = sum(plan.tasks[t].modes[0].spends.get(bid, 0) for t in progress.tasks)
        out[bid] = replace(b, total=max(0, b.total - used))
    return out


def merge(plan: Plan, progress: Progress, future: Schedule) -> Schedule:
    """The whole job for the outputs: finished tasks at their actual spans, started tasks from
    their actual start to their forecast finish, the rest as forecast."""
    tasks = dict(future.tasks)
    now = progress.status_date
    marks = {}
    for tid, a in progress.tasks.items():
        if a.finish is not None or a.remaining == 0:
            finish = a.finish if a.finish is not None else now
            if a.pause is not None and a.pause[1] is None:
                finish = a.pause[0]  # stopped for good at the suspension
            tasks[tid] = ScheduledTask(tid, a.start, finish, 0,
                                       a.spans(now) or ((a.start, finish),))
            marks[tid] = "finished"
        elif tid in tasks:
            st = tasks[tid]
            tasks[tid] = ScheduledTask(tid, a.start, max(st.finish, now), 0,
                                       a.spans(now) + st.segments)
            marks[tid] = "in progress"
    # The tasks as planned, the crews as they are now (progress may have changed some).
    whole = replace(plan, resources=future.plan.resources)
    return replace(future, plan=whole, tasks=tasks, status_date=now, progress=marks)


def check_actuals(schedule: Schedule, progress: Progress) -> list[str]:
    """Actual spans reproduced exactly in the merged schedule (the verifier's part for the
    past; the future was verified on the remaining plan)."""
    out = []
    for tid, a in progress.tasks.items():
        st = schedule.tasks.get(tid)
        if st is None or st.start != a.start or (a.finish is not None and st.finish != a.finish):
            out.append(f"{tid}: actual span not reproduced")
    return out


def overtime(plan: Plan, progress: Progress) -> list[str]:
    """Where the actuals ran more of a crew at once than it has (extra hands), or did a task's
    work in less of its calendar's working time than the work takes (work outside the shifts):
    accepted as facts, said as warnings."""
    out = []
    now = progress.status_date
    cals = Calendars(plan)
    for tid, a in progress.tasks.items():
        task = plan.tasks[tid]
        if a.finish is None or task.calendar is None or task.is_milestone:
            continue
        worked = sum(cals.get(task.calendar).working_in(lo, hi) for lo, hi in a.spans(now))
        need = min(m.duration for m in task.modes)  # the mode used is not known: the fastest
        if worked < need:
            hours = plan.slot_minutes / 60
            out.append(f"{tid}: {need * hours:g} h of work done in "
                       f"{worked * hours:g} h of calendar '{task.calendar}': worked outside "
                       "its shifts, accepted as what happened")
    for rid, res in plan.resources.items():
        events: dict[int, int] = {}
        for tid, a in progress.tasks.items():
            q = min(m.demands.get(rid, 0) for m in plan.tasks[tid].modes)
            for lo, hi in a.spans(now) if q else ():
                events[lo] = events.get(lo, 0) + q
                events[hi] = events.get(hi, 0) - q
        level = 0
        for slot in sorted(events):
            level += events[slot]
            if level > res.capacity_at(slot):
                when = plan.slot_to_datetime(slot).format("YYYY-MM-DD HH:mm")
                out.append(f"{rid}: {level} at once at {when}, capacity "
                           f"{res.capacity_at(slot)}: accepted as what happened")
                break
    return out


__all__ = ["Progress", "check_actuals", "merge", "overtime", "read_progress",
           "remaining_plan"]
