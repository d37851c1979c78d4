"""A plan as a work item carries it to another process or machine: its text, not a pickled Plan
(scheduler/executor.py ships these; each worker builds the Plan itself, once)."""

from __future__ import annotations

from dataclasses import dataclass

from .plan import Plan


@dataclass(frozen=True)
class Source:
    """The plan file's text with the overrides that apply (--set, --scenario)."""

    file: str
    text: str
    sets: tuple = ()
    scenario: str | None = None
    max_tasks: int | None = None

    def load(self) -> Plan:
        from .load import plan_from_toml

        return plan_from_toml(self.file, self.text, max_tasks=self.max_tasks,
                              sets=self.sets, scenario=self.scenario)

    @classmethod
    def read(cls, path: str, sets=(), scenario: str | None = None,
             max_tasks: int | None = None) -> Source:
        with open(path, encoding="utf-8") as fh:
            return cls(path, fh.read(), tuple(sets), scenario, max_tasks)
