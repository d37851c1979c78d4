"""`rackplan crews` for people: the chosen crew sizes, their cost and the proven bound."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from tabulate import tabulate

from ..scheduler.plan import Plan
from .charts import add_xy, xy_chart

if TYPE_CHECKING:
    from ..scheduler.cpsat.crews import CrewSizes


def frontier_text(plan: Plan, points: list[CrewSizes]) -> str:
    """The cost-vs-finish curve: a row per date."""
    crews = [r for r, res in plan.resources.items() if res.sizing]
    rows = []
    for p in points:
        when = plan.slot_to_datetime(p.deadline).format("YYYY-MM-DD HH:mm")
        if p.cost is None:
            rows.append([when, p.status.value, "-", "-"] + ["-"] * len(crews))
            continue
        rows.append([when, p.status.value, f"{p.cost / 100:,.2f}", f"{(p.bound or 0) / 100:,.2f}"]
                    + [str(p.sizes[r]) for r in crews])
    return "Cost against the finish date\n" + tabulate(
        rows, headers=["finish by", "status", "crew cost", "proven bound"] + crews,
        disable_numparse=True) + "\n"


def _phases(plan: Plan, rid: str, size: int, ramp) -> str:
    """A sized crew over time: 'min 4 until 06-20, 12 until 07-15, then 6'."""
    from ..scheduler.cpsat.crews import capacity_steps

    steps = capacity_steps(plan.resources[rid], size, ramp)
    parts = [f"{cap} from {plan.slot_to_datetime(at).format('MM-DD HH:mm')}" if at else str(cap)
             for at, cap in steps]
    return ", then ".join(parts)


def frontier_rows(plan: Plan, points: list[CrewSizes]) -> list[dict]:
    """The curve for the JSON (and the workbook's Frontier sheet): a row per date."""
    day = plan.slot_minutes / 1440
    return [{"finish_by": plan.slot_to_datetime(p.deadline).in_timezone(plan.timezone)
             .format("YYYY-MM-DDTHH:mm:ssZ"), "day": round(p.deadline * day, 2),
             "status": p.status.value,
             "cost": None if p.cost is None else p.cost / 100,
             "bound": None if p.bound is None else (p.bound or 0) / 100,
             "sizes": dict(p.sizes),
             "ramps": {rid: {"from": plan.slot_to_datetime(at).in_timezone(plan.timezone)
                             .format("YYYY-MM-DDTHH:mm:ssZ"), "size": n}
                       for rid, (at, n) in p.ramps.items()}} for p in points]


def crews_text(plan: Plan, answer: CrewSizes) -> str:
    when = plan.slot_to_datetime(answer.deadline).format("YYYY-MM-DD HH:mm")
    head = f"Crew sizes to finish by {when} and meet every hard target"
    if answer.cost is None:
        verdict = ("none: the targets cannot be met even with the largest crews"
                   if answer.status.value == "infeasible" else "none found in the time limit")
        return f"{head}\n{verdict}\n"
    priced = any(plan.resources[r].cost_per_hour or plan.resources[r].cost_per_day
                 for r in answer.sizes)
    phased = any(plan.resources[r].size_lead or plan.resources[r].size_ramp
                 for r in answer.sizes)
    rows = []
    for rid, n in answer.sizes.items():
        lo, hi = plan.resources[rid].sizing or (n, n)
        unit = answer.unit_cents[rid]
        row = (rid, lo, hi, n)
        if phased:
            row += (_phases(plan, rid, n, answer.ramps.get(rid)),)
        rows.append(row + ((f"{unit / 100:,.2f}", f"{n * unit / 100:,.2f}")
                           if priced and not phased else ()))
    headers = (["crew", "min", "max", "chosen"] + (["over time"] if phased else [])
               + (["per unit", "cost"] if priced and not phased else []))
    table = tabulate(rows, headers=headers, disable_numparse=True)
    status = ("optimal (proven)" if answer.status.value == "optimal" else
              f"feasible, within {100 * (answer.gap or 0):.1f}% of the proven bound")
    if not priced:
        return (f"{head}\n{table}\n\ncrew units  {sum(answer.sizes.values())} ({status}; no "
                "prices given, so the fewest crews)\n")
    return (f"{head}\n{table}\n\ncrew cost   {answer.cost / 100:,.2f} ({status}; no sizes cost "
            f"less than {(answer.bound or 0) / 100:,.2f})\n")


def frontier_sheet(ws, rows: list[dict]) -> None:
    """The workbook's Frontier sheet (write-only): the table and the cost-vs-finish chart."""
    crews = list(rows[0]["sizes"]) if rows else []
    for col, width in zip("ABCDE", (18, 8, 12, 14, 14)):
        ws.column_dimensions[col].width = width
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="D9E1F2")
    head = []
    for name in ["finish by", "day", "status", "crew cost", "proven bound"] + crews:
        c = WriteOnlyCell(ws, name)
        c.font, c.fill = bold, fill
        head.append(c)
    ws.append(head)
    for r in rows:
        ws.append([r["finish_by"][:16].replace("T", " "), r["day"], r["status"], r["cost"],
                   r["bound"]] + [r["sizes"].get(c) for c in crews])
    chart = xy_chart("Crew cost against the finish date", "finish by (project day)",
                     "crew cost", y_format="#,##0", height=9, width=18)
    n = len(rows) + 1
    for col, title in ((4, "cheapest crews found"), (5, "proven bound")):
        add_xy(chart, ws, 2, col, (2, n), title, marker="circle")
    ws.add_chart(chart, "H2")
