"""What a schedule costs: crews paid for their working hours from the start to the finish (they
stay on site for the job), the modes' spending at each budget's unit cost, and fixed delivery
costs. In cents, so the CP-SAT objective stays integral."""

from __future__ import annotations

from .calendar import Calendars, day_windows
from .plan import Plan


def has_costs(plan: Plan) -> bool:
    return (any(r.cost_per_hour or r.cost_per_day for r in plan.resources.values())
            or bool(plan.expedites)
            or any(b.cost_per_unit for b in plan.budgets.values()) or bool(plan.fixed_costs))


def crew_cents(plan: Plan, cals: Calendars, rid: str, finish: int) -> int:
    """A crew's pay up to `finish`: each unit of capacity paid `cost_per_hour` for every working
    hour of its calendar and `cost_per_day` for every day it works, before the finish."""
    return crew_table(plan, cals, rid, finish)[finish]


def crew_table(plan: Plan, cals: Calendars, rid: str, horizon: int) -> list[int]:
    """crew_cents for every finish 0..horizon, as running sums (never decreasing)."""
    res = plan.resources[rid]
    if not res.cost_per_hour and not res.cost_per_day:
        return [0] * (horizon + 1)
    cal = cals.get(res.calendar)
    per_slot = res.cost_per_hour * plan.slot_minutes / 60
    first_of_day = {lo + _first_working(cal, lo, hi) for lo, hi in day_windows(plan, horizon)
                    if cal.working_in(lo, hi)} if res.cost_per_day else set()
    out, total = [0], 0.0
    for slot in range(horizon):
        if cal.is_working(slot):
            cap = res.capacity_at(slot)
            total += cap * per_slot
            if slot in first_of_day:
                total += cap * res.cost_per_day
        out.append(round(100 * total))
    return out


def _first_working(cal, lo: int, hi: int) -> int:
    return next(t for t in range(lo, hi) if cal.is_working(t)) - lo


def spend_cents(plan: Plan, tid: str, mode: int) -> int:
    """What a task's mode spends, at each budget's unit cost."""
    spends = plan.tasks[tid].modes[mode].spends
    return round(100 * sum(q * plan.budgets[b].cost_per_unit for b, q in spends.items()))


def breakdown(plan: Plan, tasks: dict, cals: Calendars | None = None,
              expedited=frozenset()) -> dict[str, int]:
    """{crews, spending, deliveries, expedites, total} in cents for a schedule {task:
    ScheduledTask} with the deliveries `expedited`."""
    cals = cals or Calendars(plan)
    finish = max((t.finish for t in tasks.values()), default=0)
    crews = sum(crew_cents(plan, cals, rid, finish) for rid in plan.resources)
    spending = sum(spend_cents(plan, tid, st.mode) for tid, st in tasks.items())
    fixed = round(100 * sum(plan.fixed_costs.values()))
    rush = round(100 * sum(plan.expedites[d][1] for d in expedited))
    return {"crews": crews, "spending": spending, "deliveries": fixed, "expedites": rush,
            "total": crews + spending + fixed + rush}


def expedite_cents(plan: Plan, did: str) -> int:
    return round(100 * plan.expedites[did][1])


def least_cents(plan: Plan, cals: Calendars, finish_bound: int) -> int:
    """No schedule costs less: crews paid up to the earliest possible finish, each task in its
    cheapest mode, and the fixed costs."""
    crews = sum(crew_cents(plan, cals, rid, finish_bound) for rid in plan.resources)
    spending = sum(min(spend_cents(plan, tid, m) for m in range(len(t.modes)))
                   for tid, t in plan.tasks.items())
    return crews + spending + round(100 * sum(plan.fixed_costs.values()))
