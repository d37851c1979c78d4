"""Microsoft Project XML (MSPDI): tasks in outline order with summary tasks for halls, arrays and
racks, links with type and lag, resources, assignments and calendars, so the schedule opens in
MS Project and ProjectLibre.

The file stays a live schedule: when MS Project (or P6, or MPXJ's scheduler) recalculates it,
its critical path method lands every task where rackplan put it, because each task carries
what holds it there (the schedule document's `held_by`):
- dependencies as links with their type and lag (a lag in working time as working hours); a
  maximum lag has no MSPDI form: the link keeps its minimum lag and the dates honour both;
- a crew hand-over as an extra finish-to-start link from the task that had the crew (the
  resource-driven link MS Project's leveller would otherwise need);
- a delivery, a `not_before`, a capacity step or storage as "Start No Earlier Than" at the
  start (a soft constraint in DCMA's terms; no task gets a hard one);
- each task its own calendar (24-hour for elapsed tasks), holidays as exceptions;
- hard finish targets as Deadlines on their tasks; crews' capacity steps as availability
  periods; rackplan's task id in the custom field Text1 ("rackplan id").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from .atomic import write_atomic
from .outline import UnitTree
from .safe_text import neutral
from .timeline import Timeline

LINK_TYPE = {"FF": 0, "FS": 1, "SF": 2, "SS": 3}  # MSPDI's codes
START_NO_EARLIER_THAN = 4
TEXT1 = 188743731  # MSPDI FieldID of the custom field Text1
ELAPSED_HOURS = 6  # DurationFormat / LagFormat: elapsed hours
HOURS = 5
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]  # MSPDI DayType: 1 = Sunday


def _dt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _hours(h: float) -> str:
    whole = int(h)
    minutes = round((h - whole) * 60)
    return f"PT{whole}H{minutes}M0S"


def _el(tag: str, value) -> str:
    if tag in ("Name", "Title"):  # plan text: never a formula where it is read on
        value = neutral(str(value))
    return f"<{tag}>{escape(str(value))}</{tag}>"


def mspdi_text(doc: dict, calendars: dict | None = None) -> str:
    """MSPDI XML for a schedule document. `calendars` are the plan's calendar specs
    {id: {"days": [0..6], "shifts": [(from_min, to_min)], "holidays": [iso dates]}}."""
    tl = Timeline.of(doc, "day")
    hours_per_slot = doc["slot_minutes"] / 60
    calendars = calendars or {}
    cal_uid = {None: 1} | {cid: i + 2 for i, cid in enumerate(calendars)}
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
           '<Project xmlns="http://schemas.microsoft.com/project">',
           _el("SaveVersion", 14), _el("Name", doc["plan"]), _el("Title", doc["plan"]),
           _el("ScheduleFromStart", 1), _el("StartDate", _dt(tl.local(0))),
           _el("FinishDate", _dt(tl.local(doc["makespan_slots"]))), _el("CalendarUID", 1),
           _el("MinutesPerDay", 1440), _el("MinutesPerWeek", 10080), _el("DaysPerMonth", 30),
           _el("DefaultStartTime", "00:00:00"), _el("DefaultFinishTime", "00:00:00"),
           "<ExtendedAttributes><ExtendedAttribute>" + _el("FieldID", TEXT1)
           + _el("FieldName", "Text1") + _el("Alias", "rackplan id")
           + "</ExtendedAttribute></ExtendedAttributes>",
           "<Calendars>", _calendar_24h(doc)]
    out += [_calendar(cal_uid[cid], cid, spec) for cid, spec in calendars.items()]
    out.append("</Calendars>")
    uid_of, rows = _outline(doc)
    deadlines = _deadlines(doc)
    out.append("<Tasks>")
    out.append(_summary_task(0, 0, doc["plan"], "0", 0, 0, doc["makespan_slots"], tl))
    for n, row in enumerate(rows, start=1):
        if "unit" in row:
            out.append(_summary_task(uid_of[row["unit"]], n, row["unit"].rpartition("/")[2],
                                     row["number"], row["level"], *row["span"], tl))
        else:
            out.append(_task(row["task"], uid_of, n, row, tl, hours_per_slot, cal_uid,
                             deadlines.get(row["task"]["id"])))
    out.append("</Tasks>")
    out += _resources_and_assignments(doc, uid_of, tl, hours_per_slot, cal_uid)
    out.append("</Project>")
    return "\n".join(out) + "\n"


def _outline(doc):
    """Rows in outline order with outline numbers; summary rows for every unit path."""
    tree = UnitTree(doc["tasks"])
    rows: list[dict] = []
    uid_of: dict[str, int] = {}

    def walk(unit, prefix, level):
        k = 0
        for t in tree.tasks(unit):
            k += 1
            uid_of[t["id"]] = len(uid_of) + 1
            rows.append({"task": t, "number": f"{prefix}{k}", "level": level})
        for child in tree.subunits(unit):
            k += 1
            uid_of[child] = len(uid_of) + 1
            rows.append({"unit": child, "number": f"{prefix}{k}", "level": level,
                         "span": tree.span(child)[:2]})
            walk(child, f"{prefix}{k}.", level + 1)

    walk("", "", 1)
    return uid_of, rows


def _summary_task(uid, n, name, number, level, lo, hi, tl) -> str:
    hours = (hi - lo) * tl.slot_minutes / 60
    return ("<Task>" + _el("UID", uid) + _el("ID", n) + _el("Name", name) + _el("Type", 1)
            + _el("IsNull", 0) + _el("WBS", number) + _el("OutlineNumber", number)
            + _el("OutlineLevel", level) + _el("Start", _dt(tl.local(lo)))
            + _el("Finish", _dt(tl.local(hi))) + _el("Duration", _hours(hours))
            + _el("DurationFormat", ELAPSED_HOURS) + _el("Summary", 1) + _el("Milestone", 0)
            + "</Task>")


def _task(t, uid_of, n, row, tl, hours_per_slot, cal_uid, deadline=None) -> str:
    start = _dt(tl.local(t["start_slot"]))
    duration = _hours(t["duration_slots"] * hours_per_slot)
    held = t.get("held_by") or {"by": "other"}
    constraint = ([_el("ConstraintType", START_NO_EARLIER_THAN), _el("ConstraintDate", start)]
                  if held["by"] in ("release", "other") else [_el("ConstraintType", 0)])
    parts = ["<Task>", _el("UID", uid_of[t["id"]]), _el("ID", n), _el("Name", t["name"]),
             _el("Type", 1), _el("IsNull", 0), _el("WBS", row["number"]),
             _el("OutlineNumber", row["number"]), _el("OutlineLevel", row["level"]),
             _el("Start", start), _el("Finish", _dt(tl.local(t["finish_slot"]))),
             _el("Duration", duration),
             _el("DurationFormat", HOURS if t["calendar"] else ELAPSED_HOURS),
             *_work_done(t, duration),
             _el("Summary", 0), _el("Milestone", 1 if t["milestone"] else 0),
             _el("Critical", 1 if t["critical"] else 0),
             _el("TotalSlack", int(t["float_slots"] * hours_per_slot * 600)),
             *_actuals(t, tl), *constraint,
             *([_el("Deadline", _dt(tl.local(deadline)))] if deadline is not None else []),
             _el("CalendarUID", cal_uid.get(t["calendar"], 1)),
             _el("IgnoreResourceCalendar", 1),
             "<ExtendedAttribute>" + _el("FieldID", TEXT1) + _el("Value", t["id"])
             + "</ExtendedAttribute>"]
    linked = set()
    for p in t["predecessors"]:
        linked.add(p["task"])
        parts.append(_link(uid_of[p["task"]], LINK_TYPE[p["type"]],
                           int(p["lag_slots"] * hours_per_slot * 600),
                           # a lag in working time is MS Project's own kind: working hours
                           HOURS if p.get("lag_calendar") else ELAPSED_HOURS))
    crews = held.get("handovers", []) + ([held["task"]] if held["by"] == "crew" else [])
    for holder in dict.fromkeys(crews):  # crew hand-overs, as the float counts them
        if holder not in linked:
            linked.add(holder)
            parts.append(_link(uid_of[holder], LINK_TYPE["FS"], 0, ELAPSED_HOURS))
    if t.get("baseline_start_slot") is not None:  # --baseline: MS Project's Baseline 0
        parts.append("<Baseline>" + _el("Number", 0)
                     + _el("Start", _dt(tl.local(t["baseline_start_slot"])))
                     + _el("Finish", _dt(tl.local(t["baseline_finish_slot"]))) + "</Baseline>")
    parts.append("</Task>")
    return "".join(parts)


def _link(pred_uid: int, kind: int, lag_tenths: int, lag_format: int) -> str:
    return ("<PredecessorLink>" + _el("PredecessorUID", pred_uid) + _el("Type", kind)
            + _el("CrossProject", 0) + _el("LinkLag", lag_tenths) + _el("LagFormat", lag_format)
            + "</PredecessorLink>")


def _work_done(t, duration: str) -> list[str]:
    """Actual and remaining duration (schedulers recompute from the remaining part)."""
    done = t.get("progress")
    if done == "finished":
        return [_el("ActualDuration", duration), _el("RemainingDuration", "PT0H0M0S")]
    if done is None:
        return [_el("ActualDuration", "PT0H0M0S"), _el("RemainingDuration", duration)]
    return []


def _deadlines(doc) -> dict[str, int]:
    """Hard finish targets as MS Project Deadlines: on each task they name, or for a target
    on everything, on the task that finishes last."""
    out: dict[str, int] = {}
    last = max(doc["tasks"], key=lambda t: (t["finish_slot"], t["start_slot"]))["id"]
    for target in doc["targets"]:
        if not target.get("hard") or target.get("kind") != "finish" or target.get("count"):
            continue
        for tid in target.get("tasks") or [last]:
            out[tid] = min(out.get(tid, target["due_slot"]), target["due_slot"])
    return out


def _actuals(t, tl) -> list[str]:
    """A re-forecast's progress (--progress): percent complete and the actual dates."""
    done = t.get("progress")
    if done is None:
        return [_el("PercentComplete", 0)]
    out = [_el("PercentComplete", t.get("percent_complete") or 0),
           _el("ActualStart", _dt(tl.local(t["start_slot"])))]
    if done == "finished":
        out.append(_el("ActualFinish", _dt(tl.local(t["finish_slot"]))))
    return out


def _resources_and_assignments(doc, uid_of, tl, hours_per_slot, cal_uid) -> list[str]:
    out = ["<Resources>"]
    res_uid = {}
    for i, r in enumerate(doc["resources"], start=1):
        res_uid[r["id"]] = i
        top = max(c for _, _, c in r["capacity"])
        out.append("<Resource>" + _el("UID", i) + _el("ID", i) + _el("Name", r["id"])
                   + _el("Type", 1) + _el("IsNull", 0) + _el("MaxUnits", f"{top:.2f}")
                   + _el("Group", r["trade"])
                   + _el("CalendarUID", cal_uid.get(r.get("calendar"), 1))
                   + _availability(r, tl) + "</Resource>")
    out.append("</Resources>")
    out.append("<Assignments>")
    uid = 0
    for t in doc["tasks"]:
        for rid, q in t["resources"].items():
            uid += 1
            work = t["duration_slots"] * hours_per_slot * q
            out.append("<Assignment>" + _el("UID", uid) + _el("TaskUID", uid_of[t["id"]])
                       + _el("ResourceUID", res_uid[rid]) + _el("Units", f"{q:.2f}")
                       + _el("Start", _dt(tl.local(t["start_slot"])))
                       + _el("Finish", _dt(tl.local(t["finish_slot"])))
                       + _el("Work", _hours(work))
                       + _el("ActualWork", _hours(work) if t.get("progress") == "finished"
                             else "PT0H0M0S")
                       + _el("RemainingWork", "PT0H0M0S" if t.get("progress") == "finished"
                             else _hours(work)) + "</Assignment>")
    out.append("</Assignments>")
    return out


def _availability(r, tl) -> str:
    """A crew's capacity steps as MS Project availability periods (units per period)."""
    steps = r["capacity"]
    if len(steps) < 2:
        return ""
    periods = "".join("<AvailabilityPeriod>" + _el("AvailableFrom", _dt(tl.local(lo)))
                      + _el("AvailableTo", _dt(tl.local(hi - 1)))
                      + _el("AvailableUnits", f"{cap:.2f}") + "</AvailabilityPeriod>"
                      for lo, hi, cap in steps if hi > lo)
    return "<AvailabilityPeriods>" + periods + "</AvailabilityPeriods>"


def _calendar_24h(doc) -> str:
    days = "".join("<WeekDay>" + _el("DayType", d) + _el("DayWorking", 1)
                   + "<WorkingTimes><WorkingTime><FromTime>00:00:00</FromTime>"
                   "<ToTime>00:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>"
                   for d in range(1, 8))
    return ("<Calendar>" + _el("UID", 1) + _el("Name", "24 Hours (elapsed)")
            + _el("IsBaseCalendar", 1) + _el("BaseCalendarUID", -1)
            + "<WeekDays>" + days + "</WeekDays></Calendar>")


def _calendar(uid: int, cid: str, spec: dict) -> str:
    """Weekly working times from the shifts (an overnight shift's tail lands on the next day);
    each holiday an exception keeping only the tail of the night before's shift, and the day
    after it an exception without the tail of the holiday's own (cancelled) night shift."""
    own = {int(d): shifts for d, shifts in spec.get("day_shifts", {}).items()}

    def starts_on(day: int) -> list:
        return own.get(day, spec["shifts"] if day in spec["days"] else [])

    def tail(day: int) -> list:
        return [(0, b - 1440) for _, b in starts_on(day) if b > 1440]

    def heads(day: int) -> list:
        return [(a, min(b, 1440)) for a, b in starts_on(day)]

    weekdays = []
    for day in range(7):
        times = sorted(heads(day) + tail((day - 1) % 7))
        day_type = (day + 1) % 7 + 1  # Monday=0 -> DayType 2, Sunday=6 -> 1
        weekdays.append("<WeekDay>" + _el("DayType", day_type) + _working(times) + "</WeekDay>")
    holidays = set(spec["holidays"])
    exceptions: dict[str, list] = {}
    for holiday in sorted(holidays):
        date = datetime.fromisoformat(holiday).date()
        before, after = date - timedelta(days=1), date + timedelta(days=1)
        exceptions[holiday] = ([] if before.isoformat() in holidays
                               else tail(before.weekday()))
        if after.isoformat() not in holidays:
            exceptions[after.isoformat()] = heads(after.weekday())
    for day, times in sorted(exceptions.items()):
        weekdays.append("<WeekDay>" + _el("DayType", 0) + "<TimePeriod>"
                        + _el("FromDate", f"{day}T00:00:00") + _el("ToDate", f"{day}T23:59:00")
                        + "</TimePeriod>" + _working(sorted(times)) + "</WeekDay>")
    return ("<Calendar>" + _el("UID", uid) + _el("Name", cid) + _el("IsBaseCalendar", 1)
            + _el("BaseCalendarUID", -1) + "<WeekDays>" + "".join(weekdays)
            + "</WeekDays></Calendar>")


def _working(times) -> str:
    """DayWorking and the working times of a day (none: not working)."""
    if not times:
        return _el("DayWorking", 0)
    spans = "".join("<WorkingTime>" + _el("FromTime", _clock(a)) + _el("ToTime", _clock(b))
                    + "</WorkingTime>" for a, b in _merge(times))
    return _el("DayWorking", 1) + "<WorkingTimes>" + spans + "</WorkingTimes>"


def _merge(times):
    out: list[list[int]] = []
    for a, b in times:
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def _clock(minutes: int) -> str:
    if minutes >= 1440:
        return "00:00:00"
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def write_mspdi(doc: dict, path, calendars: dict | None = None) -> None:
    write_atomic(path, mspdi_text(doc, calendars).encode("utf-8"))
