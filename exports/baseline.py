"""The baseline comparison for people (a report section) and scripts (fields on the JSON)."""

from __future__ import annotations

from tabulate import tabulate

from ..scheduler.baseline import (
    Variance,
    baseline_slots,
    slipping,
    spi_t,
    target_variances,
    task_variances,
    why,
)
from ..scheduler.schedule import Schedule

MILESTONE_ROWS = 10  # the milestones that moved most; the JSON has every task


def _when(plan, slot) -> str:
    return "-" if slot is None else plan.slot_to_datetime(slot).format("YYYY-MM-DD HH:mm")


def _days(plan, slots) -> str:
    """A variance: hours up to two days, days beyond, signed (+ is later than committed)."""
    if slots is None:
        return "-"
    hours = slots * plan.slot_minutes / 60
    return f"{hours:+g} h" if abs(hours) < 48 else f"{hours / 24:+.1f} d"


def baseline_text(doc: dict, schedule: Schedule, crews=frozenset(), progress=None,
                  plan_text: str | None = None) -> str:
    """Targets and milestones against the baseline, the tasks slipping most, and SPI(t)."""
    plan = schedule.plan
    base = baseline_slots(doc, schedule)
    rows = [(t.label, _when(plan, t.baseline), _when(plan, t.forecast), _days(plan, t.slip))
            for t in target_variances(doc, schedule)]
    variances = task_variances(base, schedule)
    moved = sorted((v for v in variances if plan.tasks[v.id].is_milestone and v.finish_variance),
                   key=lambda v: (-abs(v.finish_variance), v.id))
    rows += [(f"milestone {v.id}", _when(plan, v.baseline_finish), _when(plan, v.finish),
              _days(plan, v.finish_variance)) for v in moved[:MILESTONE_ROWS]]
    if len(moved) > MILESTONE_ROWS:
        rows.append((f"... {len(moved) - MILESTONE_ROWS:,} more milestones moved", "", "", ""))
    parts = ["Against the baseline\n" + tabulate(rows, headers=["", "baseline", "forecast",
                                                               "variance"],
                                                disable_numparse=True)]
    late = slipping(variances)
    if late:
        parts.append("Slipping (finish later than the baseline)\n" + tabulate(
            [(v.id, _when(plan, v.baseline_finish), _when(plan, v.finish),
              _days(plan, v.finish_variance)) for v in late],
            headers=["task", "baseline finish", "forecast finish", "variance"],
            disable_numparse=True))
    for t in target_variances(doc, schedule):
        if t.slip and t.slip > 0 and t.forecast is not None:
            chain = why(schedule, base, t.id, set(crews), progress, plan_text)
            parts.append(f"Why '{t.label}' slipped {_days(plan, t.slip)}\n" + tabulate(
                [(task, _days(plan, slip), cause) for task, slip, cause in chain[-12:]],
                headers=["task", "variance", "what changed"], disable_numparse=True))
    index = spi_t(base, schedule)
    if index is not None:
        parts.append(f"SPI(t), earned schedule in tasks finished: {index:.2f}")
    return "\n\n".join(parts) + "\n"


def annotate(doc: dict, baseline: dict, schedule: Schedule) -> dict:
    """The JSON schedule with each task's baseline dates and variance (slots)."""
    base = baseline_slots(baseline, schedule)
    by_id = {v.id: v for v in task_variances(base, schedule)}
    for t in doc.get("tasks", []):
        v: Variance | None = by_id.get(t["id"])
        t["baseline_start_slot"] = v.baseline_start if v else None
        t["baseline_finish_slot"] = v.baseline_finish if v else None
        t["start_variance_slots"] = v.start_variance if v else None
        t["finish_variance_slots"] = v.finish_variance if v else None
    return doc


def annotate_doc(doc: dict, baseline: dict) -> dict:
    """`annotate` for `rackplan export`, from the two documents alone; ExportError if they are
    not on the same time axis."""
    from .atomic import ExportError

    for key in ("start", "slot_minutes"):
        if doc.get(key) != baseline.get(key):
            raise ExportError(f"--baseline: its {key} is {baseline.get(key)}, the schedule's "
                              f"{doc.get(key)}; use a baseline of the same plan")
    base = {t["id"]: (t["start_slot"], t["finish_slot"]) for t in baseline.get("tasks", [])}
    for t in doc.get("tasks", []):
        b = base.get(t["id"])
        t["baseline_start_slot"] = b[0] if b else None
        t["baseline_finish_slot"] = b[1] if b else None
        t["start_variance_slots"] = t["start_slot"] - b[0] if b else None
        t["finish_variance_slots"] = t["finish_slot"] - b[1] if b else None
    return doc
