"""Milestones and targets as an iCalendar (RFC 5545) file for people's calendars."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from .atomic import write_atomic
from .safe_text import neutral

PRODID = "-//rackplan//schedule export//EN"


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    out, current = [], b""
    for ch in line:
        enc = ch.encode("utf-8")
        if len(current) + len(enc) > 75:
            out.append(current.decode("utf-8"))
            current = b" "
        current += enc
    out.append(current.decode("utf-8"))
    return "\r\n".join(out)


def _utc(doc: dict, slot: int) -> str:
    start = datetime.fromisoformat(doc["start"])
    moment = (start + timedelta(minutes=slot * doc["slot_minutes"])).astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _event(doc, uid_seed: str, summary: str, slot: int, description: str, stamp: str,
           sequence: int):
    uid = hashlib.sha1(f"{doc['plan']}|{uid_seed}".encode()).hexdigest()[:20] + "@rackplan"
    return [
        "BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", f"SEQUENCE:{sequence}",
        f"DTSTART:{_utc(doc, slot)}", f"DTEND:{_utc(doc, slot)}",
        f"SUMMARY:{_escape(neutral(summary))}", f"DESCRIPTION:{_escape(neutral(description))}",
        "TRANSP:TRANSPARENT", "END:VEVENT",
    ]


def _when(iso: str | None) -> str:
    """A local ISO date as people read it: 'Tue 16 Jul 2024 18:00'."""
    return "never" if not iso else datetime.fromisoformat(iso).strftime("%a %d %b %Y %H:%M")


def _slack(t: dict, slot_minutes: int) -> str:
    days = (t["due_slot"] - t["forecast_slot"]) * slot_minutes / 1440
    if abs(days) < 0.05:
        return "on the day"
    return f"{abs(days):.1f} days {'early' if days > 0 else 'late'}"


def ics_text(doc: dict, now: datetime | None = None) -> str:
    """Targets (due, and the forecast when it differs) and milestones; milestones of one kind
    (one step, e.g. every array's acceptance) on one day are one event listing them, not one
    event each. SEQUENCE grows with every export (minutes since 2020), so a calendar that
    imported an earlier export updates its events instead of keeping the old dates."""
    moment = now or datetime.now(UTC)
    stamp = moment.strftime("%Y%m%dT%H%M%SZ")
    sequence = int((moment - datetime(2020, 1, 1, tzinfo=UTC)).total_seconds() // 60)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_escape(neutral(doc['plan']))}"]
    minutes = doc["slot_minutes"]
    for t in doc["targets"]:
        if t["forecast_slot"] is None:
            state = "not reached by the schedule"
        else:
            state = ("met, " if t["met"] else "MISSED, ") + _slack(t, minutes)
        lines += _event(doc, "target:" + t["id"], f"Target: {t['name']}", t["due_slot"],
                        f"{doc['plan']}: target due {_when(t['due'])}; forecast "
                        f"{_when(t['forecast'])} ({state}).", stamp, sequence)
        if t["forecast_slot"] is not None and t["forecast_slot"] != t["due_slot"]:
            lines += _event(doc, "forecast:" + t["id"], f"Forecast: {t['name']}",
                            t["forecast_slot"], f"{doc['plan']}: forecast for the target due "
                            f"{_when(t['due'])} ({state}).", stamp, sequence)
    for (day, kind), tasks in _milestone_groups(doc).items():
        first = min(t["start_slot"] for t in tasks)
        if len(tasks) == 1:
            task = tasks[0]
            lines += _event(doc, "task:" + task["id"], f"Milestone: {task['name']}", first,
                            f"{doc['plan']}: {task['name']} ({task['id']}), "
                            f"{_when(task['start'])}.", stamp, sequence)
            continue
        names = "; ".join(f"{t['id']} at {_when(t['start'])[-5:]}"
                          for t in sorted(tasks, key=lambda t: t["start_slot"]))
        lines += _event(doc, f"group:{day}:{kind}", f"{len(tasks)} milestones: {kind}", first,
                        f"{doc['plan']}: {len(tasks)} {kind} milestones on "
                        f"{_when(tasks[0]['start'])[:15]}: {names}.", stamp, sequence)
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _milestone_groups(doc) -> dict[tuple[str, str], list[dict]]:
    """(local date, step) -> its milestones, in date order."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for task in doc["tasks"]:
        if task["milestone"]:
            day = task["start"][:10]
            kind = task["id"].rpartition("/")[2]
            groups.setdefault((day, kind), []).append(task)
    return dict(sorted(groups.items()))


def write_ics(doc: dict, path) -> None:
    write_atomic(path, ics_text(doc).encode("utf-8"))
