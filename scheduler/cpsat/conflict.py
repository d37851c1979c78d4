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


def find_conflict(plan: Plan, time_limit: float, seed: int = 0,
                  candidate=()) -> tuple[list[str], bool]:
    """(statement keys, proven minimal). `candidate` is a conflict known without search (hard
    dates the deliveries alone rule out): tried first, and returned, not proven minimal, when
    the search cannot confirm or shrink it in time. Empty when no conflict could be shown."""
    deadline = time.monotonic() + time_limit
    fallback = (sorted(candidate), False)
    cals = Calendars(plan)
    built = RackplanModel(plan, cals, _horizon(plan, cals, time_limit / 4), 0,
                          relax=True).build()
    built.model.clear_objective()
    stmt = built.statements
    members = None
    known = [k for k in candidate if k in stmt]
    if known:
        status, core = _solve(built.model, [stmt[k] for k in known],
                              (deadline - time.monotonic()) / 2, seed)
        if status == cp_model.INFEASIBLE:
            members = [k for k in known if stmt[k].index in core] or known
    if members is None:
        keys = sorted(stmt)
        status, core = _solve(built.model, [stmt[k] for k in keys],
                              deadline - time.monotonic(), seed)
        if status != cp_model.INFEASIBLE:
            return fallback
        members = [k for k in keys if stmt[k].index in core] or keys
    minimal = True
    overhead = 0.0  # wall time a solve takes beyond its limit (presolve, copying the model)
    for key in list(members):
        if len(members) == 1:
            break
        if time.monotonic() + overhead + 0.05 >= deadline:
            return sorted(members), False  # no time to try dropping the rest: say so
        trial = [k for k in members if k != key]
        budget = (deadline - time.monotonic() - overhead) / max(1, len(members))
        began = time.monotonic()
        status, core = _solve(built.model, [stmt[k] for k in trial], budget, seed)
        overhead = max(overhead, time.monotonic() - began - max(0.05, budget))
        if status == cp_model.INFEASIBLE:
            members = [k for k in trial if stmt[k].index in core] or trial
        elif status != cp_model.FEASIBLE and status != cp_model.OPTIMAL:
            minimal = False  # could not tell in time: keep it, and say so
    return sorted(members), minimal


def holds(plan: Plan, keys: list[str], time_limit: float = 10.0) -> str:
    """Solve status name with only `keys` of the plan's droppable statements enforced (tests
    use it to show a conflict set is minimal)."""
    cals = Calendars(plan)
    built = RackplanModel(plan, cals, _horizon(plan, cals, time_limit / 4), 0,
                          relax=True).build()
    built.model.clear_objective()
    status, _ = _solve(built.model, [built.statements[k] for k in keys], time_limit, 0)
    return {cp_model.OPTIMAL: "feasible", cp_model.FEASIBLE: "feasible",
            cp_model.INFEASIBLE: "infeasible"}.get(status, "unknown")


def _solve(model: cp_model.CpModel, assumptions, time_limit: float, seed: int):
    model.clear_assumptions()
    model.add_assumptions(assumptions)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    solver.parameters.num_workers = 1  # cores come from the single-thread search
    solver.parameters.random_seed = seed
    solver.parameters.catch_sigint_signal = False
    # Probing in presolve ignored the time limit: a 2,000-task plan's 2.5 s solve took 5 s.
    solver.parameters.cp_model_probing_level = 0
    status = solver.solve(model)
    core = set()
    if status == cp_model.INFEASIBLE:
        core = set(solver.sufficient_assumptions_for_infeasibility())
    return status, core


def _horizon(plan: Plan, cals: Calendars, time_budget: float) -> int:
    """Long enough for a schedule of the plan without its targets, and past every due date."""
    seed = list_schedule(plan, cals, time_budget=max(0.05, time_budget))
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
