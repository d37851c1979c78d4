"""The full schedule as JSON: status, bounds, every task with its work segments, resources and
targets. Slots count from the project start; datetimes carry the plan's UTC offset."""

from __future__ import annotations

import json

from ..scheduler import __version__
from ..scheduler.calendar import Calendars, nonworking_days
from ..scheduler.cost import breakdown, has_costs
from ..scheduler.explain import critical_chain, drivers, total_float
from ..scheduler.schedule import Schedule, spent
from ..scheduler.units import fmt_minutes


def schedule_to_dict(schedule: Schedule) -> dict:
    plan = schedule.plan
    iso = lambda slot: plan.slot_to_datetime(slot).isoformat()  # noqa: E731
    has = schedule.status.has_schedule
    floats = total_float(schedule) if has else {}
    # The driving chain: what holds the finish, walked back from the last task.
    driving = {step.task for step in critical_chain(schedule)} if has else set()
    held = drivers(schedule) if has else {}
    horizon = max(schedule.makespan, max((t.due for t in plan.targets.values()), default=0), 1)
    return {
        "rackplan_version": __version__,
        "plan": plan.name,
        "plan_file": plan.file,
        "status": schedule.status.value,
        "interrupted": schedule.interrupted,
        "status_date": iso(schedule.status_date) if schedule.status_date is not None else None,
        "objective_kind": plan.objective.kind,
        "objective": schedule.objective,
        "bound": schedule.bound,
        "gap": schedule.gap,
        "finish_lower_bound_slots": schedule.makespan_bound,
        "source": schedule.source,
        "solve_seconds": round(schedule.wall_time, 3),
        "first_solution_seconds": (round(schedule.first_solution_time, 3)
                                   if schedule.first_solution_time is not None else None),
        "timezone": plan.timezone,
        "start": plan.start.isoformat(),
        "finish": iso(schedule.makespan) if has else None,
        "slot": fmt_minutes(plan.slot_minutes),
        "slot_minutes": plan.slot_minutes,
        "makespan_slots": schedule.makespan if has else None,
        "levels": list(plan.levels),
        "calendars": {cid: {"days": sorted(c.weekdays), "shifts": [list(x) for x in c.shifts],
                            "holidays": sorted(c.holidays),
                            "day_shifts": {str(d): [list(x) for x in s] for d, s in c.day_shifts}}
                      for cid, c in plan.calendars.items()},
        "nonworking_days": nonworking_days(plan, Calendars(plan), horizon),
        "tasks": [dict(_task(schedule, tid, iso, floats[tid]), driving=tid in driving,
                       held_by=held[tid]) for tid in plan.tasks] if has else [],
        "resources": [_resource(schedule, res) for res in plan.resources.values()],
        "budgets": _budgets(schedule),
        "cost": _cost(schedule) if has and has_costs(plan) else None,
        "expedited": sorted(schedule.expedited),
        "targets": [_target(schedule, t, iso) for t in plan.targets.values()],
    }


def _task(schedule, tid, iso, slack: int) -> dict:
    task, st = schedule.plan.tasks[tid], schedule.tasks[tid]
    demands = task.modes[st.mode].demands
    trades = [schedule.plan.resources[r].trade for r in demands]
    return {
        "id": tid,
        "name": task.name,
        "start": iso(st.start),
        "finish": iso(st.finish),
        "start_slot": st.start,
        "finish_slot": st.finish,
        "segments": [list(seg) for seg in st.segments],
        "mode": st.mode,
        "duration_slots": task.modes[st.mode].duration,
        "milestone": task.is_milestone,
        "float_slots": slack,
        "critical": slack == 0,
        "trade": trades[0] if trades else "",
        "resources": dict(demands),
        "calendar": task.calendar,
        "gpus": task.gpus,
        "progress": schedule.progress.get(tid),
        "percent_complete": _percent(schedule, tid),
        "predecessors": [
            {"task": lk.pred, "type": lk.type.value, "lag_slots": lk.lag,
             **({"max_lag_slots": lk.max_lag} if lk.max_lag is not None else {}),
             **({"lag_calendar": lk.lag_calendar} if lk.lag_calendar else {})}
            for lk in task.links
        ],
    }


def _resource(schedule, res) -> dict:
    horizon = max(schedule.makespan, 1)
    return {"id": res.id, "calendar": res.calendar, "trade": res.trade,
            "capacity": [list(step) for step in res.profile(horizon)]}


def _budgets(schedule) -> list[dict]:
    used = spent(schedule.plan, schedule.tasks) if schedule.status.has_schedule else {}
    return [{"id": b.id, "unit": b.unit, "total": b.total, "spent": used.get(b.id)}
            for b in schedule.plan.budgets.values()]


def _cost(schedule: Schedule) -> dict:
    """The schedule's cost by kind, in money (cents in the model)."""
    return {k: v / 100 for k, v in breakdown(schedule.plan, schedule.tasks,
                                              expedited=schedule.expedited).items()}


def _percent(schedule: Schedule, tid: str) -> int | None:
    """How far a task was at the status date (elapsed share for one in progress)."""
    mark = schedule.progress.get(tid)
    if mark is None:
        return None
    if mark == "finished":
        return 100
    st = schedule.tasks[tid]
    span = max(1, st.finish - st.start)
    return max(0, min(99, round(100 * (schedule.status_date - st.start) / span)))


def _target(schedule, target, iso) -> dict:
    reached = schedule.forecast(target) if schedule.status.has_schedule else None
    return {
        "id": target.id,
        "name": target.label,
        "kind": target.kind,
        "hard": target.hard,
        "gpus": target.gpus or None,
        **({"count": target.count} if target.count else {}),
        **({"within": target.within} if target.within else {}),
        # a finish target on named tasks (exports put the Deadline on them); none: all tasks
        **({"tasks": list(target.tasks)} if target.kind == "finish" and target.tasks
           and not target.count else {}),
        "due": iso(target.due),
        "due_slot": target.due,
        "forecast": iso(reached) if reached is not None else None,
        "forecast_slot": reached,
        "slack_slots": target.due - reached if reached is not None else None,
        "met": reached is not None and reached <= target.due,
    }


def json_text(doc: dict) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def write_json(doc: dict, path) -> None:
    from .atomic import write_atomic

    write_atomic(path, json_text(doc).encode("utf-8"))


REQUIRED = ("status", "start", "timezone", "slot_minutes", "makespan_slots", "tasks",
            "resources", "targets", "plan")


def load_schedule(path) -> dict:
    """A schedule document saved with --json, checked enough to export; ExportError otherwise."""
    from .atomic import ExportError

    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExportError(f"{path}: not valid JSON ({exc}); give a file written by "
                          "'rackplan schedule --json'") from None
    missing = [k for k in REQUIRED if not isinstance(doc, dict) or k not in doc]
    if missing:
        raise ExportError(f"{path}: not a rackplan schedule (missing {', '.join(missing)}); "
                          "give a file written by 'rackplan schedule --json'")
    if not doc["tasks"]:
        raise ExportError(f"{path}: the schedule has no tasks (status {doc['status']}); "
                          "nothing to export")
    return doc
