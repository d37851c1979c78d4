"""Targets on part of the site (issue 18 item 7): how many of a set of tasks by a date
(`count`), and GPUs online in one unit (`within`)."""

import pytest
from conftest import FAST, HALLS_OF_RACKS, make_plan

from rackplan.scheduler.check import check
from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.schedule import SolveStatus
from rackplan.scheduler.verify import verify

# Two halls of two racks; one crew installs a rack in 2 h and brings its 64 GPUs online.
SITE = """
[resources.crew]
capacity = 1
""" + HALLS_OF_RACKS + """gpus = 64
[templates.rack.install]
duration = "2h"
uses = { crew = 1 }
online = true
"""
TWO_RACKS = """
[targets.two-racks]
finish = "rack:install"
count = 2
by = "4h"
"""
HALL_B = """
[targets.hall-b]
gpus = 128
within = "hall-B"
by = "4h"
"""


def test_a_count_target_is_reached_by_the_kth_finish():
    """Tests `count`: installs end at 2, 4, 6, 8, so 2 of the 4 are done at 4 (met, hard), 3
    at 6; the finish stays 8 (the crew's 4 x 2 h)."""
    plan = make_plan(SITE + TWO_RACKS)
    result = solve(plan, FAST)
    assert (result.status, result.makespan) == (SolveStatus.OPTIMAL, 8)
    assert result.forecast(plan.targets["two-racks"]) == 4
    late = make_plan(SITE + TWO_RACKS.replace("count = 2", "count = 3"))
    assert solve(late, FAST).status == SolveStatus.INFEASIBLE


def test_a_gpu_target_within_a_hall_puts_that_hall_first():
    """Tests `within`: hall B's 128 GPUs by 4 h means its two racks go first (0-2, 2-4), as
    CP-SAT finds (the list scheduler does not look at hard targets); both halls by 4 h cannot
    be (8 h of work)."""
    plan = make_plan(SITE + HALL_B)
    result = solve(plan, FAST)
    assert verify(plan, result.tasks) == []
    assert result.status == SolveStatus.OPTIMAL
    assert sorted(result.tasks[f"hall-B/rack-{k}/install"].finish for k in (1, 2)) == [2, 4]
    both = make_plan(SITE + HALL_B + HALL_B.replace("hall-b", "hall-a").replace("hall-B",
                                                                               "hall-A"))
    report = check(both, 5, 1)
    assert report.outcome == "misses"
    assert {m.target.id for m in report.misses} <= {"hall-a", "hall-b"}


@pytest.mark.parametrize("body, line", [
    (HALL_B.replace("hall-B", "hall-Z"),
     "test.toml:26: targets.hall-b.within: no unit 'hall-Z' (did you mean 'hall-B'?); give a "
     "unit's full id, e.g. 'hall-A'"),
    (TWO_RACKS.replace("count = 2", 'count = 2\nwithin = "hall-A"'),
     "test.toml:27: targets.two-racks.within: narrows a GPU target; for tasks name them in "
     "'finish' (e.g. 'hall-A/acceptance')"),
    (HALL_B.replace('within = "hall-B"', 'within = "hall-B"\ncount = 1'),
     "test.toml:27: targets.hall-b.count: goes with 'finish' (how many of its tasks), not "
     "with 'gpus'"),
    (TWO_RACKS.replace("count = 2", "count = 5"),
     "test.toml:26: targets.two-racks.count: 5 is more than the 4 task(s) 'finish' names"),
    (HALL_B.replace("gpus = 128", "gpus = 192"),
     "test.toml:25: targets.hall-b.gpus: 192 GPUs but unit 'hall-B' brings only 128 online "
     "(mark tasks with 'online' or 'gpus')"),
])
def test_misused_partial_targets_are_refused(body, line):
    with pytest.raises(PlanInvalid) as err:
        make_plan(SITE + body)
    assert line in err.value.lines()
