"""`rackplan compare`: the base plan and its scenarios solved side by side, as plain data (the
CLI prints it, exports/compare.py formats it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .cost import breakdown, has_costs
from .explain import peaks
from .plan import Plan
from .schedule import Schedule


@dataclass
class Outcome:
    """One scenario's answer: what a PM compares."""

    name: str
    plan: Plan
    schedule: Schedule
    finish: int | None = None  # slot
    forecasts: dict[str, int | None] = field(default_factory=dict)  # target id -> slot
    peaks: dict[str, int] = field(default_factory=dict)  # crew -> most units busy at once
    cost: int | None = None  # cents, where the plan has prices
    gpus_at: dict[str, int] = field(default_factory=dict)  # target id -> GPUs online by its date


def outcome(name: str, schedule: Schedule) -> Outcome:
    plan = schedule.plan
    out = Outcome(name, plan, schedule)
    if not schedule.status.has_schedule:
        return out
    out.finish = schedule.makespan
    out.forecasts = {t: schedule.forecast(target) for t, target in plan.targets.items()}
    out.peaks = {p.resource: p.peak for p in peaks(schedule)}
    if has_costs(plan):
        out.cost = breakdown(plan, schedule.tasks, expedited=schedule.expedited)["total"]
    online = [(st.finish, plan.tasks[tid].gpus) for tid, st in schedule.tasks.items()
              if plan.tasks[tid].gpus]
    for tid, target in plan.targets.items():
        out.gpus_at[tid] = sum(g for slot, g in online if slot <= target.due)
    return out


__all__ = ["Outcome", "outcome"]
