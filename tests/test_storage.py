"""Storage capacity that changes over time (issue 18 item 5: a second staging tent from a date):
plan language, list scheduler, both CP-SAT forms of storage, verifier."""

import pytest
from conftest import FAST

from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.heuristic import list_schedule
from rackplan.scheduler.load import plan_from_toml
from rackplan.scheduler.schedule import ScheduledTask, SolveStatus
from rackplan.scheduler.verify import verify

# The dock works only before 6 h and the riggers only from 6 h, so every rack must be received
# and staged before 6 h; staging holds 1 rack until a tent adds room for 3 at 4 h.
TENT = """
[project]
name = "tent"
start = 2024-01-01T00:00:00
timezone = "UTC"
[resources.dock]
capacity = 1
changes = [{ from = "6h", capacity = 0 }]
[resources.riggers]
capacity = 0
changes = [{ from = "6h", capacity = 1 }]
[storage.staging]
capacity = 1
changes = [{ from = "4h", capacity = 3 }]
[[levels]]
name = "rack"
count = 3
id = "rack-{1}"
[templates.rack.receive]
duration = "1h"
uses = { dock = 1 }
fills = "staging"
[templates.rack.position]
after = ["receive"]
duration = "1h"
uses = { riggers = 1 }
empties = "staging"
"""
NO_TENT = TENT.replace('changes = [{ from = "4h", capacity = 3 }]\n', "")
# Ordered only by the storage (no link receive -> position): the reservoir form of the model.
UNLINKED = TENT.replace('after = ["receive"]\n', "")


@pytest.mark.parametrize("text", [TENT, UNLINKED], ids=["stays", "reservoir"])
def test_a_second_tent_makes_room_from_its_date(text):
    """Tests the derivation: one rack staged 0-1; the next fill must wait for the tent at 4
    (receive 3-4), the third follows (4-5: three racks staged, the tent's limit); the riggers
    position them 6-7, 7-8, 8-9: finish 9, optimal (the riggers' 3 h from 6)."""
    plan = plan_from_toml("tent.toml", text)
    heuristic = list_schedule(plan)
    assert verify(plan, heuristic) == []
    result = solve(plan, FAST)
    assert (result.status, result.makespan) == (SolveStatus.OPTIMAL, 9)
    fills = sorted(st.finish for tid, st in result.tasks.items() if tid.endswith("receive"))
    assert fills[1] >= 4


def test_without_the_tent_the_racks_cannot_all_be_staged():
    """Tests the same plan with one place all along: two racks can never be staged before the
    dock closes at 6 h, so the plan is infeasible (and the list scheduler finds nothing)."""
    plan = plan_from_toml("tent.toml", NO_TENT)
    assert list_schedule(plan) is None
    assert solve(plan, FAST).status == SolveStatus.INFEASIBLE


def test_the_verifier_checks_the_capacity_of_the_moment():
    """Tests the independent check: two racks staged at 2 h, when only one fits."""
    plan = plan_from_toml("tent.toml", TENT)
    tasks = {"rack-1/receive": ScheduledTask("rack-1/receive", 0, 1, 0, ((0, 1),)),
             "rack-2/receive": ScheduledTask("rack-2/receive", 1, 2, 0, ((1, 2),)),
             "rack-3/receive": ScheduledTask("rack-3/receive", 4, 5, 0, ((4, 5),))}
    tasks |= {f"rack-{k}/position": ScheduledTask(f"rack-{k}/position", 5 + k, 6 + k, 0,
                                                  ((5 + k, 6 + k),)) for k in (1, 2, 3)}
    assert "storage staging: level 2 at slot 2, allowed 0...1" in verify(plan, tasks)


def test_a_storage_change_needs_a_whole_capacity():
    """Tests validation of the new field with its line."""
    with pytest.raises(PlanInvalid) as err:
        plan_from_toml("tent.toml", TENT.replace("capacity = 3 }", "capacity = -1 }"))
    assert err.value.lines() == ["tent.toml:14: storage.staging.changes[0].capacity: must be a "
                                 "whole number >= 0, got -1"]
