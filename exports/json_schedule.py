"""The full schedule as JSON: status, bounds, every task with its work segments, resources and
targets. Slots count from the project start; datetimes carry the plan's UTC offset."""

from __future__ import annotations

import json

from scheduler import __version__
from scheduler.schedule import Schedule
from scheduler.units import fmt_minutes


def schedule_to_dict(schedule: Schedule) -> dict:
    plan = schedule.plan
    iso = lambda slot: plan.slot_to_datetime(slot).isoformat()  # noqa: E731
    has = schedule.status.has_schedule
    return {
        "rackplan_version": __version__,
        "plan": plan.name,
        "plan_file": plan.file,
        "status": schedule.status.value,
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
        "tasks": [_task(schedule, tid, iso) for tid in plan.tasks] if has else [],
        "resources": [_resource(schedule, res) for res in plan.resources.values()],
        "targets": [_target(schedule, t, iso) for t in plan.targets.values()],
    }


def _task(schedule, tid, iso) -> dict:
    task, st = schedule.plan.tasks[tid], schedule.tasks[tid]
    return {
        "id": tid,
        "name": task.name,
        "start": iso(st.start),
        "finish": iso(st.finish),
        "start_slot": st.start,
        "finish_slot": st.finish,
        "segments": [list(seg) for seg in st.segments],
        "mode": st.mode,
        "resources": dict(task.modes[st.mode].demands),
        "calendar": task.calendar,
        "gpus": task.gpus,
        "predecessors": [
            {"task": lk.pred, "type": lk.type.value, "lag_slots": lk.lag,
             **({"max_lag_slots": lk.max_lag} if lk.max_lag is not None else {})}
            for lk in task.links
        ],
    }


def _resource(schedule, res) -> dict:
    horizon = max(schedule.makespan, 1)
    return {"id": res.id, "calendar": res.calendar,
            "capacity": [list(step) for step in res.profile(horizon)]}


def _target(schedule, target, iso) -> dict:
    reached = schedule.forecast(target) if schedule.status.has_schedule else None
    return {
        "id": target.id,
        "name": target.label,
        "kind": target.kind,
        "hard": target.hard,
        "gpus": target.gpus or None,
        "due": iso(target.due),
        "due_slot": target.due,
        "forecast": iso(reached) if reached is not None else None,
        "forecast_slot": reached,
        "slack_slots": target.due - reached if reached is not None else None,
        "met": reached is not None and reached <= target.due,
    }


def schedule_json(schedule: Schedule) -> str:
    return json.dumps(schedule_to_dict(schedule), indent=1) + "\n"
