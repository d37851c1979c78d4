"""Property-based tests over the plan language (Hypothesis): mutated example plans never crash
rackplan, never get an INTERNAL ERROR and never overrun the time limit; random small build-outs
with maximum lags and storage always get a verified schedule.

CI runs a bounded, derandomised number of examples; `pytest -m slow tests/test_fuzz.py` runs
many more (RACKPLAN_FUZZ_EXAMPLES sets how many)."""

from __future__ import annotations

import os
import signal
import time

import pytest
from click.testing import CliRunner
from fuzzplans import mutated_plan, random_buildout
from hypothesis import HealthCheck, given, settings

from rackplan.cli import main
from rackplan.scheduler.cpsat import SolveOptions, solve
from rackplan.scheduler.heuristic import list_schedule
from rackplan.scheduler.load import plan_from_toml
from rackplan.scheduler.verify import verify

LIMIT = 1.0  # --time-limit of every fuzzed solve
MANY = int(os.environ.get("RACKPLAN_FUZZ_EXAMPLES", "500"))
EXIT_CODES = {"validate": {0, 2}, "schedule": {0, 1}, "check": {0, 1, 3}}


def _settings(examples: int, derandomize: bool = True):
    """CI's runs are derandomised (the same examples every time); the slow runs explore."""
    return settings(max_examples=examples, deadline=None, derandomize=derandomize,
                    database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang("no answer within 60 s")


def _run_every_command(text: str, folder) -> None:
    """validate, then (if valid) schedule and check at --time-limit 1: exit codes from the
    documented set, no traceback, no INTERNAL ERROR, the whole command within the limit +
    10% + 1 s."""
    path = folder / "plan.toml"
    path.write_text(text)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(60)  # a hang fails the test instead of stalling CI
    try:
        for command in ("validate", "schedule", "check"):
            args = [command, str(path)]
            if command != "validate":
                args += ["--time-limit", str(LIMIT), "--workers", "1", "-q"]
            started = time.monotonic()
            result = CliRunner().invoke(main, args)
            elapsed = time.monotonic() - started
            assert isinstance(result.exception, (SystemExit, type(None))), \
                f"{command} crashed: {result.exception!r}\n{text}"
            assert result.exit_code in EXIT_CODES[command], (command, result.output, text)
            assert "INTERNAL ERROR" not in result.output, (command, result.output, text)
            assert "Traceback" not in result.output
            if command != "validate":
                assert elapsed <= 1.1 * LIMIT + 1, (command, elapsed, text)
            elif result.exit_code == 2:
                assert all(line.startswith(str(path)) or line.startswith("rackplan: ")
                           for line in result.stderr.splitlines()), result.stderr
                return
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _always_scheduled(text: str, solve_too: bool) -> None:
    plan = plan_from_toml("buildout.toml", text)
    tasks = list_schedule(plan, time_budget=30)
    assert tasks is not None, text
    assert verify(plan, tasks) == [], text
    if solve_too:
        result = solve(plan, SolveOptions(time_limit=LIMIT, workers=1))
        assert result.status.has_schedule, text
        assert verify(plan, result.tasks) == []


@_settings(80)
@given(text=mutated_plan())
def test_mutated_plans_never_crash_hang_or_overrun(tmp_path_factory, text):
    _run_every_command(text, tmp_path_factory.mktemp("fuzz"))


@_settings(60)
@given(text=random_buildout())
def test_random_buildouts_always_get_a_verified_list_schedule(text):
    _always_scheduled(text, solve_too=False)


@_settings(20)
@given(text=random_buildout())
def test_random_buildouts_always_get_a_verified_schedule_within_the_limit(text):
    _always_scheduled(text, solve_too=True)


@pytest.mark.slow
@_settings(MANY, derandomize=False)
@given(text=mutated_plan())
def test_many_mutated_plans(tmp_path_factory, text):
    _run_every_command(text, tmp_path_factory.mktemp("fuzz"))


@pytest.mark.slow
@_settings(MANY, derandomize=False)
@given(text=random_buildout())
def test_many_random_buildouts(text):
    _always_scheduled(text, solve_too=True)
