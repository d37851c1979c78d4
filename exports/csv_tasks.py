"""The flat task table as CSV (UTF-8 with BOM so Excel reads it as UTF-8)."""

from __future__ import annotations

import csv
import io

from .atomic import write_atomic
from .timeline import Timeline

FIELDS = ["id", "name", "unit", "step", "trade", "resources", "mode", "start", "finish",
          "work_hours", "elapsed_hours", "float_hours", "critical", "milestone", "gpus",
          "calendar", "predecessors"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(text: str) -> str:
    """Neutralise a text a spreadsheet would run as a formula (OWASP CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_text(doc: dict) -> str:
    tl = Timeline.of(doc)
    hours = doc["slot_minutes"] / 60
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for t in doc["tasks"]:
        unit, _, step = t["id"].rpartition("/")
        writer.writerow([
            safe(t["id"]), safe(t["name"]), safe(unit), safe(step), safe(t["trade"]),
            safe(";".join(f"{r}={q}" for r, q in t["resources"].items())), t["mode"],
            tl.local(t["start_slot"]).isoformat(sep=" "),
            tl.local(t["finish_slot"]).isoformat(sep=" "),
            f"{t['duration_slots'] * hours:g}",
            f"{(t['finish_slot'] - t['start_slot']) * hours:g}",
            f"{t['float_slots'] * hours:g}", "yes" if t["critical"] else "no",
            "yes" if t["milestone"] else "no", t["gpus"], safe(t["calendar"] or "elapsed"),
            safe(";".join(p["task"] for p in t["predecessors"])),
        ])
    return out.getvalue()


def write_csv(doc: dict, path) -> None:
    write_atomic(path, ("\ufeff" + csv_text(doc)).encode("utf-8"))
