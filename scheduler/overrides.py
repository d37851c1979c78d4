"""Scenarios: `--set PATH=VALUE` and `[scenarios.NAME]` applied to the parsed plan before it is
loaded, so the plan's own validation sees the result (a bad value is reported like any other,
an unknown path with a did-you-mean).

PATH is a dotted path into the plan as written (`resources.fiber.capacity`,
`deliveries.racks.per_day`, `templates.rack.cable.duration`); VALUE is a TOML value (`20`,
`"2h"`, `[1, 2]`, `2024-06-01`), or else taken as a string (`2h`).
"""

from __future__ import annotations

import copy
import tomllib

from .errors import Problem, did_you_mean

SCENARIOS = "scenarios"


def parse_set(text: str) -> tuple[str, object]:
    """'resources.fiber.capacity=20' -> ('resources.fiber.capacity', 20). ValueError if there
    is no '=' or no path."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ValueError(f"--set {text!r}: write PATH=VALUE, e.g. resources.fiber.capacity=20")
    return path, _value(raw.strip())


def _value(raw: str) -> object:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw  # a bare word: 2h, America/Chicago


def scenario_sets(data: dict, name: str) -> tuple[list[tuple[str, object]], list[Problem]]:
    """The overrides of `[scenarios.NAME]`, or the problem that there is no such scenario."""
    scenarios = data.get(SCENARIOS, {})
    if not isinstance(scenarios, dict) or name not in scenarios:
        known = list(scenarios) if isinstance(scenarios, dict) else []
        return [], [Problem("unknown_ref", f"{SCENARIOS}.{name}", f"no scenario '{name}'"
                            f"{did_you_mean(name, known)}; the plan has "
                            f"{', '.join(known) or 'none'}")]
    table = scenarios[name]
    if not isinstance(table, dict):
        return [], [Problem("type", f"{SCENARIOS}.{name}", "must be a table of "
                            "\"PATH\" = VALUE overrides")]
    return list(table.items()), []


def scenario_names(data: dict) -> list[str]:
    scenarios = data.get(SCENARIOS, {})
    return list(scenarios) if isinstance(scenarios, dict) else []


def apply(data: dict, sets: list[tuple[str, object]], source: str) -> tuple[dict, list[Problem]]:
    """A copy of the parsed plan with each override applied, and the problems (paths that do
    not lead into the plan). `source` says where the overrides come from ("--set",
    "scenarios.late-trucks")."""
    out = copy.deepcopy(data)
    problems = []
    for path, value in sets:
        problem = _set(out, path, value, source)
        if problem:
            problems.append(problem)
    return out, problems


def _set(data: dict, path: str, value, source: str) -> Problem | None:
    keys = path.split(".")
    node = data
    for depth, key in enumerate(keys[:-1]):
        if not isinstance(node, dict) or key not in node:
            known = list(node) if isinstance(node, dict) else []
            at = ".".join(keys[:depth]) or "the plan"
            return Problem("unknown_ref", f"{source} {path}", f"{at} has no '{key}'"
                           f"{did_you_mean(key, known)}")
        node = node[key]
    if not isinstance(node, dict):
        return Problem("type", f"{source} {path}", f"{'.'.join(keys[:-1])} is not a table")
    node[keys[-1]] = value  # a new key is fine: the plan's validation knows which are allowed
    return None
