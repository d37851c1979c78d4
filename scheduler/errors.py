"""Domain errors. Each carries a stable code and a location so the CLI can print one line per problem:
``plans/x.toml: tasks.cable.after: unknown task 'plac' (did you mean 'place'?)``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan: `where` is the dotted field path, `line` the 1-based line if known."""

    code: str
    where: str
    message: str
    line: int | None = None
    column: int | None = None

    def format(self, file: str) -> str:
        loc = file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return f"{loc}: {self.where}: {self.message}" if self.where else f"{loc}: {self.message}"


class PlanInvalid(Exception):
    """The plan has one or more problems; all of them are in `problems`."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        super().__init__("\n".join(p.format(file) for p in problems))

    def lines(self) -> list[str]:
        return [p.format(self.file) for p in self.problems]


class VerificationError(Exception):
    """A schedule broke a plan constraint. The solver produced it, so this is a rackplan bug."""

    def __init__(self, violations: list[str]):
        self.violations = violations
        super().__init__("; ".join(violations[:5]))


def did_you_mean(word: str, choices) -> str:
    """A ' (did you mean 'x'?)' suffix, or '' when nothing is close."""
    if not isinstance(word, str) or not isinstance(choices, (dict, list, tuple, set, frozenset)):
        return ""  # a value of the wrong type: the message says so, no guess
    names = [c for c in choices if isinstance(c, str)]
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
