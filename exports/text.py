"""The terminal report: status, targets, milestones, the critical chain and peak crew use."""

from __future__ import annotations

from collections import OrderedDict

from tabulate import tabulate

from ..scheduler.cost import breakdown, has_costs
from ..scheduler.explain import critical_chain, peaks
from ..scheduler.schedule import Schedule, spent

STATUS_TEXT = {
    "optimal": "optimal (proven)",
    "feasible": "feasible",
    "infeasible": "infeasible: no schedule satisfies the plan's hard constraints",
    "unknown": "no schedule found within the time limit",
}


def report(schedule: Schedule, chain_rows: int = 12) -> str:
    parts = [_summary(schedule)]
    if schedule.status.has_schedule:
        if schedule.plan.targets:
            parts.append(_targets(schedule))
        parts.append(_milestones(schedule))
        parts.append(_chain(schedule, chain_rows))
        parts.append(_peaks(schedule))
        parts.append(_budgets(schedule))
    return "\n\n".join(p for p in parts if p) + "\n"


def _days(plan, slots: int) -> float:
    return slots * plan.slot_minutes / 1440


def span(plan, slots: int) -> str:
    """A duration for people: hours up to two days, days beyond."""
    hours = abs(slots) * plan.slot_minutes / 60
    return f"{hours:g} h" if hours < 48 else f"{hours / 24:.1f} d"


def slack_text(plan, slots: int) -> str:
    return f"{span(plan, slots)} early" if slots >= 0 else f"{span(plan, slots)} late"


def _when(plan, slot: int) -> str:
    return plan.slot_to_datetime(slot).format("YYYY-MM-DD HH:mm")


def _summary(s: Schedule) -> str:
    plan = s.plan
    status = STATUS_TEXT[s.status.value]
    if s.status.value == "feasible" and s.gap is not None:
        status += f", within {100 * s.gap:.1f}% of the proven bound"
    if s.interrupted:
        status += " (search stopped by Ctrl-C)"
    rows = [("plan", plan.name), ("status", status)]
    rows.append(("start", _when(plan, 0) + f" ({plan.timezone})"))
    if s.status.has_schedule:
        rows.append(("finish", f"{_when(plan, s.makespan)}  (day {_days(plan, s.makespan):.1f})"))
        if s.makespan_bound is not None:
            rows.append(("finish lower bound", f"day {_days(plan, s.makespan_bound):.1f} "
                         "(critical path, crew workloads, flow line: no schedule ends sooner)"))
        if has_costs(plan):
            c = breakdown(plan, s.tasks, expedited=s.expedited)
            rush = f", expedites {c['expedites'] / 100:,.2f}" if c["expedites"] else ""
            rows.append(("cost", f"{c['total'] / 100:,.2f} (crews {c['crews'] / 100:,.2f}, "
                         f"spending {c['spending'] / 100:,.2f}, deliveries "
                         f"{c['deliveries'] / 100:,.2f}{rush})"))
        if s.expedited:
            rows.append(("expedited", ", ".join(f"deliveries.{d}" for d in sorted(s.expedited))))
        if plan.objective.kind == "gpu-hours" and s.objective is not None:
            hours = -s.objective * plan.slot_minutes / 60
            rows.append(("GPU-hours online", f"{hours:,.0f} before {_when(plan, s.gpu_until)}"))
        rows.append(("tasks", f"{len(plan.tasks):,}"))
    rows.append(("solve time", f"{s.wall_time:.1f} s" + (f" ({s.source})" if s.source else "")))
    return tabulate(rows, tablefmt="plain")


def _targets(s: Schedule) -> str:
    plan = s.plan
    rows = []
    for t in plan.targets.values():
        reached = s.forecast(t)
        if reached is None:
            rows.append((t.label, "hard" if t.hard else "soft", _when(plan, t.due), "never", "",
                         "MISSED"))
            continue
        rows.append((t.label, "hard" if t.hard else "soft", _when(plan, t.due),
                     _when(plan, reached), slack_text(plan, t.due - reached),
                     "met" if reached <= t.due else "MISSED"))
    return "Targets\n" + tabulate(rows, headers=["target", "kind", "due", "forecast", "slack",
                                                 ""])


def _milestones(s: Schedule) -> str:
    """Milestones grouped by the plan line that defines them (196 array acceptances = one row)."""
    plan = s.plan
    groups: OrderedDict[str, list[int]] = OrderedDict()
    for tid, task in plan.tasks.items():
        if task.is_milestone or task.gpus:
            groups.setdefault(task.source, []).append(s.tasks[tid].finish)
    if not groups:
        return ""
    rows = []
    for source, finishes in groups.items():
        label = source.removeprefix("tasks.").removeprefix("templates.")
        if len(finishes) == 1:
            rows.append((label, "", _when(plan, finishes[0]), ""))
        else:
            rows.append((label, len(finishes), _when(plan, min(finishes)),
                         _when(plan, max(finishes))))
    return "Milestones\n" + tabulate(rows, headers=["milestone", "count", "first", "last"])


def _chain(s: Schedule, max_rows: int) -> str:
    plan = s.plan
    rows = [(task, _when(plan, a), _when(plan, b), why) for task, a, b, why in
            _compress(critical_chain(s))]
    if len(rows) > max_rows:
        cut = len(rows) - max_rows + 1
        rows = rows[:2] + [("...", f"{cut} more rows", "", "")] + rows[2 + cut:]
    return ("Critical chain (what drives the finish)\n"
            + tabulate(rows, headers=["task", "start", "finish", "held back by"]))


def _compress(chain):
    """Runs of tasks that each wait for the same crew become one row: '248 tasks in a row'."""
    out = []
    i = 0
    while i < len(chain):
        step = chain[i]
        crew = _crew(step.reason)
        j = i
        while crew and j + 1 < len(chain) and _crew(chain[j + 1].reason) == crew:
            j += 1
        if j - i >= 2:
            out.append((f"{chain[i].task} ... {chain[j].task} ({j - i + 1} tasks)",
                        chain[i].start, chain[j].finish, f"one after another on {crew}"))
        else:
            out += [(c.task, c.start, c.finish, c.reason) for c in chain[i:j + 1]]
        i = j + 1
    return out


def _crew(reason: str) -> str | None:
    if reason.startswith("waits for ") and " (busy with " in reason:
        return reason.removeprefix("waits for ").split(" (busy with ")[0]
    return None


def _budgets(s: Schedule) -> str:
    if not s.plan.budgets:
        return ""
    used = spent(s.plan, s.tasks)
    rows = [(b.id, f"{used[b.id]:,}", f"{b.total:,}", f"{b.total - used[b.id]:,}", b.unit)
            for b in s.plan.budgets.values()]
    return "Budgets\n" + tabulate(rows, headers=["budget", "spent", "total", "left", "unit"],
                                  colalign=("left", "right", "right", "right", "left"))


def _peaks(s: Schedule) -> str:
    plan = s.plan
    rows = [(p.resource, p.peak, p.capacity, _when(plan, p.at) if p.peak else "",
             f"{100 * p.utilisation:.0f}%") for p in peaks(s)]
    return "Resources\n" + tabulate(rows, headers=["resource", "peak", "capacity", "peak at",
                                                   "busy"])
