"""`rackplan check`: can the plan still meet its hard targets, and if not, why.

Outcomes: meets (every hard target met by a verified schedule), misses (a hard target cannot be
met: by how much, the chain that drives it, the bottleneck crew and what one more unit of it
buys), infeasible (no schedule at all: a minimal set of conflicting plan statements), unknown
(neither a schedule meeting the targets nor a proof that none exists within the time limit).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from .cpsat import SolveOptions, solve
from .cpsat.conflict import find_conflict
from .explain import ChainStep, critical_chain
from .heuristic import earliest_finishes
from .lint import Lint, lint
from .plan import Plan, Resource, Target
from .schedule import Schedule, ScheduledTask, SolveStatus, counted, forecast

MISS_PENALTY = 1000  # per slot late: a hard target's lateness outweighs any finish gain


@dataclass(frozen=True)
class Verdict:
    target: Target
    forecast: int | None  # None: not reached by the schedule (or no schedule)
    proven: bool  # the miss is proven (no schedule meets the hard targets)

    @property
    def met(self) -> bool:
        return self.forecast is not None and self.forecast <= self.target.due


@dataclass(frozen=True)
class Miss:
    target: Target
    late: int  # slots after the due date
    chain: list[ChainStep]
    bottleneck: str | None
    plus_one: int | None  # forecast with one more unit of the bottleneck
    # When the target cannot be met whatever the crews do: the earliest it can be reached with
    # unlimited crews and storage, and the release (a delivery, a not_before) that decides it.
    earliest: int | None = None
    cause: str | None = None
    cause_at: int | None = None  # when that release is


@dataclass
class CheckReport:
    plan: Plan
    outcome: str  # meets | misses | infeasible | unknown
    schedule: Schedule | None
    verdicts: list[Verdict] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)
    conflict: list[str] = field(default_factory=list)  # statement keys
    conflict_minimal: bool = False
    lints: list[Lint] = field(default_factory=list)
    interrupted: bool = False  # stopped by Ctrl-C: the outcome is what was decided by then

    def exit_code(self, strict: bool = False) -> int:
        if self.interrupted and self.outcome == "unknown":
            return 130
        if self.outcome in ("misses", "infeasible"):
            return 1
        if self.outcome == "unknown":
            return 3
        return 1 if strict and self.lints else 0


def check(plan: Plan, time_limit: float = 60.0, workers: int = 2, seed: int = 0,
          progress=None, phase=None, lint_plan: Plan | None = None) -> CheckReport:
    """The verdict on every target within `time_limit` seconds in all, explanations included
    (each step gets a share of what is left; a step with no time left is cut short and the
    report says what it could not prove). `phase(text)` is told what each step does.

    Ctrl-C (KeyboardInterrupt) stops it: the report then holds what was decided so far, with
    `interrupted` set."""
    deadline = time.monotonic() + time_limit
    left = lambda share: max(0.05, (deadline - time.monotonic()) * share)  # noqa: E731
    say = phase or (lambda text: None)
    # Lint the plan as written (a re-forecast's remaining plan has the past taken out).
    report = CheckReport(plan, "unknown", None, _verdicts(plan, None, False),
                         lints=lint(lint_plan or plan))
    try:
        _decide(report, left, workers, seed, progress, say)
    except KeyboardInterrupt:
        report.interrupted = True
    return report


def _decide(report, left, workers, seed, progress, say) -> None:
    """Fill `report` step by step, so an interruption keeps every step already done."""
    plan = report.plan
    hard = [t for t in plan.targets.values() if t.hard]
    say("looking for a schedule that meets every hard target")
    strict = solve(plan, SolveOptions(left(0.4), workers, seed, first_solution=True), progress)
    if strict.status.has_schedule:
        report.outcome, report.schedule = "meets", strict
        report.verdicts = _verdicts(plan, strict, False)
        return
    _stopped(strict)
    say("none yet: scheduling with the hard targets as penalties, to see how late they are")
    relaxed_plan = _relaxed(plan)
    relaxed = solve(relaxed_plan, SolveOptions(left(0.5), workers, seed), progress)
    _stopped(relaxed)
    proven = strict.status == SolveStatus.INFEASIBLE
    if relaxed.status == SolveStatus.INFEASIBLE or (proven and not relaxed.status.has_schedule
                                                     and not hard):
        report.outcome, report.verdicts = "infeasible", _verdicts(plan, None, True)
        _explain_conflict(report, left, seed, say)
        return
    if not relaxed.status.has_schedule:
        return
    relaxed.plan = plan
    report.schedule, report.verdicts = relaxed, _verdicts(plan, relaxed, proven)
    if all(v.met for v in report.verdicts if v.target.hard):
        # The relaxed search found a schedule that meets every hard target after all.
        report.outcome = "meets"
        return
    if not proven:
        return
    report.outcome = "misses"
    for v in report.verdicts:
        if v.target.hard and not v.met:
            say(f"explaining why '{v.target.label}' is missed")
            try:
                report.misses.append(_miss(relaxed_plan, relaxed, v, left(0.5), workers, seed))
            except _Cut as cut:
                report.misses.append(cut.miss)
                raise
    _explain_conflict(report, left, seed, say)


def _stopped(result: Schedule) -> None:
    """A solve cut short by Ctrl-C ends the check where it is."""
    if result.interrupted:
        raise KeyboardInterrupt


def _explain_conflict(report, left, seed, say) -> None:
    say("finding the plan statements that conflict")
    # The conflict found without search stands if the search is cut short.
    report.conflict = _static_conflict(report.plan)
    report.conflict, report.conflict_minimal = find_conflict(report.plan, left(0.9), seed,
                                                             report.conflict)


def release_floor(plan: Plan, target: Target, cals=None) -> tuple[int | None, str | None,
                                                                   int | None]:
    """(earliest reach, release statement, its slot): when the target can be reached at the
    earliest with unlimited crews and storage, and the delivery or not_before date at the
    head of the chain that decides it (None where a chain of work alone decides it).

    Pure arithmetic over releases, links and calendars, so the cause it names is the same on
    every run, however busy the machine."""
    from .calendar import Calendars, lag_end
    from .plan import release_statement

    cals = cals or Calendars(plan)
    start, finish = earliest_finishes(plan, cals)
    light = {tid: ScheduledTask(tid, start[tid], finish[tid], 0, ()) for tid in plan.tasks}
    reach = forecast(plan, light, target)
    if reach is None:
        return None, None, None
    tid = reaching_task(Schedule(plan, SolveStatus.FEASIBLE, light), target)
    seen: set[str] = set()
    while tid is not None and tid not in seen:
        seen.add(tid)
        task = plan.tasks[tid]
        best, pred = task.release, None
        for link in task.links:
            there = (finish[link.pred] if link.type in ("FS", "FF") else start[link.pred])
            if link.type in ("FS", "SS") and lag_end(cals, link, there) > best:
                best, pred = lag_end(cals, link, there), link.pred
        if pred is None:
            if task.release > 0:
                return reach, release_statement(task), task.release
            return reach, None, None
        tid = pred
    return reach, None, None


def _static_conflict(plan: Plan) -> list[str]:
    """Hard targets that releases alone rule out, with those releases: a conflict found
    without search, for CP-SAT to confirm and minimise (and the answer if it runs out of
    time)."""
    out: list[str] = []
    for target in plan.targets.values():
        if target.hard:
            reach, cause, _ = release_floor(plan, target)
            if reach is not None and reach > target.due and cause:
                out += [f"targets.{target.id}", cause]
    return list(dict.fromkeys(out))


def _relaxed(plan: Plan) -> Plan:
    """The plan with its hard targets turned into heavily penalised soft ones."""
    targets = {tid: replace(t, hard=False, penalty=MISS_PENALTY) if t.hard else t
               for tid, t in plan.targets.items()}
    return replace(plan, targets=targets)


def _verdicts(plan, schedule, proven) -> list[Verdict]:
    return [Verdict(t, schedule.forecast(t) if schedule else None, proven)
            for t in plan.targets.values()]


def _miss(relaxed_plan, schedule, verdict, budget, workers, seed) -> Miss:
    target = verdict.target
    end = reaching_task(schedule, target)
    chain = critical_chain(schedule, end_task=end)
    late = (verdict.forecast - target.due) if verdict.forecast is not None else 0
    earliest, cause, cause_at = release_floor(relaxed_plan, target)
    if earliest is not None and earliest > target.due:
        # No crew can help: the releases and the work after them end past the due date.
        return Miss(target, late, chain, None, None, earliest, cause, cause_at)
    waits: dict[str, int] = {}
    for step in chain:
        if step.reason.startswith("waits for ") and " (busy with " in step.reason:
            crew = step.reason.removeprefix("waits for ").split(" (busy with ")[0]
            waits[crew] = waits.get(crew, 0) + 1
    bottleneck = max(waits, key=waits.get) if waits else None
    plus_one = None
    if bottleneck is not None:
        more = _plus_one(relaxed_plan, bottleneck)
        again = solve(more, SolveOptions(budget, workers, seed))
        if again.status.has_schedule and not again.interrupted:
            plus_one = forecast(more, again.tasks, more.targets[target.id])
        if again.interrupted:
            raise _Cut(Miss(target, late, chain, bottleneck, None, earliest))
    return Miss(target, late, chain, bottleneck, plus_one, earliest)


class _Cut(KeyboardInterrupt):
    """Ctrl-C during the plus-one solve: the miss as far as it was explained."""

    def __init__(self, miss: Miss):
        super().__init__()
        self.miss = miss


def _plus_one(plan: Plan, rid: str) -> Plan:
    res = plan.resources[rid]
    bumped = Resource(res.id, res.calendar, tuple((s, c + 1) for s, c in res.steps), res.trade)
    return replace(plan, resources={**plan.resources, rid: bumped})


def reaching_task(schedule: Schedule, target: Target) -> str | None:
    """The task whose finish decides the target's forecast."""
    plan, tasks = schedule.plan, schedule.tasks
    spec = counted(plan, target)
    if spec is not None:
        weights, need = spec
        done = 0
        for _, tid in sorted((tasks[t].finish, t) for t in weights):
            done += weights[tid]
            if done >= need:
                return tid
        return None
    ids = target.tasks or tasks.keys()
    return max(ids, key=lambda t: (tasks[t].finish, tasks[t].start), default=None)


__all__ = ["CheckReport", "Miss", "Verdict", "check", "describe"]


def describe(plan: Plan, key: str) -> str:
    """A conflict-set statement in the plan's own terms."""
    when = lambda slot: plan.slot_to_datetime(slot).format("YYYY-MM-DD HH:mm")  # noqa: E731
    hours = plan.slot_minutes / 60
    head, _, rest = key.partition(".")
    if head == "targets" and rest in plan.targets:
        t = plan.targets[rest]
        if t.gpus:
            what = f"{t.gpus:,} GPUs online" + (f" in {t.within}" if t.within else "")
        elif t.count:
            what = f"{t.count:,} of {len(t.tasks) or len(plan.tasks):,} task(s) finished"
        else:
            what = ("everything finished" if not t.tasks
                    else f"{len(t.tasks):,} task(s) finished")
        return f"hard target '{t.label}': {what} by {when(t.due)}"
    if head == "resources" and rest in plan.resources:
        steps = plan.resources[rest].steps
        ramp = ", ".join(f"{c} from {when(s)}" for s, c in steps[1:])
        return f"capacity {steps[0][1]}" + (f" ({ramp})" if ramp else "")
    if head == "budgets" and rest in plan.budgets:
        b = plan.budgets[rest]
        cheapest = sum(min(m.spends.get(rest, 0) for m in t.modes) for t in plan.tasks.values())
        return (f"total {b.total:,}{' ' + b.unit if b.unit else ''}; the cheapest modes alone "
                f"spend {cheapest:,}")
    if head == "storage" and rest in plan.storages:
        steps = plan.storages[rest].steps
        ramp = ", ".join(f"{c} from {when(s)}" for s, c in steps[1:])
        return f"holds at most {steps[0][1]}" + (f" ({ramp})" if ramp else "")
    if head == "calendars" and rest in plan.calendars:
        cal = plan.calendars[rest]
        names = "mon tue wed thu fri sat sun".split()
        clock = lambda shifts: ", ".join(  # noqa: E731
            f"{a // 60:02d}:{a % 60:02d}-{b // 60 % 24:02d}:{b % 60:02d}" for a, b in shifts)
        own = dict(cal.day_shifts)
        days = ",".join(names[d] for d in sorted(cal.weekdays) if d not in own)
        parts = [f"{days} {clock(cal.shifts)}"] if days else []
        parts += [f"{names[d]} {clock(s)}" for d, s in cal.day_shifts if s]
        off = f", {len(cal.holidays)} holiday(s) off" if cal.holidays else ""
        return f"tasks on it work only {'; '.join(parts)}{off}"
    from .plan import release_statement

    released = [t for t in plan.tasks.values() if t.release and release_statement(t) == key]
    if released:
        lo, hi = min(t.release for t in released), max(t.release for t in released)
        if key.endswith(".not_before"):
            return f"not before {when(hi)}"
        units = "1 unit" if len(released) == 1 else f"{len(released):,} units"
        return f"{units} arriving {when(lo)} to {when(hi)}"
    if key.endswith(".after"):
        lags = [lk.max_lag for t in plan.tasks.values() if f"{t.source}.after" == key
                for lk in t.links if lk.max_lag is not None]
        return f"must start within {min(lags) * hours:g} h of its predecessor"
    return key
