"""PSPLIB RCPSP files as plans: single-mode `.sm` and multi-mode `.mm` (MRCPSP). One period is one
slot, task ids are the job numbers as written, renewable resources R1..Rk without calendars,
non-renewable ones N1..Nm as budgets, no targets; the objective is the finish."""

from __future__ import annotations

import re

import pendulum

from .errors import PlanInvalid, Problem
from .plan import Budget, Link, Mode, Objective, Plan, Resource, Task

_START = pendulum.datetime(2000, 1, 1, tz="UTC")


def plan_from_psplib(file: str, text: str) -> Plan:
    try:
        return _parse(file, text)
    except (ValueError, IndexError, KeyError) as exc:
        raise PlanInvalid(file, [Problem("psplib", "", f"not a PSPLIB .sm/.mm file: {exc}")]) \
            from None


def _section(lines: list[str], title: str) -> list[str]:
    for i, line in enumerate(lines):
        if line.strip().upper().startswith(title):
            out = []
            for row in lines[i + 1:]:
                if row.startswith("*"):
                    break
                out.append(row)
            return out
    raise ValueError(f"missing section {title!r}")


def _parse(file: str, text: str) -> Plan:
    lines = text.splitlines()
    succs: dict[str, list[str]] = {}
    for row in _section(lines, "PRECEDENCE RELATIONS:")[1:]:
        parts = row.split()
        if parts:
            succs[parts[0]] = parts[3:3 + int(parts[2])]
    header = _section(lines, "REQUESTS/DURATIONS:")
    names = [(kind, f"{kind}{n}") for kind, n in re.findall(r"([RND])\s*(\d+)", header[0])]
    if any(kind == "D" for kind, _ in names):
        raise ValueError("doubly constrained resources are not supported")
    modes: dict[str, list[Mode]] = {}
    job = ""
    for row in header[2:]:
        parts = row.split()
        if not parts:
            continue
        if len(parts) == len(names) + 3:  # a job's first mode; later modes omit the job number
            job, parts = parts[0], parts[1:]
        duration, amounts = int(parts[1]), [int(x) for x in parts[2:]]
        uses = {name: a for (kind, name), a in zip(names, amounts) if a and kind == "R"}
        spends = {name: a for (kind, name), a in zip(names, amounts) if a and kind == "N"}
        modes.setdefault(job, []).append(Mode(duration, uses, spends))
    caps = [int(x) for x in _section(lines, "RESOURCEAVAILABILITIES:")[1].split()]
    resources = {name: Resource(name, None, ((0, c),)) for (kind, name), c in zip(names, caps)
                 if kind == "R"}
    budgets = {name: Budget(name, c) for (kind, name), c in zip(names, caps) if kind == "N"}
    preds: dict[str, list[Link]] = {job: [] for job in modes}
    for job, followers in succs.items():
        for nxt in followers:
            preds[nxt].append(Link(job))
    tasks = {job: Task(job, f"job {job}", tuple(options), None, tuple(preds[job]),
                       source=f"job {job}") for job, options in modes.items()}
    return Plan(name=file.rsplit("/", 1)[-1], file=file, start=_START, timezone="UTC",
                slot_minutes=60, calendars={}, resources=resources, storages={}, tasks=tasks,
                targets={}, objective=Objective(), budgets=budgets)
