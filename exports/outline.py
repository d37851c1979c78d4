"""The plan hierarchy recovered from task ids (hall-A/array-07/rack-3/cable), shared by the
outlined exports (the Gantt sheet and MS Project's summary tasks)."""

from __future__ import annotations


class UnitTree:
    """Units (id prefixes) with their own tasks, child units and time span."""

    def __init__(self, tasks: list[dict]):
        self.by_unit: dict[str, list[dict]] = {}
        for t in tasks:
            self.by_unit.setdefault(t["id"].rpartition("/")[0], []).append(t)
        self.children: dict[str, list[str]] = {}
        for unit in self.by_unit:
            parts = unit.split("/") if unit else []
            for n in range(len(parts)):
                parent, child = "/".join(parts[:n]), "/".join(parts[: n + 1])
                kids = self.children.setdefault(parent, [])
                if child not in kids:
                    kids.append(child)
        self._spans: dict[str, tuple[int, int, bool]] = {}

    def tasks(self, unit: str) -> list[dict]:
        return self.by_unit.get(unit, [])

    def subunits(self, unit: str) -> list[str]:
        return self.children.get(unit, [])

    def span(self, unit: str) -> tuple[int, int, bool]:
        """(first start, last finish, holds the driving chain) over everything below `unit`:
        a unit is critical when the chain that drives the finish runs through it, not merely
        because some task in it has no float (in a tight plan nearly every unit has one)."""
        if unit not in self._spans:
            own = self.tasks(unit)
            below = [self.span(c) for c in self.subunits(unit)]
            self._spans[unit] = (
                min([t["start_slot"] for t in own] + [s[0] for s in below]),
                max([t["finish_slot"] for t in own] + [s[1] for s in below]),
                any(t.get("driving", t["critical"]) for t in own) or any(s[2] for s in below),
            )
        return self._spans[unit]
