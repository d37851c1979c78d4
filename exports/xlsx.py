"""The Excel Gantt workbook: Summary, Gantt, Resources, GPUs online, Tasks and Progress sheets
(the last one is also read back: `--progress plan.xlsx`).

Built in openpyxl's write-only mode from a schedule document (the JSON), so 15,000 tasks stream
out with flat memory. Every text that came from a plan is written as a string, never a formula.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import Outline, PageSetupProperties

from .atomic import ExportError, write_atomic
from .fast_sheet import add_fast_sheet, styled
from .outline import UnitTree
from .timeline import Timeline, capacity_at, usage_profiles

TABLE_COLUMNS = ["id", "name", "crews", "start", "finish", "duration (h)", "float (h)",
                 "critical"]
WIDTHS = [34, 30, 22, 18, 18, 11, 9, 8]
FIRST_DAY_COL = len(TABLE_COLUMNS) + 1
HEADER_ROWS = 3
DATE_FMT = "yyyy-mm-dd hh:mm"
PALETTE = ["4E79A7", "F28E2B", "59A14F", "B07AA1", "EDC948", "76B7B2", "FF9DA7", "9C755F",
           "E15759", "BAB0AC", "86BCB6", "D37295"]
NO_CREW = "A0B4C8"
SUMMARY_FILL = PatternFill("solid", fgColor="404040")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
MET_FILL = PatternFill("solid", fgColor="C6EFCE")
MISSED_FILL = PatternFill("solid", fgColor="FFC7CE")
TARGET_FILL = PatternFill("solid", fgColor="FF0000")
OFF_FILL = PatternFill("solid", fgColor="E7E6E6", bgColor="E7E6E6")
RED = Side(style="medium", color="C00000")
CRITICAL_BORDER = Border(top=RED, bottom=RED)
BASELINE_SIDE = Side(style="thick", color="7F7F7F")  # the baseline span, under the bars
BOLD = Font(bold=True)
RED_BOLD = Font(bold=True, color="C00000")
TITLE = Font(bold=True, size=12)
CENTER = Alignment(horizontal="center")
VERTICAL = Alignment(text_rotation=90, horizontal="center")
HIDDEN_NUMBER = ";;;"  # bar cells hold the hours worked that bucket, shown only as colour


def write_workbook(doc: dict, path, scale: str = "auto") -> None:
    """Write the workbook for a schedule document atomically to `path`."""
    buffer = io.BytesIO()
    build_workbook(doc, scale).save(buffer)
    write_atomic(path, buffer.getvalue())


def build_workbook(doc: dict, scale: str = "auto") -> Workbook:
    if not doc.get("tasks"):
        raise ValueError("the schedule has no tasks to export (status: "
                         f"{doc.get('status')})")
    wb = Workbook(write_only=True)
    timeline = Timeline.of(doc, scale)
    colours = _trade_colours(doc)

    def sheet(name: str, landscape: bool = True):
        ws = add_fast_sheet(wb, name)
        _page(ws, doc, landscape)
        return ws

    _summary(sheet("Summary"), doc, timeline, colours)
    _gantt(sheet("Gantt"), doc, timeline, colours)
    _resources(sheet("Resources"), doc, timeline)
    _gpus(sheet("GPUs online"), doc, timeline)
    _tasks(sheet("Tasks"), doc, timeline)
    _progress(sheet("Progress"), doc, timeline)
    if any(t.get("baseline_finish_slot") is not None for t in doc["tasks"]):
        _variance(sheet("Variance"), doc, timeline)
    if doc.get("frontier"):
        from .crews import frontier_sheet

        frontier_sheet(sheet("Frontier"), doc["frontier"])
    return wb


LETTER, A4 = 1, 9  # Excel's paper size codes


def paper(doc: dict) -> int:
    """`doc["paper"]` ("a4" or "letter", from --paper), else Letter for plans in North
    American time zones and A4 elsewhere."""
    chosen = (doc.get("paper") or "").lower()
    if chosen:
        return LETTER if chosen == "letter" else A4
    tz = doc.get("timezone", "")
    american = tz.startswith(("America/", "US/", "Canada/")) and not tz.startswith(
        ("America/Argentina", "America/Sao_Paulo", "America/Bogota", "America/Lima",
         "America/Santiago", "America/Caracas", "America/Montevideo"))
    return LETTER if american else A4


def _page(ws, doc: dict, landscape: bool) -> None:
    """Every sheet prints the same way: one paper size, one page wide, the plan and the
    status (or generation) date in the header, the sheet and page numbers in the footer."""
    _fit_width(ws, landscape)
    ws.page_setup.paperSize = paper(doc)
    status = doc.get("status_date")
    when = (f"status date {str(status)[:16].replace('T', ' ')}" if status else
            f"generated {datetime.now(ZoneInfo(doc['timezone'])):%Y-%m-%d %H:%M}")
    ws.oddHeader.left.text = str(doc["plan"]).replace("&", "&&")
    ws.oddHeader.right.text = when
    ws.oddFooter.left.text = "&A"  # the sheet's name
    ws.oddFooter.right.text = "page &P of &N"


def _fit_width(ws, landscape: bool = False) -> None:
    """Print the sheet's columns on one page width, as many pages down as it takes."""
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if landscape:
        ws.page_setup.orientation = "landscape"


def _variance(ws, doc, tl: Timeline) -> None:
    """Every task against the baseline (--baseline): dates and variance (in hours, or days for
    a plan in whole days), the latest first, coloured where it slipped."""
    _fit_width(ws, landscape=True)
    ws.freeze_panes = "B2"
    for i, width in enumerate([40, 17, 17, 17, 17, 12, 12], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    unit, per = span_unit(tl)
    ws.append([cell(ws, h, font=BOLD, fill=HEADER_FILL) for h in
               ("task", "baseline start", "baseline finish", "start", "finish",
                f"start var. ({unit})", f"finish var. ({unit})")])
    size = 1 / per  # slots to the unit shown
    rows = [t for t in doc["tasks"] if t.get("baseline_finish_slot") is not None]
    for t in sorted(rows, key=lambda t: (-t["finish_variance_slots"], t["id"])):
        late = t["finish_variance_slots"] > 0
        ws.append([cell(ws, t["id"]),
                   cell(ws, tl.local(t["baseline_start_slot"]), fmt=DATE_FMT),
                   cell(ws, tl.local(t["baseline_finish_slot"]), fmt=DATE_FMT),
                   cell(ws, tl.local(t["start_slot"]), fmt=DATE_FMT),
                   cell(ws, tl.local(t["finish_slot"]), fmt=DATE_FMT),
                   t["start_variance_slots"] * size,
                   cell(ws, t["finish_variance_slots"] * size,
                        fill=MISSED_FILL if late else None)])


PROGRESS_FIELDS = ("task", "planned_start", "planned_finish", "actual_start", "actual_finish",
                   "percent_complete", "remaining", "note", "status_date", "suspended",
                   "resumed")
DATE_FIELDS = {"planned_start", "planned_finish", "actual_start", "actual_finish",
               "status_date", "suspended", "resumed"}


def _progress(ws, doc, tl: Timeline) -> None:
    """The sheet a PM fills in and feeds back with --progress: a row per task with its planned
    dates (and what the schedule already knows happened)."""
    _fit_width(ws, landscape=True)
    ws.freeze_panes = "B2"
    for i, width in enumerate([40, 17, 17, 17, 17, 10, 10, 30, 17, 17, 17], start=1):
        column = ws.column_dimensions[get_column_letter(i)]
        column.width = width
        if PROGRESS_FIELDS[i - 1] in DATE_FIELDS:
            # The date format on the column: what the PM types in later reads as a date,
            # without a styled empty cell per task (29,000 on Colossus).
            column.number_format = DATE_FMT
    ws.append([cell(ws, h, font=BOLD, fill=HEADER_FILL) for h in PROGRESS_FIELDS])
    status = _local(tl, doc.get("status_date"))

    def date(value):
        return None if value is None else cell(ws, value, fmt=DATE_FMT)

    for t in doc["tasks"]:
        done = t.get("progress")
        ws.append([cell(ws, t["id"]),
                   date(tl.local(t["start_slot"])), date(tl.local(t["finish_slot"])),
                   date(tl.local(t["start_slot"]) if done else None),
                   date(tl.local(t["finish_slot"]) if done == "finished" else None),
                   None, None, None, date(status), None, None])


def read_progress_rows(path) -> list[dict[str, str]]:
    """The Progress sheet of a workbook as CSV-like rows (dates as ISO text), for
    scheduler/progress.py; ExportError if the workbook has none."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise ExportError(f"{path}: not a readable workbook ({exc})") from None
    if "Progress" not in wb.sheetnames:
        raise ExportError(f"{path}: no sheet named Progress; export one with --xlsx")
    rows = wb["Progress"].iter_rows(values_only=True)
    header = [str(h or "") for h in next(rows, ())]
    out = []
    for values in rows:
        out.append({h: _text(v) for h, v in zip(header, values) if h})
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- cells -------------------------------------------------------------------------------------
def cell(ws, value, *, font=None, fill=None, fmt=None, border=None, align=None):
    """A cell for ws.append: the value with its style registered once per workbook (text that
    looks like a formula keeps Excel's quote prefix, so editing it cannot make it one)."""
    return styled(ws.parent, value, font=font, fill=fill, fmt=fmt, border=border, align=align)


def _trade_colours(doc) -> dict[str, PatternFill]:
    trades = []
    for r in doc["resources"]:
        if r["trade"] not in trades:
            trades.append(r["trade"])
    out = {t: PatternFill("solid", fgColor=PALETTE[i % len(PALETTE)]) for i, t in
           enumerate(trades)}
    out[""] = PatternFill("solid", fgColor=NO_CREW)
    return out


def _local(timeline: Timeline, iso: str | None):
    if iso is None:
        return None
    return datetime.fromisoformat(iso).astimezone(timeline.tz).replace(tzinfo=None)


# -- Summary ------------------------------------------------------------------------------------
def _summary(ws, doc, tl: Timeline, colours) -> None:
    tz = ZoneInfo(doc["timezone"])
    ws.column_dimensions["A"].width = 30
    for col in "BCDEF":
        ws.column_dimensions[col].width = 18
    gap = doc.get("gap")
    rows = [
        ("Plan", doc["plan"]),
        ("Generated", datetime.now(tz).replace(tzinfo=None, microsecond=0)),
        ("rackplan version", doc["rackplan_version"]),
        ("Solve status", doc["status"]),
        ("Optimality gap", gap),
        ("Start", _local(tl, doc["start"])),
        ("Forecast finish", _local(tl, doc["finish"])),
        ("Finish lower bound (days)", _days(doc, doc.get("finish_lower_bound_slots"))),
        ("Duration (days)", _days(doc, doc.get("makespan_slots"))),
        ("Time zone", doc["timezone"]),
    ]
    if doc.get("cost"):
        rows += [("Cost", doc["cost"]["total"]), ("  crews", doc["cost"]["crews"]),
                 ("  spending", doc["cost"]["spending"]),
                 ("  deliveries", doc["cost"]["deliveries"])]
        if doc["cost"].get("expedites"):
            rows += [("  expedites", doc["cost"]["expedites"]),
                     ("Expedited deliveries", ", ".join(doc.get("expedited") or []))]
    ws.append([cell(ws, "rackplan schedule", font=Font(bold=True, size=14))])
    for label, value in rows:
        fmt = DATE_FMT if isinstance(value, datetime) else ("0.0%" if label.startswith(
            "Optimality") else "#,##0.00" if label in ("Cost", "  crews", "  spending",
                                                     "  deliveries", "  expedites") else None)
        ws.append([cell(ws, label, font=BOLD), cell(ws, value, fmt=fmt)])
    ws.append([])
    ws.append([cell(ws, h, font=BOLD, fill=HEADER_FILL) for h in
               ("Target", "Kind", "Due", "Forecast", "Slack (days)", "Met")])
    for t in doc["targets"]:
        met = t["met"]
        ws.append([cell(ws, t["name"]), cell(ws, ("hard " if t["hard"] else "soft ") + t["kind"]),
                   cell(ws, _local(tl, t["due"]), fmt=DATE_FMT),
                   cell(ws, _local(tl, t["forecast"]), fmt=DATE_FMT),
                   cell(ws, _days(doc, t["slack_slots"]), fmt="0.0"),
                   cell(ws, "met" if met else "missed", fill=MET_FILL if met else MISSED_FILL)])
    ws.append([])
    ws.append([cell(ws, h, font=BOLD, fill=HEADER_FILL) for h in
               ("Resource", "Peak use", "Capacity", "Busy")])
    horizon = doc["makespan_slots"]
    use = usage_profiles(doc, horizon)
    for r in doc["resources"]:
        busy = sum(use[r["id"]][:horizon])
        available = sum(capacity_at(r, s) for s in range(horizon)) or 1
        ws.append([cell(ws, r["id"]), cell(ws, max(use[r["id"]], default=0)),
                   cell(ws, max(c for _, _, c in r["capacity"])),
                   cell(ws, busy / available, fmt="0%")])
    _summary_budgets(ws, doc.get("budgets") or [])
    _key_milestones(ws, doc, tl)
    _legend(ws, colours)
    if any(t["gpus"] for t in doc["tasks"]):
        chart = _gpu_chart(len(tl.buckets), sheet="'GPUs online'!")
        chart.height, chart.width = 7, 13  # beside the tables, on the first page
        ws.add_chart(chart, "H2")


def _key_milestones(ws, doc, tl: Timeline) -> None:
    """Milestones of the site and its top units one by one (forecast, float in days), then
    each kind of milestone deeper down (every array's acceptance) as first, last, count, and
    how many of them fall in each week."""
    marks = [t for t in doc["tasks"] if t["milestone"]]
    if not marks:
        return
    top = [t for t in marks if t["id"].count("/") <= 1]
    kinds: dict[str, list[dict]] = {}
    for t in marks:
        if t["id"].count("/") > 1:
            kinds.setdefault(t["id"].rpartition("/")[2], []).append(t)
    ws.append([])
    ws.append([cell(ws, h, font=BOLD, fill=HEADER_FILL) for h in
               ("Key milestone", "Forecast", "Float (days)", "Count")])
    for t in sorted(top, key=lambda t: t["start_slot"]):
        ws.append([cell(ws, t["name"]), cell(ws, tl.local(t["start_slot"]), fmt=DATE_FMT),
                   cell(ws, _days(doc, t["float_slots"]), fmt="0.0"), 1])
    for kind, tasks in sorted(kinds.items(), key=lambda kv: min(t["start_slot"]
                                                                for t in kv[1])):
        first = min(tasks, key=lambda t: t["start_slot"])
        last = max(tasks, key=lambda t: t["start_slot"])
        ws.append([cell(ws, f"first {kind}"), cell(ws, tl.local(first["start_slot"]),
                                                   fmt=DATE_FMT),
                   cell(ws, _days(doc, first["float_slots"]), fmt="0.0"), len(tasks)])
        ws.append([cell(ws, f"last {kind}"), cell(ws, tl.local(last["start_slot"]),
                                                  fmt=DATE_FMT),
                   cell(ws, _days(doc, last["float_slots"]), fmt="0.0"), None])
    for kind, tasks in kinds.items():
        weeks: dict[str, int] = {}
        for t in tasks:
            day = tl.local(t["start_slot"]).date()
            monday = day - timedelta(days=day.weekday())
            weeks[monday.isoformat()] = weeks.get(monday.isoformat(), 0) + 1
        ws.append([])
        ws.append([cell(ws, h, font=BOLD, fill=HEADER_FILL) for h in
                   (f"Week of ({kind})", "This week", "So far")])
        total = 0
        for week, count in sorted(weeks.items()):
            total += count
            ws.append([cell(ws, week), count, total])


def _legend(ws, colours) -> None:
    """The Gantt's bar colours, one per trade."""
    ws.append([])
    ws.append([cell(ws, "Gantt colours", font=BOLD, fill=HEADER_FILL),
               cell(ws, "", fill=HEADER_FILL)])
    for trade, fill in colours.items():
        ws.append([cell(ws, trade or "no crew (equipment, elapsed)"), cell(ws, " ", fill=fill)])


def _summary_budgets(ws, budgets) -> None:
    if not budgets:
        return
    ws.append([])
    ws.append([cell(ws, h, font=BOLD, fill=HEADER_FILL) for h in
               ("Budget", "Spent", "Total", "Left", "Unit")])
    for b in budgets:
        left = None if b["spent"] is None else b["total"] - b["spent"]
        ws.append([cell(ws, b["id"]), cell(ws, b["spent"]), cell(ws, b["total"]),
                   cell(ws, left), cell(ws, b["unit"])])


def span_unit(tl: Timeline) -> tuple[str, float]:
    """How spans read in the tables: days for a plan in whole days, else hours (the plan's
    resolution is finer than a day), as (unit, slots per unit)."""
    return ("d", 1440 / tl.slot_minutes) if tl.slot_minutes >= 1440 else \
        ("h", 60 / tl.slot_minutes)


def _days(doc, slots):
    return None if slots is None else round(slots * doc["slot_minutes"] / 1440, 2)


# -- Gantt ----------------------------------------------------------------------------------------
def _gantt(ws, doc, tl: Timeline, colours) -> None:
    ws.sheet_properties.outlinePr = Outline(summaryBelow=False, summaryRight=False)
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for k in range(len(tl.buckets)):
        ws.column_dimensions[get_column_letter(FIRST_DAY_COL + k)].width = 3.2 if not \
            tl.weekly else 4.5
    ws.freeze_panes = f"C{HEADER_ROWS + 1}"
    ws.print_title_rows = f"1:{HEADER_ROWS}"
    ws.print_title_cols = "A:B"  # every page names its rows
    ws.page_setup.orientation = "landscape"
    # Pages across so the print stays legible (about 9 pt on Colossus, 3 pages wide): one
    # page wide shrank its 100 day columns to 3 pt. Rows below the arrays start collapsed,
    # and hidden rows do not print: the top levels print on a few pages.
    width = sum(WIDTHS) + len(tl.buckets) * (3.2 if not tl.weekly else 4.5)
    ws.page_setup.fitToWidth = max(1, -(-int(width) // 200))
    ws.page_setup.fitToHeight = 0
    target_cols = _target_columns(doc, tl)
    _gantt_header(ws, doc, tl, target_cols)
    rows = list(_gantt_rows(doc))
    for row in rows:
        depth, hidden, collapsed = row["outline"]
        ws.append(_gantt_cells(ws, row, tl, colours), outlineLevel=depth or None,
                  hidden=1 if hidden else None, collapsed=1 if collapsed else None)
    last = HEADER_ROWS + len(rows)
    ws.auto_filter.ref = f"A{HEADER_ROWS}:{get_column_letter(len(TABLE_COLUMNS))}{last}"
    _gantt_formatting(ws, tl, target_cols, last)


def _target_columns(doc, tl) -> dict[int, str]:
    """Timeline column index -> label for the target dates and milestone targets."""
    out: dict[int, str] = {}
    for t in doc["targets"]:
        k = tl.bucket_of(t["due_slot"])
        out[k] = (out[k] + ", " if k in out else "") + t["name"]
    return out


def _gantt_header(ws, doc, tl, target_cols) -> None:
    first = [cell(ws, doc["plan"], font=TITLE)] + [None] * (
        len(TABLE_COLUMNS) - 1)
    beyond = [t for t in doc["targets"] if t["due_slot"] >= tl.bounds[-1]]
    note = "".join(f"   ◆ {t['name']}: due {str(t['due'])[:16].replace('T', ' ')} (after the "
                   "chart)" for t in beyond)
    second = [cell(ws, f"status: {doc['status']}   finish: {str(doc['finish'])[:16]}"
                       f"   bar colours: trades (legend on Summary){note}")] + [None] * (
        len(TABLE_COLUMNS) - 1)
    off = set(doc.get("nonworking_days", []))
    unit, _ = span_unit(tl)
    third = [cell(ws, h.replace("(h)", f"({unit})"), font=BOLD, fill=HEADER_FILL)
             for h in TABLE_COLUMNS]
    for k, day in enumerate(tl.buckets):
        label = target_cols.get(k)
        first.append(cell(ws, "◆ " + label, font=RED_BOLD, align=VERTICAL) if label else None)
        if tl.weekly:
            second.append(cell(ws, f"W{day.isocalendar()[1]}", align=VERTICAL))
        else:
            second.append(cell(ws, "off" if day.isoformat() in off else day.strftime("%a")[:2],
                               align=VERTICAL))
        third.append(cell(ws, datetime(day.year, day.month, day.day), fmt="dd mmm",
                          font=BOLD, fill=TARGET_FILL if label else HEADER_FILL, align=VERTICAL))
    ws.append(first, ht=60, customHeight=1)
    ws.append(second)
    ws.append(third)


def _gantt_rows(doc):
    """Rows in outline order: site tasks, then each unit's summary, its tasks and sub-units.
    Rows two levels down start hidden, so the sheet opens collapsed to a readable level."""
    tree = UnitTree(doc["tasks"])

    def walk(unit, depth):
        for t in tree.tasks(unit):
            yield {"task": t, "outline": (depth, depth >= 2, False)}
        for child in tree.subunits(unit):
            lo, hi, crit = tree.span(child)
            yield {"unit": child, "span": (lo, hi), "critical": crit,
                   "outline": (depth, depth >= 2, depth + 1 >= 2)}
            yield from walk(child, depth + 1)

    yield from walk("", 0)


def _gantt_cells(ws, row, tl: Timeline, colours):
    if "unit" in row:
        lo, hi = row["span"]
        name = row["unit"].rpartition("/")[2]
        values = [cell(ws, row["unit"], font=BOLD), cell(ws, name, font=BOLD), None,
                  cell(ws, tl.local(lo), fmt=DATE_FMT, font=BOLD),
                  cell(ws, tl.local(hi), fmt=DATE_FMT, font=BOLD),
                  cell(ws, (hi - lo) / span_unit(tl)[1], fmt="0.0", font=BOLD), None,
                  cell(ws, "yes" if row["critical"] else "", font=BOLD)]
        hours = {k: 1.0 for k in range(tl.bucket_of(lo), tl.bucket_of(max(lo, hi - 1)) + 1)}
        return values + _bars(ws, tl, hours, SUMMARY_FILL, None)
    t = row["task"]
    crews = ", ".join(f"{r} x{q}" if q > 1 else r for r, q in t["resources"].items())
    values = [cell(ws, t["id"]), cell(ws, t["name"]), cell(ws, crews),
              cell(ws, tl.local(t["start_slot"]), fmt=DATE_FMT),
              cell(ws, tl.local(t["finish_slot"]), fmt=DATE_FMT),
              cell(ws, t["duration_slots"] / span_unit(tl)[1], fmt="0.0"),
              cell(ws, t["float_slots"] / span_unit(tl)[1], fmt="0.0"),
              cell(ws, "yes" if t["critical"] else "",
                   font=RED_BOLD if t["critical"] else None)]
    if t["milestone"]:
        k = tl.bucket_of(t["start_slot"])
        return values + [None] * k + [cell(ws, "◆", font=RED_BOLD, align=CENTER)]
    fill = colours.get(t["trade"], colours[""])
    border = CRITICAL_BORDER if t["critical"] else None
    base = None
    if t.get("baseline_start_slot") is not None and t["baseline_finish_slot"] > \
            t["baseline_start_slot"]:
        lo, hi = t["baseline_start_slot"], t["baseline_finish_slot"]
        base = range(tl.bucket_of(lo), tl.bucket_of(hi - 1) + 1)
    return values + _bars(ws, tl, tl.hours_by_bucket(t["segments"]), fill, border, base)


def _bars(ws, tl, hours: dict[int, float], fill, border, baseline=None):
    """The bar's cells, and with a baseline a grey underline across the days it had."""
    if not hours and not baseline:
        return []
    out: list = [None] * (max(list(hours) + list(baseline or [])) + 1)
    for k, h in hours.items():
        out[k] = cell(ws, round(h, 2), fill=fill, fmt=HIDDEN_NUMBER, border=border)
    for k in baseline or ():
        under = Border(top=border.top if border else None, bottom=BASELINE_SIDE)
        out[k] = cell(ws, round(hours[k], 2) if k in hours else None,
                      fill=fill if k in hours else None, fmt=HIDDEN_NUMBER, border=under)
    return out


def _gantt_formatting(ws, tl, target_cols, last) -> None:
    if len(tl.buckets) == 0:
        return
    first_col = get_column_letter(FIRST_DAY_COL)
    last_col = get_column_letter(FIRST_DAY_COL + len(tl.buckets) - 1)
    area = f"{first_col}{HEADER_ROWS + 1}:{last_col}{last}"
    top = HEADER_ROWS + 1
    # Weekends and holidays: shade the empty cells of the days nobody works.
    ws.conditional_formatting.add(area, FormulaRule(
        formula=[f'AND({first_col}$2="off",{first_col}{top}="")'], fill=OFF_FILL))
    for k in target_cols:
        col = get_column_letter(FIRST_DAY_COL + k)
        rule = FormulaRule(formula=["TRUE"], border=Border(left=RED, right=RED))
        ws.conditional_formatting.add(f"{col}{top}:{col}{last}", rule)


def _line_chart(title: str, y_title: str, height: float, width: float) -> LineChart:
    chart = LineChart()
    chart.title = title
    chart.y_axis.title = y_title
    chart.x_axis.number_format = "dd mmm"
    chart.height, chart.width = height, width
    # openpyxl marks axes deleted by default, and LibreOffice then draws no scale.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart


def _straight(chart: LineChart) -> None:
    for series in chart.series:
        series.smooth = False


# -- Resources ------------------------------------------------------------------------------------
def _resources(ws, doc, tl: Timeline) -> None:
    """Per crew and day (or week): crew-hours booked against crew-hours on hand (capacity x
    hours), and the utilisation; a chart per crew of the two, in crew-hours."""
    horizon = max(tl.bounds[-1], 1)
    use = usage_profiles(doc, horizon)
    hours = doc["slot_minutes"] / 60
    header = [cell(ws, "date", font=BOLD, fill=HEADER_FILL)]
    for r in doc["resources"]:
        header += [cell(ws, f"{r['id']} crew-hours", font=BOLD, fill=HEADER_FILL),
                   cell(ws, f"{r['id']} available", font=BOLD, fill=HEADER_FILL),
                   cell(ws, f"{r['id']} utilisation", font=BOLD, fill=HEADER_FILL)]
    ws.column_dimensions["A"].width = 15
    for i in range(2, 2 + 3 * len(doc["resources"])):
        ws.column_dimensions[get_column_letter(i)].width = 13
    ws.freeze_panes = "B2"
    ws.append(header)
    for k, day in enumerate(tl.buckets):
        lo, hi = tl.bounds[k], max(tl.bounds[k + 1], tl.bounds[k] + 1)
        row = [cell(ws, datetime(day.year, day.month, day.day), fmt="yyyy-mm-dd")]
        for r in doc["resources"]:
            booked = sum(use[r["id"]][lo:hi]) * hours
            available = sum(capacity_at(r, s) for s in range(lo, hi)) * hours
            row += [cell(ws, round(booked, 1), fmt="#,##0"),
                    cell(ws, round(available, 1), fmt="#,##0"),
                    cell(ws, booked / available if available else None, fmt="0%")]
        ws.append(row)
    n = len(tl.buckets)
    dates = Reference(ws, min_col=1, min_row=2, max_row=n + 1)
    per = "week" if tl.weekly else "day"
    for i, r in enumerate(doc["resources"]):
        chart = _line_chart(f"{r['id']}: crew-hours booked and available per {per}",
                            f"crew-hours per {per}", 7, 16)
        chart.y_axis.number_format = "#,##0"
        chart.x_axis.title = "date"
        col = 2 + 3 * i
        chart.add_data(Reference(ws, min_col=col, max_col=col + 1, min_row=1, max_row=n + 1),
                       titles_from_data=True)
        chart.set_categories(dates)
        _straight(chart)
        ws.add_chart(chart, f"{get_column_letter(3 * len(doc['resources']) + 3)}{2 + 15 * i}")


def _gpus(ws, doc, tl: Timeline) -> None:
    finishes = sorted((t["finish_slot"], t["gpus"]) for t in doc["tasks"] if t["gpus"])
    planned = sorted((t["baseline_finish_slot"], t["gpus"]) for t in doc["tasks"]
                     if t["gpus"] and t.get("baseline_finish_slot") is not None)
    targets = {tl.bucket_of(t["due_slot"]): t for t in doc["targets"] if t["kind"] == "gpus"}
    # Widths first: a write-only sheet ignores them once rows are written (dates showed ###).
    for col, width in zip("ABCD", (15, 16, 14, 14)):
        ws.column_dimensions[col].width = width
    ws.append([cell(ws, h, font=BOLD, fill=HEADER_FILL) for h in
               ("date", "GPUs online", "GPU target") + (("baseline",) if planned else ())])
    online, i, committed, j = 0, 0, 0, 0
    for k, day in enumerate(tl.buckets):
        while i < len(finishes) and finishes[i][0] <= tl.bounds[k + 1]:
            online += finishes[i][1]
            i += 1
        while j < len(planned) and planned[j][0] <= tl.bounds[k + 1]:
            committed += planned[j][1]
            j += 1
        target = targets.get(k)
        ws.append([cell(ws, datetime(day.year, day.month, day.day), fmt="yyyy-mm-dd"),
                   online, target["gpus"] if target else None]
                  + ([committed] if planned else []))
    n = len(tl.buckets)
    chart = _gpu_chart(n, ws)
    if planned:  # the baseline curve beside the forecast, dashed
        chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=n + 1),
                       titles_from_data=True)
        chart.series[-1].smooth = False
        chart.series[-1].graphicalProperties.line.dashStyle = "dash"
    ws.add_chart(chart, "E2")


def _gpu_chart(n: int, ws=None, sheet: str = ""):
    """GPUs online by day with each GPU target as a diamond, from the GPUs online sheet's
    columns (date, GPUs online, GPU target); `sheet` names it when the chart is elsewhere."""
    chart = _line_chart("GPUs online", "GPUs", 9, 20)
    chart.y_axis.number_format = "#,##0"

    def ref(cols: str, first: int):
        if ws is not None:
            lo, hi = (ord(c) - 64 for c in cols)
            return Reference(ws, min_col=lo, max_col=hi, min_row=first, max_row=n + 1)
        a, b = cols
        return Reference(range_string=f"{sheet}${a}${first}:${b}${n + 1}")

    chart.add_data(ref("BC", 1), titles_from_data=True)
    chart.set_categories(ref("AA", 2))
    _straight(chart)
    target_series = chart.series[1]
    target_series.marker.symbol = "diamond"
    target_series.marker.size = 10
    target_series.graphicalProperties.line.noFill = True
    return chart


# -- Tasks ----------------------------------------------------------------------------------------
TASK_FIELDS = ["id", "name", "unit", "step", "trade", "resources", "mode", "start", "finish",
               "work (h)", "elapsed (h)", "float (h)", "critical", "milestone", "gpus",
               "calendar", "predecessors"]


def _tasks(ws, doc, tl: Timeline) -> None:
    ws.freeze_panes = "C2"
    for i, width in enumerate([34, 30, 24, 14, 14, 22, 6, 16, 16, 9, 9, 9, 8, 9, 7, 12, 40],
                              start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    span, per = span_unit(tl)
    ws.append([cell(ws, h.replace("(h)", f"({span})"), font=BOLD, fill=HEADER_FILL)
               for h in TASK_FIELDS])
    size = 1 / per  # slots to the unit shown
    for t in doc["tasks"]:
        unit, _, step = t["id"].rpartition("/")
        preds = ", ".join(p["task"] + ("" if p["type"] == "FS" else f" {p['type']}")
                          + (f" +{p['lag_slots'] * size:g}{span}" if p["lag_slots"] else "")
                          for p in t["predecessors"])
        ws.append([
            cell(ws, t["id"]), cell(ws, t["name"]), cell(ws, unit), cell(ws, step),
            cell(ws, t["trade"]),
            cell(ws, ", ".join(f"{r}={q}" for r, q in t["resources"].items())),
            t["mode"],
            cell(ws, tl.local(t["start_slot"]), fmt=DATE_FMT),
            cell(ws, tl.local(t["finish_slot"]), fmt=DATE_FMT),
            t["duration_slots"] * size,
            (t["finish_slot"] - t["start_slot"]) * size,
            t["float_slots"] * size,
            "yes" if t["critical"] else "no",
            "yes" if t["milestone"] else "no",
            t["gpus"],
            cell(ws, t["calendar"] or "elapsed"),
            cell(ws, preds),
        ])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(TASK_FIELDS))}{len(doc['tasks']) + 1}"
