"""Loading: template expansion over the hierarchy, references, deliveries, GPUs, capacity steps."""

from conftest import make_plan

from rackplan.scheduler.load import load_plan

HIERARCHY = """
[[levels]]
name = "hall"
count = 2
id = "hall-{A}"
[[levels]]
name = "array"
count = 3
id = "array-{01}"
[[levels]]
name = "rack"
count = 2
id = "rack-{1}"
total = 11
gpus = 64

[tasks.utility]
duration = "1h"
[templates.hall.cooling]
duration = "1h"
after = ["utility"]
[templates.rack.connect]
duration = "1h"
after = ["hall:cooling"]
[templates.rack.test]
duration = "1h"
after = ["connect"]
[templates.array.accept]
duration = 0
after = ["rack:test"]
online = true
"""


def test_templates_expand_with_ids_and_truncation():
    """Tests ids like hall-A/array-01/rack-1/connect and the 'total' cap (12 racks -> 11)."""
    plan = make_plan(HIERARCHY)
    connects = [t for t in plan.tasks if t.endswith("/connect")]
    assert len(connects) == 11
    assert connects[0] == "hall-A/array-01/rack-1/connect"
    assert connects[-1] == "hall-B/array-03/rack-1/connect"
    assert "hall-B/array-03/accept" in plan.tasks


def test_references_up_and_down_the_hierarchy():
    """Tests 'hall:cooling' (this rack's hall), 'rack:test' (all racks of this array) and
    unqualified names found in an enclosing unit."""
    plan = make_plan(HIERARCHY)
    connect = plan.tasks["hall-B/array-02/rack-2/connect"]
    assert [lk.pred for lk in connect.links] == ["hall-B/cooling"]
    accept = plan.tasks["hall-A/array-01/accept"]
    assert [lk.pred for lk in accept.links] == ["hall-A/array-01/rack-1/test",
                                                "hall-A/array-01/rack-2/test"]
    assert [lk.pred for lk in plan.tasks["hall-A/cooling"].links] == ["utility"]


def test_online_counts_the_gpus_below():
    """Tests that an array's 'online' milestone carries 64 GPUs per rack it holds."""
    plan = make_plan(HIERARCHY)
    assert plan.tasks["hall-A/array-01/accept"].gpus == 128
    assert plan.tasks["hall-B/array-03/accept"].gpus == 64  # the truncated array: 1 rack
    assert sum(t.gpus for t in plan.tasks.values()) == 11 * 64


def test_colossus_plan_shape(root):
    """Tests the example: 1,563 racks of 64 GPUs = 100,032 GPUs in 196 arrays in 4 halls."""
    plan = load_plan(root / "plans" / "colossus-122d.toml")
    racks = {t.unit for t in plan.tasks.values() if t.unit.count("/") == 2}
    arrays = [t for t in plan.tasks if t.endswith("/accept")]
    assert len(racks) == 1563
    assert len(arrays) == 196
    assert sum(t.gpus for t in plan.tasks.values()) == 1563 * 64
    assert plan.targets["done-122d"].due == 122 * 24


def test_resolution_and_capacity_changes():
    """Tests 15-minute slots: a 2 h task is 8 slots; a crew change on day 2 at slot 96."""
    plan = make_plan("""
        [resources.crew]
        capacity = 1
        changes = [{ from = 2024-01-02, capacity = 3 }]
        [tasks.t]
        duration = "2h"
        uses = { crew = 1 }
    """, header="""
        [project]
        name = "quarter hours"
        start = 2024-01-01
        resolution = "15min"
    """)
    assert plan.tasks["t"].modes[0].duration == 8
    assert plan.resources["crew"].steps == ((0, 1), (96, 3))
