"""PSPLIB single-mode RCPSP files (.sm) as plans: one period is one slot, task ids are the job
numbers as written, resources R1..Rk without calendars, no targets; the objective is the finish."""

from __future__ import annotations

import re

import pendulum

from .errors import PlanInvalid, Problem
from .plan import Link, Mode, Objective, Plan, Resource, Task

_START = pendulum.datetime(2000, 1, 1, tz="UTC")


def plan_from_psplib(file: str, text: str) -> Plan:
    try:
        return _parse(file, text)
    except (ValueError, IndexError, KeyError) as exc:
        raise PlanInvalid(file, [Problem("psplib", "", f"not a PSPLIB .sm file: {exc}")]) from None


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
    if any(re.match(r"\s*- nonrenewable\s*:\s*[1-9]", ln) for ln in lines):
        raise ValueError("non-renewable resources (multi-mode .mm files) are not supported yet")
    succs: dict[str, list[str]] = {}
    for row in _section(lines, "PRECEDENCE RELATIONS:")[1:]:
        parts = row.split()
        if parts:
            if parts[1] != "1":
                raise ValueError(f"job {parts[0]} has {parts[1]} modes; only single-mode files")
            succs[parts[0]] = parts[3:3 + int(parts[2])]
    header = _section(lines, "REQUESTS/DURATIONS:")
    names = re.findall(r"([RND])\s*(\d+)", header[0])
    modes: dict[str, Mode] = {}
    for row in header[2:]:
        parts = row.split()
        if not parts:
            continue
        job, duration, amounts = parts[0], int(parts[2]), [int(x) for x in parts[3:]]
        demands = {f"R{n}": a for (kind, n), a in zip(names, amounts) if a and kind == "R"}
        modes[job] = Mode(duration, demands)
    caps = [int(x) for x in _section(lines, "RESOURCEAVAILABILITIES:")[1].split()]
    resources = {f"R{n}": Resource(f"R{n}", None, ((0, c),)) for (kind, n), c in zip(names, caps)
                 if kind == "R"}
    preds: dict[str, list[Link]] = {job: [] for job in modes}
    for job, followers in succs.items():
        for nxt in followers:
            preds[nxt].append(Link(job))
    tasks = {job: Task(job, f"job {job}", (mode,), None, tuple(preds[job]), source=f"job {job}")
             for job, mode in modes.items()}
    return Plan(name=file.rsplit("/", 1)[-1], file=file, start=_START, timezone="UTC",
                slot_minutes=60, calendars={}, resources=resources, storages={}, tasks=tasks,
                targets={}, objective=Objective())
