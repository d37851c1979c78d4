"""`rackplan compare` for people (a column per scenario) and scripts (JSON)."""

from __future__ import annotations

import json

from tabulate import tabulate

from ..scheduler.compare import Outcome


def _when(plan, slot) -> str:
    return "-" if slot is None else plan.slot_to_datetime(slot).format("YYYY-MM-DD HH:mm")


def _days(plan, slots) -> float:
    return slots * plan.slot_minutes / 1440


def compare_text(outcomes: list[Outcome]) -> str:
    base = outcomes[0].plan
    rows = [["status"] + [o.schedule.status.value for o in outcomes],
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
    return tabulate(rows, headers=[""] + [o.name for o in outcomes],
                    disable_numparse=True) + "\n"


def compare_json(outcomes: list[Outcome]) -> str:
    def one(o: Outcome) -> dict:
        iso = lambda slot: None if slot is None else o.plan.slot_to_datetime(slot).isoformat()  # noqa: E731
        return {"name": o.name, "status": o.schedule.status.value, "finish": iso(o.finish),
                "finish_slot": o.finish,
                "targets": {t: {"forecast": iso(s), "forecast_slot": s,
                                "due": iso(o.plan.targets[t].due),
                                "met": s is not None and s <= o.plan.targets[t].due}
                            for t, s in o.forecasts.items()},
                "peaks": o.peaks, "cost": None if o.cost is None else o.cost / 100,
                "gpus_online_at_target_dates": o.gpus_at}
    return json.dumps({"scenarios": [one(o) for o in outcomes]}, indent=2) + "\n"
