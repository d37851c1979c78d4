"""Deliveries routed to places, on a delivery calendar, and tasks needing several items
(issue 18 items 2 and 6)."""

import pytest
from conftest import FAST, HALLS_OF_RACKS, make_plan

from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.schedule import SolveStatus

# Two halls of two racks; each rack is installed (1 h, no crew) once its rack has arrived.
SITE = HALLS_OF_RACKS + """
[templates.rack.install]
needs = "rack"
duration = "1h"
"""
ROUTED = SITE + """
[deliveries.to-a]
item = "rack"
batches = [{ at = "10h", quantity = 2 }]
to = "hall-A"
[deliveries.to-b]
item = "rack"
batches = [{ at = "2h", quantity = 2 }]
to = "hall-B"
"""


def test_a_routed_delivery_releases_only_its_hall():
    """Tests routing: hall B's racks come at 2 h, hall A's at 10 h, whatever the plan order (A
    first): B's installs start at 2, A's at 10; finish 11."""
    plan = make_plan(ROUTED)
    assert [plan.tasks[f"hall-{h}/rack-{k}/install"].release
            for h in "AB" for k in (1, 2)] == [10, 10, 2, 2]
    result = solve(plan, FAST)
    assert (result.status, result.makespan) == (SolveStatus.OPTIMAL, 11)


def test_batches_route_on_their_own_and_unrouted_units_serve_the_rest():
    """Tests a batch-level route beside a site pool: one rack to hall-B at 1 h; the site's 3
    racks at 5 h go to the other three racks in plan order."""
    plan = make_plan(SITE + """
[deliveries.racks]
item = "rack"
batches = [{ at = "1h", quantity = 1, to = "hall-B/rack-2" }, { at = "5h", quantity = 3 }]
""")
    releases = {tid: t.release for tid, t in plan.tasks.items()}
    assert releases == {"hall-A/rack-1/install": 5, "hall-A/rack-2/install": 5,
                        "hall-B/rack-1/install": 5, "hall-B/rack-2/install": 1}


def test_a_delivery_calendar_skips_days_off():
    """Tests rate deliveries on working days only: 1 rack a day from Friday 2024-01-05 08:00
    on a Monday-Friday calendar: Friday (slot 104), Monday (176), Tuesday (200), Wednesday
    (224)."""
    plan = make_plan(SITE + """
[calendars.weekdays]
[deliveries.racks]
item = "rack"
quantity = 4
first = 2024-01-05T08:00:00
per_day = 1
calendar = "weekdays"
""")
    assert sorted(t.release for t in plan.tasks.values()) == [104, 176, 200, 224]


def test_a_task_needing_a_rack_and_a_cdu_waits_for_both():
    """Tests `needs = { rack = 1, cdu = 1 }`: racks at 1 h, CDUs at 3 h and 6 h (one each):
    the first install starts at 3, the second at 6; finish 7. A task needing 2 CDUs waits for
    the second."""
    body = SITE.replace("count = 2\nid = \"hall-{A}\"", "count = 1\nid = \"hall-{A}\"")
    body = body.replace('needs = "rack"', "needs = { rack = 1, cdu = 1 }") + """
[deliveries.racks]
item = "rack"
batches = [{ at = "1h", quantity = 2 }]
[deliveries.cdus]
item = "cdu"
batches = [{ at = "3h", quantity = 1 }, { at = "6h", quantity = 1 }]
"""
    plan = make_plan(body)
    assert [plan.tasks[f"hall-A/rack-{k}/install"].release for k in (1, 2)] == [3, 6]
    assert plan.tasks["hall-A/rack-2/install"].release_reason == "deliveries.cdus unit 2"
    assert solve(plan, FAST).makespan == 7
    two = make_plan(body.replace("rack = 1, cdu = 1", "cdu = 2").replace(
        "count = 2\nid = \"rack-{1}\"", "count = 1\nid = \"rack-{1}\""))
    assert two.tasks["hall-A/rack-1/install"].release == 6


@pytest.mark.parametrize("body, line", [
    (ROUTED.replace('to = "hall-A"', 'to = "hall-Z"'),
     "test.toml:23: deliveries.to-a.to: no unit 'hall-Z' (did you mean 'hall-B'?); give a "
     "unit's full id, e.g. 'hall-B'"),
    (ROUTED.replace('to = "hall-A"', "to = 5"),
     "test.toml:23: deliveries.to-a.to: must be a unit id or a list of them, e.g. 'hall-B', "
     "got 5"),
    (SITE + ROUTED[len(SITE):].replace("quantity = 2 }]\nto = \"hall-B\"",
                                       "quantity = 1 }]\nto = \"hall-B\""),
     "test.toml:27: deliveries.to-b.to: 2 tasks need 'rack' but deliveries to hall-B bring "
     "only 1"),
    (SITE + ROUTED[len(SITE):].split("[deliveries.to-b]")[0],
     "test.toml:17: templates.rack.install.needs: no delivery of 'rack' is routed to "
     "hall-B/rack-1; route one to it with 'to', or add one without 'to' (and 1 more like it "
     "in other units)"),
    (SITE.replace('needs = "rack"', "needs = { rack = 0 }"),
     "test.toml:17: templates.rack.install.needs.rack: must be a whole number >= 1, got 0"),
])
def test_misrouted_deliveries_are_refused(body, line):
    with pytest.raises(PlanInvalid) as err:
        make_plan(body)
    assert line in err.value.lines()
