"""Running the build-out, as one stage the commands call: progress in, the plan of the work
left, and after the solve the stable second stage and the merge with what happened.

The CLI only prints what these return; the pieces live in progress.py (actuals, the remaining
plan, merge), baseline.py (variance) and cpsat/stable.py (the second stage).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import VerificationError
from .plan import Plan
from .progress import Progress, check_actuals, merge, overtime, read_progress, remaining_plan
from .schedule import Schedule


@dataclass
class Reforecast:
    """A re-forecast in progress: the plan as written, what happened, the work left."""

    plan: Plan
    progress: Progress
    future: Plan
    warnings: list[str] = field(default_factory=list)

    @property
    def finished(self) -> int:
        return sum(1 for a in self.progress.tasks.values()
                   if a.finish is not None or not a.remaining)

    @property
    def in_progress(self) -> int:
        return len(self.progress.tasks) - self.finished


def begin(plan: Plan, path: str, as_of=None, override: bool = False,
          rows: list[dict] | None = None) -> Reforecast:
    """Read the progress (CSV, or `rows` from a workbook's Progress sheet) against the plan;
    PlanInvalid with every problem when it is wrong."""
    progress = read_progress(path, plan, as_of, rows)
    return Reforecast(plan, progress, remaining_plan(plan, progress, override),
                      overtime(plan, progress))


def stable(reforecast: Reforecast | None, future: Plan, result: Schedule, base: dict,
           seconds: float, workers: int, seed: int):
    """The second stage against a baseline {task: (start, finish)}: (schedule, Stability). Tasks
    already begun are not the stage's to move."""
    from .cpsat.stable import stabilise

    begun = set(reforecast.progress.tasks) if reforecast is not None else set()
    base = {tid: span for tid, span in base.items() if tid in future.tasks and tid not in begun}
    return stabilise(future, result, base, seconds, workers, seed)


def complete(reforecast: Reforecast, result: Schedule) -> Schedule:
    """The whole job: actual spans and the forecast together, the actuals checked to be
    reproduced exactly (VerificationError if not: a rackplan bug)."""
    whole = merge(reforecast.plan, reforecast.progress, result)
    problems = check_actuals(whole, reforecast.progress)
    if problems:
        raise VerificationError(problems)
    return whole


__all__ = ["Reforecast", "begin", "complete", "stable"]
