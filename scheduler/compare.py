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
    """One scenario's answer: what a PM compares (plain data; the plan is attached by the
    caller, so a worker's answer travels without it)."""

    name: str
    plan: Plan | None
    status: str
    finish: int | None = None  # slot
    forecasts: dict[str, int | None] = field(default_factory=dict)  # target id -> slot
    peaks: dict[str, int] = field(default_factory=dict)  # crew -> most units busy at once
    cost: int | None = None  # cents, where the plan has prices
    gpus_at: dict[str, int] = field(default_factory=dict)  # target id -> GPUs online by its date


def outcome(name: str, schedule: Schedule) -> Outcome:
    plan = schedule.plan
    out = Outcome(name, plan, schedule.status.value)
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


def solve_scenario(job: dict) -> Outcome:
    """A work item of `rackplan compare` (runs in a worker): one scenario solved, its outcome
    without the plan."""
    from .cpsat import SolveOptions, solve

    plan = job["source"].load()
    result = outcome(job["name"], solve(plan, SolveOptions(job["time_limit"], job["threads"],
                                                           job["seed"])))
    result.plan = None
    return result


def compare(sources: list[tuple[str, object]], time_limit: float, workers: int, seed: int,
            cluster: str | None = None) -> list[Outcome]:
    """Each (name, Source) solved, side by side: in parallel on the executor (local processes,
    or a Dask cluster), each given its share of the time and of the CP-SAT workers."""
    from . import executor

    pool = len(sources) if cluster else min(len(sources), executor.default_workers())
    rounds = -(-len(sources) // pool)
    jobs = [{"name": name, "source": src, "time_limit": max(0.5, time_limit / rounds),
             "threads": max(1, workers // pool), "seed": seed} for name, src in sources]
    return executor.run(solve_scenario, jobs, workers=pool, cluster=cluster)


__all__ = ["Outcome", "compare", "outcome", "solve_scenario"]
