"""A minimal set of plan statements that cannot all hold, found with CP-SAT assumptions.

Every droppable statement (hard targets, deliveries, not_before dates, capacities, storage
limits, calendars, maximum lags) guards its constraints with a literal. Solving under all of
them as assumptions gives a sufficient subset when infeasible; deletion then drops each member
whose removal keeps the rest infeasible, so every member left is needed (dropping any one of
them makes the rest feasible) — as far as each bounded re-solve could prove.
"""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from ..calendar import Calendars
from ..heuristic import list_schedule
from ..plan import Plan
from .model import RackplanModel


def find_conflict(plan: Plan, time_limit: float, seed: int = 0) -> tuple[list[str], bool]:
    """(statement keys, proven minimal). Empty when no conflict could be shown in time."""
    deadline = time.monotonic() + time_limit
    cals = Calendars(plan)
    built = RackplanModel(plan, cals, _horizon(plan, cals), 0, relax=True).build()
    built.model.clear_objective()
    keys = sorted(built.statements)
    lits = [built.statements[k] for k in keys]
    status, core = _solve(built.model, lits, deadline - time.monotonic(), seed)
    if status != cp_model.INFEASIBLE:
        return [], False
    members = [keys[i] for i, lit in enumerate(lits) if lit.index in core] or keys
    minimal = True
    for key in list(members):
        if len(members) == 1:
            break
        trial = [k for k in members if k != key]
        budget = (deadline - time.monotonic()) / max(1, len(members))
        status, core = _solve(built.model, [built.statements[k] for k in trial], budget, seed)
        if status == cp_model.INFEASIBLE:
            members = [k for k in trial if built.statements[k].index in core] or trial
        elif status != cp_model.FEASIBLE and status != cp_model.OPTIMAL:
            minimal = False  # could not tell in time: keep it, and say so
    return members, minimal


def holds(plan: Plan, keys: list[str], time_limit: float = 10.0) -> str:
    """Solve status name with only `keys` of the plan's droppable statements enforced (tests
    use it to show a conflict set is minimal)."""
    cals = Calendars(plan)
    built = RackplanModel(plan, cals, _horizon(plan, cals), 0, relax=True).build()
    built.model.clear_objective()
    status, _ = _solve(built.model, [built.statements[k] for k in keys], time_limit, 0)
    return {cp_model.OPTIMAL: "feasible", cp_model.FEASIBLE: "feasible",
            cp_model.INFEASIBLE: "infeasible"}.get(status, "unknown")


def _solve(model: cp_model.CpModel, assumptions, time_limit: float, seed: int):
    model.clear_assumptions()
    model.add_assumptions(assumptions)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.2, time_limit)
    solver.parameters.num_workers = 1  # cores come from the single-thread search
    solver.parameters.random_seed = seed
    solver.parameters.catch_sigint_signal = False
    status = solver.solve(model)
    core = set()
    if status == cp_model.INFEASIBLE:
        core = set(solver.sufficient_assumptions_for_infeasibility())
    return status, core


def _horizon(plan: Plan, cals: Calendars) -> int:
    """Long enough for a schedule of the plan without its targets, and past every due date."""
    seed = list_schedule(plan, cals)
    dues = [t.due for t in plan.targets.values()]
    if seed is not None:
        return max([max(st.finish for st in seed.values()), 1] + dues)
    total = max((t.release for t in plan.tasks.values()), default=0)
    for task in plan.tasks.values():
        longest = max(m.duration for m in task.modes)
        cal = cals.get(task.calendar)
        total += (cal.finish(cal.next_working(0), longest) if longest else 0)
        total += sum(lk.lag for lk in task.links)
    return max([total, 1] + dues)
