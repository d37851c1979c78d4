"""`rackplan crews` for people: the chosen crew sizes, their cost and the proven bound."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tabulate import tabulate

from ..scheduler.plan import Plan

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


def crews_text(plan: Plan, answer: CrewSizes) -> str:
    when = plan.slot_to_datetime(answer.deadline).format("YYYY-MM-DD HH:mm")
    head = f"Crew sizes to finish by {when} and meet every hard target"
    if answer.cost is None:
        verdict = ("none: the targets cannot be met even with the largest crews"
                   if answer.status.value == "infeasible" else "none found in the time limit")
        return f"{head}\n{verdict}\n"
    priced = any(plan.resources[r].cost_per_hour or plan.resources[r].cost_per_day
                 for r in answer.sizes)
    rows = []
    for rid, n in answer.sizes.items():
        lo, hi = plan.resources[rid].sizing or (n, n)
        unit = answer.unit_cents[rid]
        rows.append((rid, lo, hi, n) + ((f"{unit / 100:,.2f}", f"{n * unit / 100:,.2f}")
                                        if priced else ()))
    headers = ["crew", "min", "max", "chosen"] + (["per unit", "cost"] if priced else [])
    table = tabulate(rows, headers=headers, disable_numparse=True)
    status = ("optimal (proven)" if answer.status.value == "optimal" else
              f"feasible, within {100 * (answer.gap or 0):.1f}% of the proven bound")
    if not priced:
        return (f"{head}\n{table}\n\ncrew units  {sum(answer.sizes.values())} ({status}; no "
                "prices given, so the fewest crews)\n")
    return (f"{head}\n{table}\n\ncrew cost   {answer.cost / 100:,.2f} ({status}; no sizes cost "
            f"less than {(answer.bound or 0) / 100:,.2f})\n")
