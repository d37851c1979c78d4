"""A risk study for people and scripts: the document (dates, days), the terminal report, and a
workbook with the S-curve, histogram and tornado as native Excel charts."""

from __future__ import annotations

import io
import math

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.properties import PageSetupProperties
from tabulate import tabulate

from ..scheduler.plan import Plan
from ..scheduler.risk import CHECK_EVERY, MIN_ITERATIONS, STABLE_WIDTH, VERIFY_EVERY
from .atomic import write_atomic
from .charts import add_xy, xy_chart
from .safe_text import guard_row

QUANTILES = ("p10", "p50", "p80", "p90")
STOP_RULE = (f"stop when P80's 95% confidence interval is within {STABLE_WIDTH:.0%} of the "
             f"P80 duration, checked every {CHECK_EVERY} iterations from {MIN_ITERATIONS}")


def risk_document(plan: Plan, summary: dict, check: str = "sample") -> dict:
    """The summary (slots) as dates and days from the project start."""
    def when(slot):
        if slot is None:
            return None
        return {"date": plan.slot_to_datetime(slot).in_timezone(plan.timezone)
                .format("YYYY-MM-DDTHH:mm:ssZ"),
                "day": round(slot * plan.slot_minutes / 1440, 2)}

    def dist(d):
        return {q: dict(when(d[q]["value"]), interval=[when(v) for v in d[q]["interval"]])
                for q in QUANTILES} | {"mean_day": round(d["mean"] * plan.slot_minutes / 1440,
                                                         2)}

    doc: dict = {
        "kind": "risk", "plan": plan.name, "file": plan.file,
        "start": plan.start.in_timezone(plan.timezone).format("YYYY-MM-DDTHH:mm:ssZ"),
        "timezone": plan.timezone,
        "iterations": summary["iterations"], "scheduled": summary["scheduled"],
        "seed": summary["seed"], "rule": summary["rule"],
        "stopped_early": summary["stopped_early"], "stop_rule": STOP_RULE,
        "verified": summary["verified"],
        "verify": {"all": "every iteration", "sample": f"every {VERIFY_EVERY}th iteration",
                   "none": "none"}[check],
        "interrupted": summary.get("interrupted", False),
    }
    if "finish" not in summary:
        return doc
    det = summary["deterministic"]
    doc["finish"] = dist(summary["finish"])
    doc["deterministic"] = dict(when(det["finish"]), probability=det["probability"])
    doc["targets"] = [
        {"id": t["id"], "label": t["label"], "due": when(t["due"]), "hard": t["hard"],
         "probability": t["probability"], "deterministic": when(t["deterministic"])}
        | (dist(t) if "p50" in t else {})
        for t in summary["targets"]]
    doc["criticality"] = [dict(c, name=plan.tasks[c["task"]].name)
                          for c in summary["criticality"]]
    doc["trades"] = summary["trades"]
    day = plan.slot_minutes / 1440
    doc["tornado"] = [{"input": t["input"], "swing_days": round(t["swing"] * day, 2),
                       "correlation": round(t["correlation"], 3)} for t in summary["tornado"]]
    doc["gpus"] = [{"gpus": g["gpus"], "p50": when(g["p50"]), "p80": when(g["p80"])}
                   for g in summary["gpus"]]
    finishes = summary["histogram"]
    n = len(finishes)
    doc["cdf"] = [{"day": round(f * day, 2), "probability": round((i + 1) / n, 4)}
                  for i, f in enumerate(finishes) if i + 1 == n or finishes[i + 1] != f]
    doc["histogram"] = _histogram([f * day for f in finishes])
    return doc


def _histogram(days: list[float], bins: int = 30) -> list[dict]:
    """Counts per bin of whole or half days (or wider), at most about `bins` bins."""
    lo, hi = math.floor(days[0]), math.ceil(days[-1])
    width = next(w for w in (0.25, 0.5, 1, 2, 5, 7, 14, 30, 10**9) if (hi - lo) / w <= bins)
    counts: dict[float, int] = {}
    for d in days:
        start = lo + math.floor((d - lo) / width) * width
        counts[start] = counts.get(start, 0) + 1
    return [{"day": round(k, 2), "width": width, "count": c} for k, c in sorted(counts.items())]


def _short(w) -> str:
    return "-" if w is None else f"{w['date'][:16].replace('T', ' ')}  day {w['day']:g}"


def risk_text(doc: dict) -> str:
    head = (f"Risk: {doc['plan']} — {doc['scheduled']:,} levelled iterations, seed "
            f"{doc['seed']}, rule '{doc['rule']}'")
    if doc["stopped_early"]:
        head += f" (stopped: P80 stable; rule: {doc['stop_rule']})"
    if doc.get("interrupted"):
        head += " (interrupted: the iterations done so far)"
    if "finish" not in doc:
        return head + "\nno iteration could be scheduled\n"
    f = doc["finish"]
    rows = [[q.upper(), _short(f[q]), f"day {f[q]['interval'][0]['day']:g} – "
             f"{f[q]['interval'][1]['day']:g}"] for q in QUANTILES]
    out = [head, "", "Finish", tabulate(rows, headers=["", "date", "95% interval"],
                                        disable_numparse=True)]
    det = doc["deterministic"]
    p50 = f["p50"]["day"]
    out.append(f"\nDeterministic forecast {_short(det)}: {det['probability']:.0%} of iterations "
               f"finish by it; P50 is {p50 - det['day']:+.1f} days from it (merge bias)")
    if doc["targets"]:
        rows = [[t["id"], "hard" if t["hard"] else "soft", _short(t["due"]),
                 f"{t['probability']:.0%}", _short(t.get("p50", {}) and t["p50"]),
                 _short(t.get("p80", {}) and t["p80"])] for t in doc["targets"]]
        out += ["", "Targets", tabulate(rows, headers=["target", "", "due", "P(meet)", "P50",
                                                       "P80"], disable_numparse=True)]
    if doc["tornado"]:
        rows = [[t["input"], f"{t['swing_days']:+.1f}", f"{t['correlation']:+.2f}"]
                for t in doc["tornado"][:10]]
        out += ["", "What moves the finish most (swing: median finish, top third of the input "
                "minus bottom third)", tabulate(rows, headers=["input", "swing (days)",
                                                               "rank corr."],
                                                disable_numparse=True)]
    rows = [[c["task"], f"{c['index']:.0%}"] for c in doc["criticality"][:10]]
    out += ["", "Most often on the driving chain", tabulate(rows, headers=["task",
                                                                           "criticality"],
                                                            disable_numparse=True)]
    rows = [[t["trade"], f"{t['critical']:.0%}", f"{t['crew_bound']:.0%}"]
            for t in doc["trades"] if t["critical"] or t["crew_bound"]]
    if rows:
        out += ["", "Trades", tabulate(rows, headers=["trade", "on the chain",
                                                      "its crews held it"],
                                       disable_numparse=True)]
    if doc["gpus"]:
        picks = [g for g in doc["gpus"] if g is doc["gpus"][-1] or
                 (doc["gpus"].index(g) + 1) % 5 == 0]
        rows = [[f"{g['gpus']:,}", _short(g["p50"]), _short(g["p80"])] for g in picks]
        out += ["", "GPUs online", tabulate(rows, headers=["GPUs", "P50", "P80"],
                                            disable_numparse=True)]
    out.append(f"\nverified: {doc['verified']:,} iterations by the feasibility verifier "
               f"({doc['verify']})")
    return "\n".join(out) + "\n"


# -- workbook ----------------------------------------------------------------------------------
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=12)
HEADER = PatternFill("solid", fgColor="D9E1F2")


def write_risk_workbook(doc: dict, path) -> None:
    buffer = io.BytesIO()
    build_risk_workbook(doc).save(buffer)
    write_atomic(path, buffer.getvalue())


def build_risk_workbook(doc: dict) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "Risk"
    risk_sheet(ws, doc, wb.create_sheet("Risk data"))
    return wb


def _row(ws, values, font=None, fill=None) -> int:
    ws.append(values)
    row = ws.max_row
    guard_row(ws, row, values)
    for c in range(1, len(values) + 1):
        if font:
            ws.cell(row, c).font = font
        if fill:
            ws.cell(row, c).fill = fill
    return row






def risk_sheet(ws, doc: dict, data) -> None:
    """The Risk sheet: tables on the left (A:F), charts on the right; the points the charts
    draw go on the sheet `data`."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.oddHeader.center.text = f"{doc['plan']} — schedule risk"
    ws.oddFooter.center.text = "Page &P of &N"
    for col, width in zip("ABCDEF", (34, 20, 14, 20, 20, 14)):
        ws.column_dimensions[col].width = width
    _row(ws, [f"Schedule risk: {doc['plan']}"], TITLE)
    _row(ws, [f"{doc['scheduled']:,} levelled iterations, seed {doc['seed']}, rule "
              f"'{doc['rule']}'" + (" (stopped early: P80 stable)" if doc["stopped_early"]
                                    else "")])
    if "finish" not in doc:
        _row(ws, ["No iteration could be scheduled."])
        return
    _row(ws, [])
    _row(ws, ["Finish", "date", "day", "95% from (day)", "95% to (day)"], BOLD, HEADER)
    for q in QUANTILES:
        f = doc["finish"][q]
        _row(ws, [q.upper(), f["date"][:16].replace("T", " "), f["day"],
                  f["interval"][0]["day"], f["interval"][1]["day"]])
    det = doc["deterministic"]
    _row(ws, ["Deterministic forecast", det["date"][:16].replace("T", " "), det["day"]])
    r = _row(ws, ["Chance to finish by the deterministic forecast", det["probability"]])
    ws.cell(r, 2).number_format = "0%"
    _row(ws, [])
    _row(ws, ["Target", "due", "P(meet)", "P50", "P80", "hard"], BOLD, HEADER)
    for t in doc["targets"]:
        r = _row(ws, [t["label"] or t["id"], t["due"]["date"][:16].replace("T", " "),
                      t["probability"],
                      t["p50"]["date"][:16].replace("T", " ") if "p50" in t else "",
                      t["p80"]["date"][:16].replace("T", " ") if "p80" in t else "",
                      "yes" if t["hard"] else "no"])
        ws.cell(r, 3).number_format = "0%"
    _row(ws, [])
    tornado_top = _row(ws, ["Input (tornado)", "swing (days)", "rank corr."], BOLD, HEADER)
    for t in doc["tornado"]:
        _row(ws, [t["input"], t["swing_days"], t["correlation"]])
    tornado_end = ws.max_row
    _row(ws, [])
    _row(ws, ["Task (criticality)", "share of iterations"], BOLD, HEADER)
    for c in doc["criticality"][:25]:
        r = _row(ws, [c["task"], c["index"]])
        ws.cell(r, 2).number_format = "0%"
    _row(ws, [])
    _row(ws, ["Trade", "on the chain", "its crews held it"], BOLD, HEADER)
    for t in doc["trades"]:
        r = _row(ws, [t["trade"], t["critical"], t["crew_bound"]])
        ws.cell(r, 2).number_format = ws.cell(r, 3).number_format = "0%"
    if doc["gpus"]:
        _row(ws, [])
        _row(ws, ["GPUs online", "P50", "P80"], BOLD, HEADER)
        for g in doc["gpus"]:
            _row(ws, [g["gpus"], g["p50"]["date"][:16].replace("T", " "),
                      g["p80"]["date"][:16].replace("T", " ")])
            ws.cell(ws.max_row, 1).number_format = "#,##0"
    ws.print_area = f"A1:R{max(ws.max_row, 70)}"
    _charts(ws, doc, tornado_top, tornado_end, data)


def _charts(ws, doc, tornado_top, tornado_end, data) -> None:
    col = 1
    data.cell(1, col, "finish day")
    data.cell(1, col + 1, "P(finish <= day)")
    for i, p in enumerate(doc["cdf"], start=2):
        data.cell(i, col, p["day"])
        data.cell(i, col + 1, p["probability"])
        data.cell(i, col + 1).number_format = "0.0%"
    n = len(doc["cdf"])
    s_curve = xy_chart("S-curve: chance to finish by each day", "project day", "probability",
                       y_format="0%")
    s_curve.y_axis.scaling.min = 0
    s_curve.y_axis.scaling.max = 1
    add_xy(s_curve, data, col, col + 1, (2, n + 1), "P(finish)")
    s_curve.legend = None
    ws.add_chart(s_curve, "H2")

    hcol = col + 3
    data.cell(1, hcol, "from day")
    data.cell(1, hcol + 1, "iterations")
    for i, h in enumerate(doc["histogram"], start=2):
        data.cell(i, hcol, h["day"])
        data.cell(i, hcol + 1, h["count"])
    m = len(doc["histogram"])
    hist = BarChart()
    hist.type = "col"
    hist.gapWidth = 10
    hist.title = "Finish: iterations per day"
    hist.x_axis.title = "project day"
    hist.y_axis.title = "iterations"
    hist.add_data(Reference(data, min_col=hcol + 1, min_row=1, max_row=m + 1),
                  titles_from_data=True)
    hist.set_categories(Reference(data, min_col=hcol, min_row=2, max_row=m + 1))
    hist.x_axis.delete = False
    hist.y_axis.delete = False
    hist.legend = None
    hist.height, hist.width = 8, 16
    ws.add_chart(hist, "H19")

    if doc["gpus"]:
        gcol = hcol + 3
        for c, head in enumerate(("GPUs", "P50 day", "P80 day")):
            data.cell(1, gcol + c, head)
        for i, g in enumerate(doc["gpus"], start=2):
            data.cell(i, gcol, g["gpus"])
            data.cell(i, gcol + 1, g["p50"]["day"])
            data.cell(i, gcol + 2, g["p80"]["day"])
        k = len(doc["gpus"]) + 1
        curve = xy_chart("GPUs online: P50 and P80", "project day", "GPUs online",
                         y_format="#,##0")
        for c, name in ((1, "P50"), (2, "P80")):
            add_xy(curve, data, gcol + c, gcol, (2, k), name)
        ws.add_chart(curve, "H55")
    if tornado_end > tornado_top:
        tornado = BarChart()
        tornado.type = "bar"
        tornado.title = "Tornado: swing of the finish (days)"
        tornado.add_data(Reference(ws, min_col=2, min_row=tornado_top, max_row=tornado_end),
                         titles_from_data=True)
        tornado.set_categories(Reference(ws, min_col=1, min_row=tornado_top + 1,
                                         max_row=tornado_end))
        tornado.y_axis.title = "days"
        tornado.x_axis.scaling.orientation = "maxMin"  # the largest swing on top
        tornado.x_axis.tickLblPos = "low"  # names clear of the bars that swing negative
        tornado.x_axis.delete = False
        tornado.y_axis.delete = False
        tornado.legend = None
        tornado.height, tornado.width = 9, 16
        ws.add_chart(tornado, "H36")
