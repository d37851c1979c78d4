"""Writers of schedules: terminal text, JSON, Excel, CSV, iCalendar, MS Project XML, P6 XML.

Every writer takes the schedule document (the dict that --json writes), so `rackplan export`
re-exports a saved schedule through exactly the same code. Only this package imports openpyxl.
"""

from __future__ import annotations

from .atomic import ExportError, check_writable

KINDS = ("json", "xlsx", "csv", "ics", "mspdi", "pmxml")


def check_outputs(outputs: dict[str, str]) -> None:
    """Raise ExportError for the first output path that cannot be written (before solving)."""
    for kind, path in outputs.items():
        if kind == "xlsx" and path == "-":
            raise ExportError("cannot write an Excel workbook to stdout; give a file name")
        if path and path != "-":
            check_writable(path)
        if kind == "pmxml" and path:
            from .pmxml import check_mpxj

            check_mpxj()


def write_outputs(doc: dict, outputs: dict[str, str], scale: str = "auto") -> list[str]:
    """Write every requested output; return what went to stdout (for '-')."""
    from .csv_tasks import csv_text, write_csv
    from .ics import ics_text, write_ics
    from .json_schedule import json_text, write_json
    from .mspdi import mspdi_text, write_mspdi
    from .pmxml import pmxml_text, write_pmxml
    from .xlsx import write_workbook

    to_stdout = []
    texts = {"json": json_text, "csv": csv_text, "ics": ics_text,
             "mspdi": lambda d: mspdi_text(d, d.get("calendars")), "pmxml": pmxml_text}
    writers = {"json": write_json, "csv": write_csv, "ics": write_ics,
               "mspdi": lambda d, p: write_mspdi(d, p, d.get("calendars")),
               "pmxml": write_pmxml,
               "xlsx": lambda d, p: write_workbook(d, p, scale)}
    for kind, path in outputs.items():
        if not path:
            continue
        if path == "-":
            if kind == "xlsx":
                raise ExportError("cannot write an Excel workbook to stdout; give a file name")
            to_stdout.append(texts[kind](doc))
        else:
            writers[kind](doc, path)
    return to_stdout


__all__ = ["ExportError", "KINDS", "check_outputs", "write_outputs"]
