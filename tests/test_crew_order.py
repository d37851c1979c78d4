"""The local search over the order tasks take their crews (scheduler/crew_order.py)."""

import time

from conftest import make_plan

from rackplan.scheduler.calendar import Calendars
from rackplan.scheduler.crew_order import crew_order_search
from rackplan.scheduler.heuristic import list_schedule
from rackplan.scheduler.schedule import objective_value
from rackplan.scheduler.verify import verify

# One electrician energises two halls (2 h, 6 h) and powers each hall's two racks (1 h each);
# one tech powers the racks on (3 h each), after their power.
HALLS = """
[resources.electricians]
capacity = 1
[resources.techs]
capacity = 1
[tasks.energise-a]
duration = "2h"
uses = { electricians = 1 }
[tasks.energise-b]
duration = "6h"
uses = { electricians = 1 }
""" + "".join(f"""
[tasks.power-{h}{r}]
after = ["energise-{h}"]
duration = "1h"
uses = {{ electricians = 1 }}
[tasks.on-{h}{r}]
after = ["power-{h}{r}"]
duration = "3h"
uses = {{ techs = 1 }}
""" for h in "ab" for r in "12")


def test_racks_powered_before_the_long_energising_feed_the_idle_tech():
    """Tests the search on HALLS. The rules give the electrician the second hall's 6 h
    energising first (the longest tail): a 0-2, b 2-8, the first hall's racks 8-10, so the
    tech starts at 9 and does four 3 h power-ons to 21. Powering the first hall's racks first
    (2-3, 3-4, b 4-10, the second hall's racks 10-12) has the tech on 3-9 and 11-17: 17, the
    optimum (one rack before b and one after: 19; b first: 21). One move at a time, each
    rack ahead of the energising that held the electrician: 21 -> 19 -> 17."""
    plan = make_plan(HALLS)
    cals = Calendars(plan)
    seed = list_schedule(plan, cals)
    assert max(st.finish for st in seed.values()) == 21
    found = crew_order_search(plan, cals, seed, 21, time.monotonic() + 10)
    assert max(st.finish for st in found.values()) == 17
    assert objective_value(plan, found, 21) == 17
    assert verify(plan, found) == []
    assert sorted(found[t].finish for t in ("power-a1", "power-a2")) == [3, 4]
    assert found["energise-b"].start == 4


def test_a_schedule_no_move_improves_comes_back_as_it_was():
    """Tests that the search returns the seed itself when the chain waits for no crew."""
    plan = make_plan("""
        [resources.crew]
        capacity = 1
        [tasks.a]
        duration = "2h"
        uses = { crew = 1 }
        [tasks.b]
        after = ["a"]
        duration = "3h"
        uses = { crew = 1 }
    """)
    cals = Calendars(plan)
    seed = list_schedule(plan, cals)
    assert crew_order_search(plan, cals, seed, 5, time.monotonic() + 10) is seed
