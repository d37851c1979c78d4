"""Critical chain, peaks, and the solve's guarantees: never worse than the heuristic, statuses."""

from pathlib import Path

from click.testing import CliRunner
from conftest import FAST, make_plan

from rackplan.cli import main
from rackplan.scheduler.cpsat import SolveOptions, solve
from rackplan.scheduler.explain import critical_chain, peaks
from rackplan.scheduler.heuristic import list_schedule
from rackplan.scheduler.load import load_plan
from rackplan.scheduler.plan import Target
from rackplan.scheduler.schedule import SolveStatus, objective_value

J120 = Path(__file__).parent / "data" / "psplib" / "j12012_3.sm"

CREW = """
[resources.crew]
capacity = 1
[tasks.x]
duration = "3h"
uses = { crew = 1 }
[tasks.y]
duration = "2h"
uses = { crew = 1 }
[tasks.z]
duration = "1h"
after = ["y"]
"""


def test_critical_chain_names_the_crew_wait():
    """Tests the chain of the unique optimum y[0,2) z[2,3) x[2,5): x waits for the crew."""
    # x first would give x[0,3) y[3,5) z[5,6) -> 6; the optimum is 5 with x last.
    s = solve(make_plan(CREW), FAST)
    assert s.makespan == 5
    chain = critical_chain(s)
    assert [(c.task, c.start, c.finish, c.reason) for c in chain] == [
        ("y", 0, 2, "starts with the project"),
        ("x", 2, 5, "waits for crew (busy with y)"),
    ]


def test_peaks_and_busy_share():
    """Tests peak use 1 of 1 and a busy share of 5 crew-hours over 5 hours = 100%."""
    s = solve(make_plan(CREW), FAST)
    (peak,) = peaks(s)
    assert (peak.resource, peak.peak, peak.capacity, peak.at) == ("crew", 1, 1, 0)
    assert peak.utilisation == 1.0


def test_answer_never_worse_than_the_heuristic():
    """Tests on a J120 instance with a 1 s limit that CP-SAT's answer is at most the heuristic's."""
    plan = load_plan(J120)
    seed = list_schedule(plan)
    s = solve(plan, SolveOptions(time_limit=1, workers=1, seed=0))
    assert s.status.has_schedule
    assert s.objective <= objective_value(plan, seed, 0)


def test_no_schedule_in_time_is_unknown():
    """Tests a hard target at the best proven lower bound (132; best known 136): in 1 s neither
    a schedule nor a proof of infeasibility is found, so the status is 'unknown' (exit 1)."""
    plan = load_plan(J120)
    plan.targets = {"t": Target("t", 132, True)}
    s = solve(plan, SolveOptions(time_limit=1, workers=1, seed=0))
    assert s.status == SolveStatus.UNKNOWN
    assert not s.tasks


def _as_toml(plan, due: int) -> str:
    """A PSPLIB plan written in rackplan's own language, with a hard finish target."""
    out = ['[project]\nname = "j120"\nstart = 2000-01-01\n']
    for rid, res in plan.resources.items():
        out.append(f"[resources.{rid}]\ncapacity = {res.max_capacity}\n")
    for tid, task in plan.tasks.items():
        uses = ", ".join(f"{r} = {q}" for r, q in task.modes[0].demands.items())
        after = ", ".join(f'"j{lk.pred}"' for lk in task.links)
        out.append(f"[tasks.j{tid}]\nduration = {task.modes[0].duration}\n"
                   + (f"uses = {{ {uses} }}\n" if uses else "")
                   + (f"after = [{after}]\n" if after else ""))
    out.append(f"[targets.t]\nby = \"{due}h\"\n")
    return "".join(out)


def test_unknown_status_in_the_cli(tmp_path):
    """Tests the CLI wording and exit status 1 for 'no schedule found in time' (the J120
    instance above with the target at its proven lower bound)."""
    plan = tmp_path / "tight.toml"
    plan.write_text(_as_toml(load_plan(J120), 132))
    result = CliRunner().invoke(main, ["schedule", str(plan), "--time-limit", "1", "-q",
                                       "--workers", "1"])
    assert result.exit_code == 1, result.output
    assert "no schedule found within the time limit" in result.output


def test_gap_limit_accepts_a_close_enough_schedule():
    """Tests --gap on CREW: the list scheduler finishes at 6 (x first), the crew's workload
    proves 5, a gap of 1/6 = 16.7%. A 20% limit keeps the heuristic's schedule without a
    search; a 10% limit searches on to the optimum 5."""
    plan = make_plan(CREW)
    loose = solve(plan, SolveOptions(time_limit=10, workers=1, seed=0, gap_limit=0.20))
    assert (loose.status, loose.makespan, loose.bound, loose.source) == (
        SolveStatus.FEASIBLE, 6, 5, "heuristic")
    tight = solve(plan, SolveOptions(time_limit=10, workers=1, seed=0, gap_limit=0.10))
    assert (tight.status, tight.makespan) == (SolveStatus.OPTIMAL, 5)
    result = CliRunner().invoke(main, ["schedule", "--help"])
    assert "--gap PERCENT" in result.output
