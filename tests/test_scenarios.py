"""Scenarios (issue 17): `--set PATH=VALUE`, `[scenarios.NAME]`, and `rackplan compare`."""

import json

import pytest
from click.testing import CliRunner

from rackplan.cli import main
from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.load import plan_from_toml
from rackplan.scheduler.overrides import parse_set

PLAN = """
[project]
name = "two tasks"
start = 2024-01-01T00:00:00
[resources.crew]
capacity = 1
[tasks.a]
duration = "4h"
uses = { crew = 1 }
[tasks.b]
duration = "4h"
uses = { crew = 1 }
[targets.done]
by = "6h"
hard = false

[scenarios.two-crews]
"resources.crew.capacity" = 2
[scenarios.longer]
"tasks.a.duration" = "6h"
"""


def test_parse_set_reads_toml_values_and_bare_words():
    assert parse_set("resources.crew.capacity=2") == ("resources.crew.capacity", 2)
    assert parse_set("tasks.a.duration=6h") == ("tasks.a.duration", "6h")
    assert parse_set('tasks.a.duration="6h"') == ("tasks.a.duration", "6h")
    with pytest.raises(ValueError, match="write PATH=VALUE"):
        parse_set("resources.crew.capacity")


def test_a_scenario_and_a_set_change_the_plan():
    """Tests the order: the scenario first, --set on top of it."""
    assert plan_from_toml("p.toml", PLAN, scenario="two-crews").resources["crew"].steps == \
        ((0, 2),)
    plan = plan_from_toml("p.toml", PLAN, scenario="two-crews",
                          sets=[("resources.crew.capacity", 3)])
    assert plan.resources["crew"].steps == ((0, 3),)


@pytest.mark.parametrize("kwargs, line", [
    ({"sets": [("resources.crw.capacity", 2)]},
     "p.toml: --set resources.crw.capacity: resources has no 'crw' (did you mean 'crew'?)"),
    ({"scenario": "three-crews"},
     "p.toml: scenarios.three-crews: no scenario 'three-crews' (did you mean 'two-crews'?); the "
     "plan has two-crews, longer"),
    ({"sets": [("resources.crew.capacity", -1)]},
     "p.toml:6: resources.crew.capacity: must be a whole number >= 0, got -1"),
])
def test_bad_overrides_are_one_line_errors(kwargs, line):
    with pytest.raises(PlanInvalid) as err:
        plan_from_toml("p.toml", PLAN, **kwargs)
    assert err.value.lines() == [line]


def test_compare_puts_scenarios_side_by_side(tmp_path):
    """Tests the table and JSON. Base: one crew, 4 + 4 h: finish 8, 2 h late. two-crews: both
    at once, finish 4. longer: 6 + 4 h = 10."""
    path = tmp_path / "p.toml"
    path.write_text(PLAN)
    out = tmp_path / "c.json"
    result = CliRunner().invoke(main, ["compare", str(path), "--workers", "1",
                                       "--time-limit", "10", "--json", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["base", "two-crews", "longer"]
    assert lines[4].split() == ["finish", "(day)", "0.3", "0.2", "0.4"]
    doc = json.loads(out.read_text())
    assert [(s["name"], s["finish_slot"]) for s in doc["scenarios"]] == \
        [("base", 8), ("two-crews", 4), ("longer", 10)]
    assert [s["peaks"]["crew"] for s in doc["scenarios"]] == [1, 2, 1]
    only = CliRunner().invoke(main, ["compare", str(path), "--scenario", "longer",
                                     "--set", "resources.crew.capacity=2", "--workers", "1",
                                     "--json", "-"])
    assert [(s["name"], s["finish_slot"]) for s in json.loads(only.stdout)["scenarios"]] == \
        [("base", 4), ("longer", 6)]


def test_compare_writes_a_workbook(tmp_path):
    """The Compare sheet: a column per scenario, the finish days as numbers (base 8 h = 0.33
    d, two-crews 4 h = 0.17 d, longer 10 h = 0.42 d) under a chart."""
    import zipfile

    from openpyxl import load_workbook

    path = tmp_path / "p.toml"
    path.write_text(PLAN)
    out = tmp_path / "c.xlsx"
    result = CliRunner().invoke(main, ["compare", str(path), "--workers", "1",
                                       "--time-limit", "10", "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    ws = load_workbook(out)["Compare"]
    assert [c.value for c in ws[2]] == [None, "base", "two-crews", "longer"]
    assert [c.value for c in ws[5]] == ["finish (day)", 0.33, 0.17, 0.42]
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())
