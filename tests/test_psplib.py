"""PSPLIB instances solved to their published optima (a handful of J30, single- and multi-mode)."""

from pathlib import Path

import pytest

from rackplan.scheduler.cpsat import SolveOptions, solve
from rackplan.scheduler.load import load_plan
from rackplan.scheduler.schedule import SolveStatus

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


MM_OPTIMA = {line.split()[0]: line.split()[1] for line in (DATA / "mm_opt.txt").read_text()
             .splitlines()}


@pytest.mark.parametrize("name", sorted(MM_OPTIMA))
def test_mrcpsp_solved_to_known_optimum_or_infeasible(name):
    """Tests multi-mode J30 (.mm, non-renewable resources as budgets): the published optimum is
    proven, and an instance whose budgets no mode choice fits is reported infeasible."""
    plan = load_plan(DATA / f"{name}.mm")
    result = solve(plan, SolveOptions(time_limit=20, workers=1, seed=0))
    if MM_OPTIMA[name] == "infeasible":
        assert result.status == SolveStatus.INFEASIBLE
    else:
        assert result.status == SolveStatus.OPTIMAL
        assert result.makespan == int(MM_OPTIMA[name])


def test_mrcpsp_plan_shape():
    """Tests the multi-mode reading: 3 modes per job, continuation rows, N1/N2 as budgets."""
    plan = load_plan(DATA / "j3010_1.mm")
    assert len(plan.tasks) == 32 and len(plan.tasks["2"].modes) == 3
    # job 2: "1 3 0 8 0 6" then "2 6 0 8 0 1" and "3 10 0 6 7 0"
    assert plan.tasks["2"].modes[0].duration == 3
    assert plan.tasks["2"].modes[0].demands == {"R2": 8}
    assert plan.tasks["2"].modes[1].spends == {"N2": 1}
    assert plan.tasks["2"].modes[2].spends == {"N1": 7}
    assert plan.budgets["N1"].total == 83 and plan.budgets["N2"].total == 99
    assert plan.resources["R1"].max_capacity == 28


def test_truncated_psplib_file_is_refused_cleanly(tmp_path):
    """Tests that a broken PSPLIB file gets a one-line error instead of a traceback."""
    from rackplan.scheduler.errors import PlanInvalid

    mm = tmp_path / "x.mm"
    mm.write_text("RESOURCES\n  - renewable                 :  2   R\n"
                  "  - nonrenewable              :  2   N\n")
    with pytest.raises(PlanInvalid) as info:
        load_plan(mm)
    assert info.value.lines()[0].endswith("not a PSPLIB .sm/.mm file: missing section "
                                          "'PRECEDENCE RELATIONS:'")
