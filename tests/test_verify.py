"""The independent verifier catches every kind of broken schedule."""

from dataclasses import replace

import pytest
from conftest import make_plan

from rackplan.scheduler.heuristic import list_schedule
from rackplan.scheduler.schedule import ScheduledTask
from rackplan.scheduler.verify import verify

PLAN = """
[calendars.day]
shifts = ["08:00-16:00"]
[resources.crew]
capacity = 1
calendar = "day"
[storage.bay]
capacity = 1
[deliveries.kit]
quantity = 1
first = 2024-01-01T09:00:00
per_day = 1
[tasks.a]
duration = "2h"
uses = { crew = 1 }
needs = "kit"
fills = "bay"
[tasks.b]
duration = "2h"
uses = { crew = 1 }
after = [{ task = "a", max_lag = "3h" }]
empties = "bay"
[targets.done]
by = "2d"
"""


@pytest.fixture
def good():
    plan = make_plan(PLAN)
    tasks = list_schedule(plan)
    assert verify(plan, tasks) == []
    # a waits for its kit (09:00) -> [9,11); b follows on the same crew -> [11,13).
    assert (tasks["a"].start, tasks["b"].start) == (9, 11)
    return plan, tasks


def _move(tasks, tid, start, segments):
    out = dict(tasks)
    out[tid] = replace(tasks[tid], start=start, finish=segments[-1][1], segments=segments)
    return out


def test_precedence_violation(good):
    plan, tasks = good
    bad = _move(tasks, "b", 10, ((10, 12),))
    assert any(p.startswith("a -> b (FS, lag 0): 10 < 11") for p in verify(plan, bad))


def test_capacity_violation(good):
    plan, tasks = good
    bad = _move(tasks, "a", 11, ((11, 13),))
    bad = _move(bad, "b", 13, ((13, 15),))
    bad = _move(bad, "b", 12, ((12, 14),))
    assert any(p.startswith("resource crew: 2 in use at slot 12") for p in verify(plan, bad))


def test_calendar_violation(good):
    plan, tasks = good
    bad = _move(tasks, "b", 15, ((15, 17),))
    assert "b: works at slot 16, outside calendar 'day'" in verify(plan, bad)


def test_release_violation(good):
    plan, tasks = good
    bad = _move(tasks, "a", 8, ((8, 10),))
    assert any(p.startswith("a: starts at slot 8, before its release 9") for p in verify(plan, bad))


def test_max_lag_violation(good):
    plan, tasks = good
    bad = _move(tasks, "b", 32, ((32, 34),))
    assert "a -> b (FS, max lag 3): 32 > 11 + 3" in verify(plan, bad)


def test_storage_violation(good):
    plan, tasks = good
    plan.storages["bay"] = replace(plan.storages["bay"], initial=1)
    # At 11 a fills and b empties together: level stays 1. Delay b and the bay overflows.
    assert verify(plan, tasks) == []
    bad = _move(tasks, "b", 12, ((12, 14),))
    assert "storage bay: level 2 at slot 11, allowed 0...1" in verify(plan, bad)


def test_wrong_duration_and_missing_task(good):
    plan, tasks = good
    bad = _move(tasks, "b", 11, ((11, 12),))
    assert "b: works 1 slots, needs 2" in verify(plan, bad)
    partial = {"a": tasks["a"]}
    assert verify(plan, partial) == ["1 task(s) not scheduled, e.g. b"]


def test_hard_target_violation(good):
    plan, tasks = good
    plan.targets["done"] = replace(plan.targets["done"], due=12)
    assert "hard target done: reached at 13, due 12" in verify(plan, tasks)


def test_pause_in_working_time(good):
    plan, tasks = good
    bad = dict(tasks)
    bad["b"] = ScheduledTask("b", 11, 14, 0, ((11, 12), (13, 14)))
    assert "b: pauses at slot 12 in working time" in verify(plan, bad)
