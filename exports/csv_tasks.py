"""The flat task table as CSV (UTF-8 with BOM so Excel reads it as UTF-8)."""

from __future__ import annotations

import csv
import io

from .atomic import write_atomic
from .safe_text import neutral as safe
from .timeline import Timeline

FIELDS = ["id", "name", "unit", "step", "trade", "resources", "mode", "start", "finish",
          "work_hours", "elapsed_hours", "float_hours", "critical", "milestone", "gpus",
          "calendar", "predecessors", "link_types", "lags_hours", "max_lags_hours", "timezone"]


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
            # One entry per predecessor, in the same order; a lag counted in working time
            # ends in "w" (that calendar's hours), an unbounded maximum lag is empty.
            ";".join(p["type"] for p in t["predecessors"]),
            ";".join(f"{p['lag_slots'] * hours:g}" + ("w" if p.get("lag_calendar") else "")
                     for p in t["predecessors"]),
            ";".join(f"{p['max_lag_slots'] * hours:g}" if "max_lag_slots" in p else ""
                     for p in t["predecessors"]),
            doc["timezone"],
        ])
    return out.getvalue()


def write_csv(doc: dict, path) -> None:
    write_atomic(path, ("\ufeff" + csv_text(doc)).encode("utf-8"))
