"""`rackplan compare` for people (a column per scenario) and scripts (JSON)."""

from __future__ import annotations

import io
import json

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.properties import PageSetupProperties
from tabulate import tabulate

from ..scheduler.compare import Outcome
from .atomic import write_atomic
from .safe_text import guard_row


def _when(plan, slot) -> str:
    return "-" if slot is None else plan.slot_to_datetime(slot).format("YYYY-MM-DD HH:mm")


def _days(plan, slots) -> float:
    return slots * plan.slot_minutes / 1440


def _rows(outcomes: list[Outcome]) -> list[list[str]]:
    """The comparison as rows: a label, then a cell per scenario."""
    base = outcomes[0].plan
    rows = [["status"] + [o.status for o in outcomes],
            ["finish"] + [_when(o.plan, o.finish) for o in outcomes],
            ["finish (day)"] + [f"{_days(o.plan, o.finish):.1f}" if o.finish is not None
                                else "-" for o in outcomes]]
    for tid, target in base.targets.items():
        cells = []
        for o in outcomes:
            slot = o.forecasts.get(tid)
            due = o.plan.targets[tid].due if tid in o.plan.targets else target.due
            cells.append("-" if slot is None else
                         f"{_when(o.plan, slot)} ({_days(o.plan, due - slot):+.1f} d)")
        rows.append([f"target {target.label}"] + cells)
    for rid in base.resources:
        rows.append([f"peak {rid}"] + [str(o.peaks.get(rid, "-")) for o in outcomes])
    if any(o.cost is not None for o in outcomes):
        rows.append(["cost"] + ["-" if o.cost is None else f"{o.cost / 100:,.2f}"
                                for o in outcomes])
    for tid, target in base.targets.items():
        if any(o.gpus_at.get(tid) for o in outcomes):
            rows.append([f"GPUs online by {target.label}"]
                        + [f"{o.gpus_at.get(tid, 0):,}" for o in outcomes])
    return rows


def compare_text(outcomes: list[Outcome]) -> str:
    return tabulate(_rows(outcomes), headers=[""] + [o.name for o in outcomes],
                    disable_numparse=True) + "\n"


def write_compare_workbook(outcomes: list[Outcome], path) -> None:
    """A Compare sheet (the table, a column per scenario) and a chart of the finish days."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Compare"
    ws.append(["Scenario comparison: " + (outcomes[0].plan.name if outcomes else "")])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append([""] + [o.name for o in outcomes])
    for c in range(1, len(outcomes) + 2):
        ws.cell(2, c).font = Font(bold=True)
        ws.cell(2, c).fill = PatternFill("solid", fgColor="D9E1F2")
    for row in _rows(outcomes):
        ws.append(row)
        guard_row(ws, ws.max_row, row)
    ws.column_dimensions["A"].width = 40
    for c in range(2, len(outcomes) + 2):
        ws.column_dimensions[ws.cell(2, c).column_letter].width = 30
    days_row = 5  # "finish (day)": numbers for the chart
    for c, o in enumerate(outcomes, start=2):
        ws.cell(days_row, c).value = (round(_days(o.plan, o.finish), 2)
                                      if o.finish is not None else None)
    chart = BarChart()
    chart.type = "col"
    chart.title = "Finish (project day) by scenario"
    chart.add_data(Reference(ws, min_col=2, max_col=len(outcomes) + 1, min_row=days_row),
                   from_rows=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=len(outcomes) + 1, min_row=2))
    chart.legend = None
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.title = "day"
    ws.add_chart(chart, f"A{ws.max_row + 3}")
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    write_atomic(path, buffer.getvalue())




def compare_json(outcomes: list[Outcome]) -> str:
    def one(o: Outcome) -> dict:
        iso = lambda slot: None if slot is None else o.plan.slot_to_datetime(slot).isoformat()  # noqa: E731
        return {"name": o.name, "status": o.status, "finish": iso(o.finish),
                "finish_slot": o.finish,
                "targets": {t: {"forecast": iso(s), "forecast_slot": s,
                                "due": iso(o.plan.targets[t].due),
                                "met": s is not None and s <= o.plan.targets[t].due}
                            for t, s in o.forecasts.items()},
                "peaks": o.peaks, "cost": None if o.cost is None else o.cost / 100,
                "gpus_online_at_target_dates": o.gpus_at}
    return json.dumps({"scenarios": [one(o) for o in outcomes]}, indent=2) + "\n"
