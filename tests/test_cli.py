"""The command line: exit codes, exact error lines, the report and the JSON schedule."""

import json
from pathlib import Path

from click.testing import CliRunner

from rackplan.cli import main

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = str(ROOT / "plans" / "tutorial.toml")
FAST = ["--time-limit", "10", "--workers", "1", "--quiet"]


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_validate_ok():
    result = run("validate", TUTORIAL)
    assert result.exit_code == 0
    assert result.output == f"{TUTORIAL}: ok: 61 tasks, 6 resources, 1 targets\n"


def test_validate_invalid_prints_every_problem_and_exits_2():
    bad = str(ROOT / "tests" / "plans" / "invalid" / "unknown-refs.toml")
    result = run("validate", bad)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert f"{bad}:23: tasks.cable.after: unknown task 'plac' (did you mean 'place'?)" in lines
    assert lines[-1] == f"rackplan: {bad}: 4 problems; nothing scheduled"
    assert "Traceback" not in result.output


def test_schedule_invalid_plan_exits_2():
    bad = str(ROOT / "tests" / "plans" / "invalid" / "cycle.toml")
    result = run("schedule", bad, *FAST)
    assert result.exit_code == 2
    assert f"{bad}:9: tasks.a.after: dependency cycle: a -> b -> c -> a" in result.stderr


def test_missing_plan_file_is_a_usage_error(tmp_path):
    result = run("schedule", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_schedule_report_and_json(tmp_path):
    out = tmp_path / "s.json"
    result = run("schedule", TUTORIAL, *FAST, "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "status              optimal (proven)" in result.output
    assert "Critical chain (what drives the finish)" in result.output
    data = json.loads(out.read_text())
    for key in ("status", "objective", "bound", "start", "finish", "slot", "makespan_slots",
                "tasks", "resources", "targets"):
        assert key in data
    assert data["status"] == "optimal"
    assert data["slot"] == "1h"
    assert data["start"] == "2024-05-06T06:00:00-05:00"
    # The optimum is 129 slots (see tests/test_solve.py for the derivations of smaller plans;
    # here the burn-in chain after the last rack's cabling fixes it): 2024-05-11 15:00 CDT.
    assert data["makespan_slots"] == data["objective"] == data["bound"] == 129
    assert data["finish"] == "2024-05-11T15:00:00-05:00"
    task = next(t for t in data["tasks"] if t["id"] == "array-01/rack-1/cool-connect")
    assert set(task) >= {"id", "name", "start", "finish", "start_slot", "finish_slot",
                         "segments", "mode", "resources", "predecessors"}
    assert task["resources"] == {"pipefitters": 1}
    assert {"task": "cooling-loop", "type": "FS", "lag_slots": 0} in task["predecessors"]
    leak = next(t for t in data["tasks"] if t["id"] == "array-01/rack-1/leak-test")
    assert leak["predecessors"] == [{"task": "array-01/rack-1/cool-connect", "type": "FS",
                                     "lag_slots": 0, "max_lag_slots": 4}]
    for t in data["tasks"]:
        assert sum(b - a for a, b in t["segments"]) >= 0
        assert not t["segments"] or (t["segments"][0][0] == t["start_slot"]
                                     and t["segments"][-1][1] == t["finish_slot"])
    riggers = next(r for r in data["resources"] if r["id"] == "riggers")
    assert riggers["capacity"] == [[0, 42, 1], [42, 129, 2]]
    assert data["targets"][0]["met"] is True
    assert data["targets"][0]["forecast_slot"] == 129


def test_paused_task_shows_two_segments(tmp_path):
    """Tests that a task paused over the 02:00-06:00 break has two segments in the JSON."""
    out = tmp_path / "s.json"
    run("schedule", TUTORIAL, *FAST, "--json", str(out))
    data = json.loads(out.read_text())
    crew_tasks = [t for t in data["tasks"] if t["calendar"] == "crews"]
    for t in crew_tasks:
        for a, b in t["segments"]:
            # slot s is 06:00 + s hours local; 02:00-06:00 is slots 20-24 mod 24.
            assert all((s % 24) not in (20, 21, 22, 23) for s in range(a, b))


def test_json_to_stdout_keeps_stdout_clean():
    result = run("schedule", TUTORIAL, *FAST, "--json", "-")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["status"] == "optimal"
    assert "Critical chain" in result.stderr


def test_json_into_missing_directory_fails_before_solving(tmp_path):
    target = tmp_path / "no" / "s.json"
    result = run("schedule", TUTORIAL, *FAST, "--json", str(target))
    assert result.exit_code == 2  # bad usage, not "no schedule"
    assert result.stderr == (f"rackplan: cannot write {target}: directory {target.parent} "
                             "does not exist; create it first\n")


def test_infeasible_plan_exits_1(tmp_path):
    plan = tmp_path / "late.toml"
    plan.write_text('[project]\nname = "late"\nstart = 2024-01-01\n'
                    '[tasks.t]\nduration = "10h"\n[targets.soon]\nby = "5h"\n')
    result = run("schedule", str(plan), *FAST)
    assert result.exit_code == 1
    assert "infeasible: no schedule satisfies the plan's hard constraints" in result.output


def test_progress_lines_on_stderr_for_long_solves():
    """Tests the progress lines of a 3 s solve of a J120 instance."""
    j120 = str(ROOT / "tests" / "data" / "psplib" / "j12012_3.sm")
    result = run("schedule", j120, "--time-limit", "3", "--workers", "1")
    assert result.exit_code == 0
    progress = [ln for ln in result.stderr.splitlines() if ln.startswith("[")]
    assert progress, result.stderr
    assert "best day" in progress[-1] and "gap" in progress[-1]


def test_infeasible_schedule_says_what_was_not_written(tmp_path):
    plan = tmp_path / "late.toml"
    plan.write_text('[project]\nname = "late"\nstart = 2024-01-01\n'
                    '[tasks.t]\nduration = "10h"\n[targets.soon]\nby = "5h"\n')
    result = run("schedule", str(plan), *FAST, "--xlsx", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 1
    assert "rackplan: no schedule, so nothing written for --xlsx" in result.stderr
    assert f"rackplan: run `rackplan check {plan}` for the plan statements that conflict" in \
        result.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_progress_line_for_the_gpu_hours_objective(capsys):
    """Tests a gpu-hours progress line: objective -600 (GPU-slots, negated), proven bound -800,
    gap (-600 - -800) / 600 = 33.3%."""
    from conftest import make_plan

    from rackplan import cli

    plan = make_plan('[tasks.t]\nduration = "1h"\ngpus = 8\n[objective]\nkind = "gpu-hours"\n'
                     'until = "10h"\n')
    cli._progress(plan)(2.0, -600, -800)
    assert capsys.readouterr().err == "[    2s]  best objective -600  bound -800  gap 33.3%\n"
