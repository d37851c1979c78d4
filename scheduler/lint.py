"""Schedule-quality warnings in the spirit of the DCMA 14-point assessment, for plan files."""

from __future__ import annotations

from dataclasses import dataclass

from .calendar import Calendars
from .plan import Plan

MAX_LAG_HOURS = 5 * 24  # DCMA: lags over 5 days hide logic
MAX_TASK_HOURS = 44 * 8  # DCMA: tasks over 44 working days (of 8 h) want breaking down

RULES = {
    "no-predecessor": "tasks with no predecessor and no release date (dangling start)",
    "no-successor": "tasks whose finish drives nothing (dangling finish)",
    "long-lag": f"lags longer than {MAX_LAG_HOURS} h",
    "long-task": f"tasks longer than {MAX_TASK_HOURS} h of work",
    "unused-resource": "resources no task uses",
    "no-working-time": "crews whose calendar gives them no working time before a deadline",
}


@dataclass(frozen=True)
class Lint:
    rule: str
    where: str  # plan field, e.g. templates.rack.cable
    message: str


def lint(plan: Plan) -> list[Lint]:
    out: list[Lint] = []
    out += _dangling(plan)
    out += _long_lags(plan)
    out += _long_tasks(plan)
    out += _unused(plan)
    out += _no_working_time(plan)
    return out


def _by_source(tasks) -> dict[str, list]:
    groups: dict[str, list] = {}
    for task in tasks:
        groups.setdefault(task.source, []).append(task)
    return groups


def _count(n: int) -> str:
    return "1 task" if n == 1 else f"{n:,} tasks"


def _verb(items, one: str, many: str) -> str:
    return one if len(items) == 1 else many


def _dangling(plan: Plan) -> list[Lint]:
    """Milestones may open or close a plan; tasks that bring GPUs online are ends by design."""
    has_succ = {lk.pred for t in plan.tasks.values() for lk in t.links}
    targeted = {tid for t in plan.targets.values() for tid in t.tasks}
    no_pred = [t for t in plan.tasks.values()
               if not t.links and not t.release_reason and not t.is_milestone]
    no_succ = [t for t in plan.tasks.values()
               if t.id not in has_succ and not t.is_milestone and not t.gpus
               and t.id not in targeted]
    out = [Lint("no-predecessor", src, f"{_count(len(ts))} {_verb(ts, 'has', 'have')} no "
                "predecessor and no release date, so nothing but the project start holds "
                f"{_verb(ts, 'it', 'them')}; link to what {_verb(ts, 'it waits', 'they wait')} "
                "for") for src, ts in _by_source(no_pred).items()]
    out += [Lint("no-successor", src, f"{_count(len(ts))} {_verb(ts, 'drives', 'drive')} "
                 f"nothing: no task waits for {_verb(ts, 'it', 'them')} and no target names "
                 f"{_verb(ts, 'it', 'them')}; link to what needs {_verb(ts, 'it', 'them')}")
            for src, ts in _by_source(no_succ).items()]
    return out


def _long_lags(plan: Plan) -> list[Lint]:
    hours = plan.slot_minutes / 60
    out, seen = [], set()
    for task in plan.tasks.values():
        for link in task.links:
            if link.lag * hours > MAX_LAG_HOURS and task.source not in seen:
                seen.add(task.source)
                out.append(Lint("long-lag", f"{task.source}.after", f"lag of "
                                f"{link.lag * hours:g} h after {link.pred}; model the wait as a "
                                "task or a delivery instead"))
    return out


def _long_tasks(plan: Plan) -> list[Lint]:
    hours = plan.slot_minutes / 60
    out = []
    for src, ts in _by_source(plan.tasks.values()).items():
        longest = max(m.duration for t in ts for m in t.modes) * hours
        if longest > MAX_TASK_HOURS:
            out.append(Lint("long-task", f"{src}.duration", f"{longest:g} h of work; break it "
                            "into steps a crew can report progress on"))
    return out


def _unused(plan: Plan) -> list[Lint]:
    used = {r for t in plan.tasks.values() for m in t.modes for r in m.demands}
    return [Lint("unused-resource", f"resources.{rid}", "no task uses it; remove it or assign "
                 "it") for rid in plan.resources if rid not in used]


def _no_working_time(plan: Plan) -> list[Lint]:
    cals = Calendars(plan)
    out = []
    for target in plan.targets.values():
        if not target.hard or target.due <= 0:
            continue
        tasks = [plan.tasks[t] for t in target.tasks] if target.tasks else plan.tasks.values()
        crews = {r for t in tasks for m in t.modes for r in m.demands}
        for rid in sorted(crews):
            cal_id = plan.resources[rid].calendar
            if cal_id and cals.get(cal_id).working_in(0, target.due) == 0:
                out.append(Lint("no-working-time", f"resources.{rid}.calendar",
                                f"calendar '{cal_id}' has no working time before target "
                                f"'{target.id}' is due; check its days, shifts and holidays"))
    return out
