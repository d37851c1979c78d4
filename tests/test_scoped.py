"""Crews, docks and staging areas per unit of a level (issue 18 item 1): declared once as
[templates.LEVEL.resources.NAME] / [templates.LEVEL.storage.NAME], used as "LEVEL:NAME"."""

import pytest
from conftest import FAST, HALLS_OF_RACKS, make_plan

from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.heuristic import list_schedule
from rackplan.scheduler.schedule import SolveStatus
from rackplan.scheduler.verify import verify

HALLS = """
""" + HALLS_OF_RACKS + """[templates.hall.resources.dock]
capacity = 1
[templates.hall.resources.riggers]
capacity = 1
[templates.hall.storage.staging]
capacity = 1
[templates.rack.receive]
duration = "1h"
uses = { "hall:dock" = 1 }
fills = "hall:staging"
[templates.rack.position]
after = ["receive"]
duration = "2h"
uses = { "hall:riggers" = 1 }
empties = "hall:staging"
"""


def test_each_hall_gets_its_own_dock_crew_and_staging():
    """Tests the expansion and the schedule. Per hall: rack 1 received 0-1 and positioned 1-3;
    rack 2's receive must wait for room in the hall's one staging place, which rack 1's
    position frees at 1, so 1-2, and positioned 3-5 by the hall's one rigger. The halls run
    side by side: finish 5 (one shared dock and crew would take 4 + ... longer)."""
    plan = make_plan(HALLS)
    assert sorted(plan.resources) == ["hall-A/dock", "hall-A/riggers", "hall-B/dock",
                                      "hall-B/riggers"]
    assert plan.resources["hall-B/dock"].trade == "dock"
    assert sorted(plan.storages) == ["hall-A/staging", "hall-B/staging"]
    assert plan.tasks["hall-B/rack-2/receive"].modes[0].demands == {"hall-B/dock": 1}
    assert plan.tasks["hall-B/rack-2/receive"].fills == {"hall-B/staging": 1}
    assert verify(plan, list_schedule(plan)) == []
    result = solve(plan, FAST)
    assert (result.status, result.makespan) == (SolveStatus.OPTIMAL, 5)


def test_a_shared_crew_is_slower_than_one_per_hall():
    """Tests the comparison: with the riggers site-wide (one crew for both halls), the four
    positions of 2 h follow one another after the first receive: 1 + 8 = 9."""
    shared = HALLS.replace("[templates.hall.resources.riggers]\ncapacity = 1\n", "").replace(
        '"hall:riggers"', "riggers") + "[resources.riggers]\ncapacity = 1\n"
    result = solve(make_plan(shared), FAST)
    assert (result.status, result.makespan) == (SolveStatus.OPTIMAL, 9)


@pytest.mark.parametrize("body, line", [
    (HALLS.replace('"hall:dock"', '"hall:dok"'),
     "test.toml:24: templates.rack.receive.uses.hall:dok: no resource 'dok' on level 'hall'; "
     "declare it as [templates.hall.resources.dok]"),
    (HALLS + '[tasks.site-work]\nduration = "1h"\nuses = { "hall:dock" = 1 }\n',
     "test.toml:33: tasks.site-work.uses.hall:dock: 'hall:dock' needs a task inside a hall; "
     "this one is not"),
    (HALLS.replace('"hall:staging"\n[templates.rack.position]', '"floor:staging"\n'
                   "[templates.rack.position]"),
     "test.toml:25: templates.rack.receive.fills: unknown level 'floor' in 'floor:staging'"),
])
def test_misused_scoped_names_are_refused(body, line):
    with pytest.raises(PlanInvalid) as err:
        make_plan(body)
    assert line in err.value.lines()


def test_a_delivery_goes_into_one_halls_staging():
    """Tests `into` with a scoped storage's full id: a spare rack unloaded into hall A's
    staging at 3 h is its arrival; hall B's staging gets none."""
    plan = make_plan(HALLS.replace("[templates.hall.storage.staging]\ncapacity = 1",
                                   "[templates.hall.storage.staging]\ncapacity = 2") + """
[deliveries.racks]
item = "rack"
batches = [{ at = "3h", quantity = 1 }]
into = "hall-A/staging"
""")
    assert plan.storages["hall-A/staging"].arrivals == ((3, 1),)
    assert plan.storages["hall-B/staging"].arrivals == ()
