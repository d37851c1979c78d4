"""A solved schedule: per-task start/finish/mode/segments in slots, its status, objective and bound."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from .calendar import Calendars
from .plan import Plan, Target


class SolveStatus(str, Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"  # no schedule found in time, and no proof that none exists

    @property
    def has_schedule(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class ScheduledTask:
    id: str
    start: int
    finish: int
    mode: int
    segments: tuple[tuple[int, int], ...]  # [from, to) spans of actual work


@dataclass
class Schedule:
    plan: Plan
    status: SolveStatus
    tasks: dict[str, ScheduledTask] = field(default_factory=dict)
    objective: int | None = None
    bound: int | None = None  # proven lower bound on the objective
    makespan_bound: int | None = None  # proven lower bound on the finish (slots)
    source: str = ""  # "cp-sat" or "heuristic"
    wall_time: float = 0.0
    first_solution_time: float | None = None
    gpu_until: int | None = None
    interrupted: bool = False  # the search was stopped by Ctrl-C
    expedited: frozenset[str] = frozenset()  # deliveries paid to arrive sooner
    # A re-forecast (scheduler/progress.py): the status date and each task's progress then.
    status_date: int | None = None
    progress: dict[str, str] = field(default_factory=dict)  # task -> finished | in progress

    @property
    def makespan(self) -> int:
        return max((t.finish for t in self.tasks.values()), default=0)

    @property
    def gap(self) -> float | None:
        """Relative gap between the objective and the proven bound (0.0 when optimal)."""
        if self.objective is None or self.bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / abs(self.objective))

    def forecast(self, target: Target) -> int | None:
        return forecast(self.plan, self.tasks, target)


def make_task(plan: Plan, cals: Calendars, tid: str, start: int, mode: int) -> ScheduledTask:
    """Build a ScheduledTask from its start and mode: finish and segments follow from the calendar."""
    task = plan.tasks[tid]
    duration = task.modes[mode].duration
    if duration == 0:
        return ScheduledTask(tid, start, start, mode, ())
    segs = cals.get(task.calendar).segments(start, duration)
    return ScheduledTask(tid, segs[0][0], segs[-1][1], mode, tuple(segs))


def forecast(plan: Plan, tasks: dict[str, ScheduledTask], target: Target) -> int | None:
    """The slot at which a target is reached: finish of its tasks, when N of them have
    finished, or when N GPUs are online."""
    spec = counted(plan, target)
    if spec is not None:
        weights, need = spec
        return reached_at(((tasks[t].finish, w) for t, w in weights.items()), need)
    ids = target.tasks or tasks.keys()
    return max((tasks[t].finish for t in ids), default=0)


def counted(plan: Plan, target: Target) -> tuple[dict[str, int], int] | None:
    """For a target reached by enough finishes ({task: weight}, weight needed): GPU targets
    (GPUs per task, of the unit `within` if given) and count targets (1 per task); None for a
    target reached when all its tasks finish."""
    if target.gpus:
        ids = target.tasks or plan.tasks
        return {t: plan.tasks[t].gpus for t in ids if plan.tasks[t].gpus}, target.gpus
    if target.count:
        return dict.fromkeys(target.tasks or plan.tasks, 1), target.count
    return None


def reached_at(online: Iterable[tuple[int, int]], gpus: int) -> int | None:
    """The first slot by which `gpus` GPUs are online, from (slot, GPUs) pairs; None if never."""
    total = 0
    for slot, count in sorted(online):
        total += count
        if total >= gpus:
            return slot
    return None


def spent(plan: Plan, tasks: dict[str, ScheduledTask]) -> dict[str, int]:
    """What the chosen modes spend of each budget."""
    out = {bid: 0 for bid in plan.budgets}
    for st in tasks.values():
        for bid, q in plan.tasks[st.id].modes[st.mode].spends.items():
            out[bid] += q
    return out


def gpu_until(plan: Plan, fallback: int) -> int:
    """The horizon of the gpu-hours objective: `objective.until`, else the latest target date."""
    if plan.objective.until is not None:
        return plan.objective.until
    dues = [t.due for t in plan.targets.values()]
    return max(dues) if dues else fallback


def objective_value(plan: Plan, tasks: dict[str, ScheduledTask], until: int,
                    expedited=frozenset()) -> int:
    """The objective the CP-SAT model minimises, evaluated on any schedule (so results compare).

    finish:    makespan + sum(soft target penalty x slots late)
    gpu-hours: -(GPU-slots online before `until`) + sum(soft target penalty x slots late)
    cost:      cents (scheduler/cost.py) + sum(soft target penalty x 100 x slots late)
    """
    penalty = 0
    for target in plan.targets.values():
        if not target.hard:
            reached = forecast(plan, tasks, target)
            late = (reached if reached is not None else until) - target.due
            penalty += target.penalty * max(0, late)
    if plan.objective.kind == "gpu-hours":
        area = sum(plan.tasks[t].gpus * max(0, until - s.finish) for t, s in tasks.items())
        return penalty - area
    if plan.objective.kind == "cost":
        from .cost import breakdown

        return breakdown(plan, tasks, expedited=expedited)["total"] + 100 * penalty
    return max((t.finish for t in tasks.values()), default=0) + penalty
