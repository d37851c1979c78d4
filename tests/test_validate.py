"""Invalid plans: each file in tests/plans/invalid states, as '# error:' lines, every problem it
must produce, exactly and in order."""

from pathlib import Path

import pytest

from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.load import load_plan

INVALID = Path(__file__).parent / "plans" / "invalid"


def _expected(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    return [ln.removeprefix("# error: ").replace("{file}", str(path))
            for ln in lines if ln.startswith("# error: ")]


@pytest.mark.parametrize("path", sorted(INVALID.glob("*.toml")), ids=lambda p: p.stem)
def test_invalid_plan_reports_every_problem(path):
    """Tests that an invalid plan raises PlanInvalid with exactly the stated lines."""
    expected = _expected(path)
    assert expected, f"{path} states no expected error"
    with pytest.raises(PlanInvalid) as info:
        load_plan(path)
    assert info.value.lines() == expected


def test_example_plans_are_valid(root):
    """Tests that every plan in plans/ loads without problems."""
    for path in sorted((root / "plans").glob("*.toml")):
        load_plan(path)


def test_max_tasks_override_refuses_big_plan(root):
    """Tests the configurable expansion bound on the real colossus plan."""
    with pytest.raises(PlanInvalid) as info:
        load_plan(root / "plans" / "colossus-122d.toml", max_tasks=1000)
    assert "the templates expand to 14,678 tasks, more than the limit of 1,000" in str(info.value)


def test_unreadable_file_is_a_problem_not_a_traceback(tmp_path):
    """Tests a plan that is not UTF-8."""
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PlanInvalid) as info:
        load_plan(bad)
    assert info.value.lines()[0].startswith(f"{bad}: cannot read the plan:")
