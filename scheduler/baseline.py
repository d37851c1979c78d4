"""Baseline and variance: a committed schedule (any `--json` document) against the current
forecast. Pure data in, rows out; the CLI chooses what to print.

Variance is forecast minus baseline in slots (positive: later than committed), shown in days.
The earned-schedule index SPI(t) measures progress in the build-out's own unit, tasks finished:
ES is the time at which the baseline had as many tasks finished as have actually finished by the
status date, and SPI(t) = ES / (status date - start) — unlike the classic SPI it does not drift
back to 1.0 at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schedule import Schedule


@dataclass(frozen=True)
class Variance:
    id: str
    baseline_start: int
    baseline_finish: int
    start: int
    finish: int

    @property
    def start_variance(self) -> int:
        return self.start - self.baseline_start

    @property
    def finish_variance(self) -> int:
        return self.finish - self.baseline_finish


@dataclass(frozen=True)
class TargetVariance:
    id: str
    label: str
    baseline: int | None  # slot the baseline reached it
    forecast: int | None

    @property
    def slip(self) -> int | None:
        if self.baseline is None or self.forecast is None:
            return None
        return self.forecast - self.baseline


class BaselineError(ValueError):
    """The baseline does not fit the plan (another start or time step)."""


def baseline_slots(doc: dict, schedule: Schedule) -> dict[str, tuple[int, int]]:
    """{task: (start, finish)} of a baseline document on the schedule's time axis."""
    plan = schedule.plan
    if doc.get("slot_minutes") != plan.slot_minutes:
        raise BaselineError(f"the baseline's time step is {doc.get('slot_minutes')} min, the "
                            f"plan's {plan.slot_minutes} min; use a baseline of this plan")
    if doc.get("start") != plan.start.isoformat():
        raise BaselineError(f"the baseline starts {doc.get('start')}, the plan "
                            f"{plan.start.isoformat()}; use a baseline of this plan")
    return {t["id"]: (t["start_slot"], t["finish_slot"]) for t in doc.get("tasks", [])}


def task_variances(base: dict[str, tuple[int, int]], schedule: Schedule) -> list[Variance]:
    return [Variance(tid, base[tid][0], base[tid][1], st.start, st.finish)
            for tid, st in schedule.tasks.items() if tid in base]


def target_variances(doc: dict, schedule: Schedule) -> list[TargetVariance]:
    by_id = {t["id"]: t.get("forecast_slot") for t in doc.get("targets", [])}
    return [TargetVariance(tid, t.label, by_id.get(tid), schedule.forecast(t))
            for tid, t in schedule.plan.targets.items()]


def slipping(variances: list[Variance], most: int = 10) -> list[Variance]:
    """The tasks whose finish moved latest against the baseline, worst first."""
    late = [v for v in variances if v.finish_variance > 0]
    return sorted(late, key=lambda v: (-v.finish_variance, v.id))[:most]


def spi_t(base: dict[str, tuple[int, int]], schedule: Schedule) -> float | None:
    """Earned-schedule SPI(t) at the schedule's status date (None without one)."""
    now = schedule.status_date
    if not now:
        return None
    done = sum(1 for tid, mark in schedule.progress.items() if mark == "finished")
    planned = sorted(f for _, f in base.values())
    if done == 0:
        return 0.0
    earned = planned[min(done, len(planned)) - 1]  # the baseline had `done` finished by then
    return earned / now


def why(schedule: Schedule, base: dict[str, tuple[int, int]], target_id: str,
        crews: set[str] = frozenset(), progress=None, plan_text: str | None = None
        ) -> list[tuple[str, int, str]]:
    """For a target that slipped: the chain that now drives it, each link as (task, finish
    variance in slots, what changed since the baseline): a late actual, a later release (a
    delivery or a not_before), a crew other than planned, a task new to the plan, or only the
    knock-on of what came before — with where it was written when known: the progress file's
    row, the plan statement's file:line."""
    from .check import reaching_task
    from .explain import critical_chain
    from .load import locate
    from .plan import release_statement

    plan = schedule.plan

    def row(tid: str) -> str:
        actual = progress.tasks.get(tid) if progress is not None else None
        return f", {progress.file} row {actual.row}" if actual is not None else ""

    def line(tid: str) -> str:
        statement = release_statement(plan.tasks[tid])
        found = locate(plan_text, statement) if plan_text else None
        return f" ({plan.file}:{found}: {statement})" if found else ""

    def crew_row(reason: str) -> str:
        for rid, n in (progress.crew_rows.items() if progress is not None else ()):
            if f"waits for {rid} " in reason + " ":
                return f" ({progress.file} row {n})"
        return ""

    end = reaching_task(schedule, plan.targets[target_id])
    out = []
    for step in critical_chain(schedule, end_task=end):
        st = schedule.tasks[step.task]
        if step.task not in base:
            out.append((step.task, 0, "new in the plan since the baseline"))
            continue
        slip = st.finish - base[step.task][1]
        mark = schedule.progress.get(step.task)
        if mark == "finished" and slip > 0:
            cause = f"finished late (actual{row(step.task)})"
        elif mark == "in progress" and slip > 0:
            cause = f"in progress, behind (actual{row(step.task)})"
        elif step.reason.startswith("released") and st.start > base[step.task][0]:
            cause = f"{step.reason}, later than in the baseline{line(step.task)}"
        elif any(f"waits for {c} " in step.reason + " " for c in crews):
            cause = f"{step.reason}; that crew differs from the plan{crew_row(step.reason)}"
        elif slip > 0:
            cause = f"moved with what drives it ({step.reason})"
        else:
            cause = "as in the baseline"
        out.append((step.task, slip, cause))
    return out


def max_slip(targets: list[TargetVariance], milestones: list[Variance], limit: int,
             slot_minutes: int = 60) -> list[str]:
    """What slipped more than `limit` slots: targets and milestones, one line each."""
    hours = slot_minutes / 60
    out = [f"target {t.label}: {t.slip * hours:g} h later than the baseline" for t in targets
           if t.slip is not None and t.slip > limit]
    out += [f"milestone {v.id}: {v.finish_variance * hours:g} h later than the baseline"
            for v in milestones if v.finish_variance > limit]
    return out
