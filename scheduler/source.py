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
    # A re-forecast: (progress file name, its rows as ((column, value), ...) tuples, --as-of,
    # --out-of-sequence override): the worker's plan is then the work left.
    progress: tuple | None = None

    def load(self) -> Plan:
        return self.begin()[0]

    def begin(self):
        """(the plan to schedule, the status date or None): the plan, or with progress the
        work left from its status date."""
        from .load import plan_from_toml

        plan = plan_from_toml(self.file, self.text, max_tasks=self.max_tasks,
                              sets=self.sets, scenario=self.scenario)
        if self.progress is None:
            return plan, None
        from .reforecast import begin

        file, rows, as_of, override = self.progress
        again = begin(plan, file, as_of, override, [dict(r) for r in rows])
        return again.future, again

    @classmethod
    def read(cls, path: str, sets=(), scenario: str | None = None,
             max_tasks: int | None = None) -> Source:
        with open(path, encoding="utf-8") as fh:
            return cls(path, fh.read(), tuple(sets), scenario, max_tasks)
