"""Milestones and targets as an iCalendar (RFC 5545) file for people's calendars."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from .atomic import write_atomic

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


def _event(doc, uid_seed: str, summary: str, slot: int, description: str, stamp: str):
    uid = hashlib.sha1(f"{doc['plan']}|{uid_seed}".encode()).hexdigest()[:20] + "@rackplan"
    return [
        "BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", f"DTSTART:{_utc(doc, slot)}",
        f"DTEND:{_utc(doc, slot)}", f"SUMMARY:{_escape(summary)}",
        f"DESCRIPTION:{_escape(description)}", "TRANSP:TRANSPARENT", "END:VEVENT",
    ]


def ics_text(doc: dict, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_escape(doc['plan'])}"]
    for t in doc["targets"]:
        state = "met" if t["met"] else "MISSED"
        forecast = t["forecast"] or "never"
        lines += _event(doc, "target:" + t["id"], f"Target: {t['name']}", t["due_slot"],
                        f"{doc['plan']}: due {t['due']}, forecast {forecast} ({state})", stamp)
        if t["forecast_slot"] is not None and t["forecast_slot"] != t["due_slot"]:
            lines += _event(doc, "forecast:" + t["id"], f"Forecast: {t['name']}",
                            t["forecast_slot"], f"{doc['plan']}: forecast for target due "
                            f"{t['due']} ({state})", stamp)
    for task in doc["tasks"]:
        if task["milestone"]:
            lines += _event(doc, "task:" + task["id"], f"Milestone: {task['name']}",
                            task["start_slot"], f"{doc['plan']}: {task['id']}", stamp)
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def write_ics(doc: dict, path) -> None:
    write_atomic(path, ics_text(doc).encode("utf-8"))
