"""PSPLIB single-mode instances solved to their published optima (J30, a handful)."""

from pathlib import Path

import pytest

from scheduler.cpsat import SolveOptions, solve
from scheduler.load import load_plan
from scheduler.schedule import SolveStatus

DATA = Path(__file__).parent / "data" / "psplib"
OPTIMA = {line.split()[0]: int(line.split()[1]) for line in (DATA / "opt.txt").read_text()
          .splitlines()}


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_j30_solved_to_known_optimum(name):
    """Tests that rackplan proves the published optimal makespan."""
    plan = load_plan(DATA / f"{name}.sm")
    result = solve(plan, SolveOptions(time_limit=20, workers=1, seed=0))
    assert result.status == SolveStatus.OPTIMAL
    assert result.makespan == OPTIMA[name]


def test_psplib_plan_shape():
    """Tests the reading: 32 jobs with ids as written, 4 resources, job 1 and 32 as milestones."""
    plan = load_plan(DATA / "j301_1.sm")
    assert list(plan.tasks)[:3] == ["1", "2", "3"]
    assert len(plan.tasks) == 32
    assert plan.resources["R1"].max_capacity == 12
    assert plan.tasks["1"].is_milestone and plan.tasks["32"].is_milestone
    assert [lk.pred for lk in plan.tasks["6"].links] == ["2"]


def test_multi_mode_file_is_refused_cleanly(tmp_path):
    """Tests that a .mm file gets a one-line error instead of a traceback."""
    from scheduler.errors import PlanInvalid

    mm = tmp_path / "x.mm"
    mm.write_text("RESOURCES\n  - renewable                 :  2   R\n"
                  "  - nonrenewable              :  2   N\n")
    with pytest.raises(PlanInvalid) as info:
        load_plan(mm)
    assert "not a PSPLIB .sm file" in info.value.lines()[0]
