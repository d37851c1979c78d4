"""Issue 13's defects, one regression test each: wrong answers, hangs and time limits,
tracebacks, exit codes and Ctrl-C. Plans are written out here so each test shows its case."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_plan

from rackplan.cli import main
from rackplan.scheduler.check import check
from rackplan.scheduler.cpsat import SolveOptions, solve
from rackplan.scheduler.heuristic import list_schedule
from rackplan.scheduler.load import plan_from_toml
from rackplan.scheduler.schedule import SolveStatus
from rackplan.scheduler.verify import verify

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = (ROOT / "plans" / "tutorial.toml").read_text()
QUIET = ["--workers", "1", "--quiet"]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def write(tmp_path, text: str, name: str = "plan.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def within_limit(started: float, limit: float) -> bool:
    """The promise of --time-limit: the whole command within the limit + 10% + 1 s."""
    return time.monotonic() - started <= 1.1 * limit + 1


COOLING = (ROOT / "plans" / "cooling-max-lag.toml").read_text()


# -- wrong answers -------------------------------------------------------------------------------
def test_max_lags_on_a_shared_crew_always_get_a_schedule():
    """Tests issue 13 item 1: 300 cool-connects (4 pipefitters, 06-16) each followed within 2 h
    by a 4 h leak test on 3 gauges. The list scheduler delays a cool-connect until its leak
    test fits, so it finds a verified schedule at once, and the solve keeps one."""
    plan = plan_from_toml("cooling.toml", COOLING)
    heuristic = list_schedule(plan, time_budget=20)
    assert heuristic is not None and verify(plan, heuristic) == []
    result = solve(plan, SolveOptions(time_limit=3, workers=1))
    assert result.status.has_schedule and verify(plan, result.tasks) == []


def test_ordering_only_through_storage_is_scheduled_within_the_limit(tmp_path):
    """Tests item 2: the tutorial with `position` ordered after `receive` only by the staging
    area (it empties what receive fills): a verified schedule within --time-limit 3."""
    text = TUTORIAL.replace('[templates.rack.position]\nafter = ["receive"]\n',
                            "[templates.rack.position]\n")
    assert text != TUTORIAL
    plan = plan_from_toml("storage.toml", text)
    assert verify(plan, list_schedule(plan)) == []
    started = time.monotonic()
    result = run("schedule", write(tmp_path, text), "--time-limit", 3, *QUIET)
    assert result.exit_code == 0, result.output
    assert within_limit(started, 3)


MILESTONE = """
[tasks.a]
duration = "1h"
[tasks.m]
duration = 0
not_before = "3d"
after = ["a"]
[targets.t]
finish = "all"
by = "2d"
"""


def test_a_hard_date_before_a_release_is_infeasible_not_an_internal_error(tmp_path):
    """Tests item 3: a milestone not before day 3 and everything due by day 2: infeasible
    (exit 1), and check names both statements."""
    plan = make_plan(MILESTONE)
    assert solve(plan, SolveOptions(time_limit=5, workers=1)).status == SolveStatus.INFEASIBLE
    path = write(tmp_path, "[project]\nname = 'm'\nstart = 2024-01-01T00:00:00\n" + MILESTONE)
    result = run("schedule", path, "--time-limit", 5, *QUIET)
    assert result.exit_code == 1 and "INTERNAL" not in result.output
    assert "infeasible" in result.output
    report = check(plan_from_toml(str(path), path.read_text()), 5, 1)
    assert report.outcome == "misses"
    assert report.conflict == ["targets.t", "tasks.m.not_before"]


LATE_TRUCK = """
[resources.riggers]
capacity = 1
[deliveries.racks]
item = "rack"
quantity = 2
batches = [{ at = "2h", quantity = 1 }, { at = "50h", quantity = 1 }]
[[levels]]
name = "rack"
count = 2
id = "rack-{1}"
[templates.rack.position]
needs = "rack"
duration = "4h"
uses = { riggers = 1 }
[targets.done]
finish = "all"
by = "24h"
"""


@pytest.mark.parametrize("limit", [0.5, 5])
def test_check_blames_the_late_delivery_on_every_run(limit):
    """Tests item 4: the second rack arrives at 50 h, so even with unlimited riggers the plan
    ends no sooner than 54 h, after the 24 h target. The cause is the delivery, not the
    riggers, whatever the time limit; the conflict is reported even when there is no time to
    prove it minimal."""
    report = check(make_plan(LATE_TRUCK), limit, 1)
    assert report.outcome == "misses"
    (miss,) = report.misses
    assert (miss.cause, miss.cause_at, miss.earliest, miss.bottleneck) == \
        ("deliveries.racks", 50, 54, None)
    assert report.conflict == ["deliveries.racks", "targets.done"]


# -- hangs and time limits -----------------------------------------------------------------------
def _fiber_changes(capacity: int) -> str:
    return TUTORIAL.replace("[resources.fiber]\ncapacity = 2\n",
                            f'[resources.fiber]\ncapacity = 2\nchanges = [{{ from = "36h", '
                            f"capacity = {capacity} }}]\n")


def test_a_mode_that_no_longer_fits_does_not_stall_the_solve(tmp_path):
    """Tests item 5: fiber drops from 2 to 1 at 36 h, so the 2-fiber cabling mode fits only
    before then; the schedule comes within --time-limit 3."""
    started = time.monotonic()
    result = run("schedule", write(tmp_path, _fiber_changes(1)), "--time-limit", 3, *QUIET)
    assert result.exit_code == 0, result.output
    assert within_limit(started, 3)


def test_a_crew_cut_to_zero_for_good_is_infeasible_at_once():
    """Tests item 5: with no fiber from 36 h on, the racks arriving on day 2 can never be
    cabled: infeasible, proven before any search."""
    plan = plan_from_toml("zero.toml", _fiber_changes(0))
    started = time.monotonic()
    assert solve(plan, SolveOptions(time_limit=10, workers=1)).status == SolveStatus.INFEASIBLE
    assert time.monotonic() - started < 5


def test_check_keeps_to_its_time_limit(tmp_path):
    """Tests item 6 on the plan that misses its target (explanations and all): within 2 s."""
    started = time.monotonic()
    result = run("check", ROOT / "plans" / "check-misses.toml", "--time-limit", 2, *QUIET)
    assert result.exit_code in (1, 3)
    assert within_limit(started, 2)


def test_a_heavy_soft_target_penalty_does_not_blow_up_the_model():
    """Tests item 6: a 10 h task with a soft target due at 2 h, 1,000 per hour late. The list
    schedule scores 10 + 1,000 x 8 = 8,010, which was the horizon (the model's start domains
    grow with it: a 1,500-task plan took minutes and 9 GB to build). Now the horizon is the
    schedule's finish plus a day, 10 + 24 = 34 slots, marked not exact; the bound comes from
    bounds.py (the target cannot be reached before 10: 8 h late), so the answer is still
    proven optimal at 8,010."""
    from rackplan.scheduler.calendar import Calendars
    from rackplan.scheduler.cpsat.solve import _horizon

    plan = make_plan("""
[tasks.a]
duration = "10h"
[targets.soon]
by = "2h"
hard = false
penalty = 1000
""")
    cals = Calendars(plan)
    assert _horizon(plan, cals, list_schedule(plan, cals), True, 10) == (34, False)
    result = solve(plan, SolveOptions(time_limit=5, workers=1))
    assert (result.status, result.objective, result.bound) == (SolveStatus.OPTIMAL, 8010, 8010)


def test_a_huge_delivery_is_refused_quickly(tmp_path):
    """Tests item 7: 50,000,000 racks would become 50 million release dates."""
    text = TUTORIAL.replace("quantity = 8\n", "quantity = 50000000\n")
    path = write(tmp_path, text)
    started = time.monotonic()
    result = run("validate", path)
    assert time.monotonic() - started < 5
    assert result.exit_code == 2
    assert f"{path}:39: deliveries.racks.quantity: 50,000,000 units is more than the limit of " \
           "250,000 (project.max_tasks); a delivery brings at most one unit per task that " \
           "needs it" in result.stderr.splitlines()


# -- tracebacks become one-line errors -----------------------------------------------------------
HEAD = '[project]\nname = "t"\nstart = 2024-05-06T06:00:00\ntimezone = "UTC"\n'
TASK = '[tasks.a]\nduration = "1h"\n'


@pytest.mark.parametrize("body, line", [
    ("", 'plan.toml: tasks: the plan has no tasks; add [tasks.ID] or [templates.LEVEL.STEP] '
         'with a duration'),
    ('[calendars.c]\n[resources.r]\ncapacity = 1\ncalendar = ["c"]\n' + TASK,
     "plan.toml:8: resources.r.calendar: must be the name of a calendar, got ['c']"),
    ('[calendars.c]\n[tasks.a]\nduration = "1h"\ncalendar = ["c"]\n',
     "plan.toml:8: tasks.a.calendar: must be the name of a calendar, got ['c']"),
    ('[storage.s]\ncapacity = 1\n[deliveries.d]\nitem = "x"\nquantity = 1\nfirst = "1h"\n'
     'per_day = 1\ninto = ["s"]\n' + TASK,
     "plan.toml:12: deliveries.d.into: must be the name of a storage, got ['s']"),
    ('[[levels]]\nname = "rack"\ncount = 1\n[templates]\nrack = "oops"\n' + TASK,
     "plan.toml:9: templates.rack: must be a table of steps, e.g. [templates.rack.receive]"),
    ('[tasks.a]\nduration = "1h"\nnot_before = 0001-01-01\n',
     "plan.toml:7: tasks.a.not_before: 0001-01-01 is more than 3,660 days before the project "
     "start (2024-05-06); check the year"),
    ('[tasks.a]\nduration = "1h"\nnot_before = 0001-01-01T00:00:00+05:00\n',
     "plan.toml:7: tasks.a.not_before: 0001-01-01T00:00:00+05:00 is out of range; give a date "
     "within 3,660 days of the project start"),
    (TASK + '[targets.t]\nby = 9999-12-31T23:00:00\n',
     "plan.toml:8: targets.t.by: 9999-12-31T23:00:00 is more than 3,660 days after the project "
     "start (2024-05-06); check the year"),
    ('[tasks.a]\nduration = "1h"\nafter = [{ task = "b", lag = "99999w" }]\n'
     '[tasks.b]\nduration = "1h"\n',
     "plan.toml:7: tasks.a.after.lag: '99999w' is longer than 3,660 days, the longest span a "
     "plan may cover"),
    ('[calendars.c]\nshifts = ["06:00-06:01"]\n' + TASK,
     "plan.toml:6: calendars.c.shifts[0]: does not start and end on the project's 1h slots; "
     "round it to whole slots or use a finer project.resolution"),
])
def test_wrong_values_are_one_line_errors(tmp_path, monkeypatch, body, line):
    """Tests items 8, 10, 11 and 12: each mistake gives its one line with file:line, exit 2."""
    _assert_refused(tmp_path, monkeypatch, HEAD + body, line)


def _assert_refused(tmp_path, monkeypatch, text: str, line: str) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, text)
    result = run("validate", "plan.toml")
    assert result.exit_code == 2, result.output
    assert line in result.stderr.splitlines()
    assert "Traceback" not in result.output


@pytest.mark.parametrize("head, line", [
    ('[project]\nname = "t"\nstart = 0001-01-01T00:00:00\n',
     "plan.toml:3: project.start: 0001-01-01T00:00:00 is not a plausible project start; give a "
     "date between 1970 and 2200"),
    ('[project]\nname = "t"\nstart = 2024-01-01T00:00:00\ntimezone = -21600\n',
     "plan.toml:4: project.timezone: unknown time zone -21600; use an IANA name like "
     "'America/Chicago' or 'UTC'"),
    ('[project]\nname = "t"\nstart = 2024-01-01T00:00:00\ntimezone = 5\n',
     "plan.toml:4: project.timezone: unknown time zone 5; use an IANA name like "
     "'America/Chicago' or 'UTC'"),
    ('[project]\nname = "t"\nstart = 2024-01-01T00:00:00\n[tasks.a]\nduration = "1h"\nx = '
     + "{a=" * 400 + "1" + "}" * 400 + "\n",
     "plan.toml: invalid TOML: tables or arrays nested too deeply; a plan needs at most a few "
     "levels"),
])
def test_project_mistakes_are_one_line_errors(tmp_path, monkeypatch, head, line):
    """Tests item 11: extreme dates, numbers for time zones, absurd nesting."""
    _assert_refused(tmp_path, monkeypatch, head + TASK, line)


def test_deliveries_before_the_start_into_storage(tmp_path):
    """Tests item 9: racks delivered into staging a day before the start are there at the
    start; the schedule is verified (it was an IndexError in the list scheduler)."""
    text = TUTORIAL.replace("first = 2024-05-06T08:00:00\n",
                            'first = 2024-05-05T08:00:00\ninto = "staging"\n')
    text = text.replace('fills = "staging"                    # the uncrated rack waits in '
                        'staging\n', "")
    text = text.replace('[templates.rack.position]\nafter = ["receive"]\n',
                        "[templates.rack.position]\n")
    # Room for all 8: 4 in staging at the start and 4 more at 08:00 before one rigger could
    # have positioned 4 racks of 2 h each.
    text = text.replace("[storage.staging]                    # room for 4 uncrated racks "
                        "between the dock and the floor\ncapacity = 4", "[storage.staging]\n"
                        "capacity = 8")
    plan = plan_from_toml("early.toml", text)
    assert plan.storages["staging"].arrivals[0] == (0, 4)
    result = solve(plan, SolveOptions(time_limit=5, workers=1))
    assert result.status.has_schedule and verify(plan, result.tasks) == []


def test_a_template_typo_is_one_line_not_one_per_unit(tmp_path, monkeypatch):
    """Tests item 15: a misspelt reference in a template expanded for 1,563 racks."""
    text = (ROOT / "plans" / "colossus-122d.toml").read_text()
    typo = text.replace('[templates.rack.power]\nafter = ["position", "hall:energise"]',
                        '[templates.rack.power]\nafter = ["positon", "hall:energise"]', 1)
    assert typo != text
    monkeypatch.chdir(tmp_path)
    write(tmp_path, typo)
    result = run("validate", "plan.toml")
    lines = result.stderr.splitlines()
    assert len(lines) == 2, lines
    assert "unknown task 'positon' (did you mean 'position'?)" in lines[0]
    assert lines[1] == "rackplan: plan.toml: 1 problem; nothing scheduled"


def test_a_task_held_by_an_early_delivery_is_not_a_dangling_start():
    """Tests item 15: the no-predecessor lint skips tasks whose rack arrived by the start."""
    from rackplan.scheduler.lint import lint

    text = TUTORIAL.replace("first = 2024-05-06T08:00:00\n", "first = 2024-05-01T08:00:00\n")
    rules = {(w.rule, w.where) for w in lint(plan_from_toml("t.toml", text))}
    assert ("no-predecessor", "templates.rack.receive") not in rules


# -- exit codes and outputs ----------------------------------------------------------------------
@pytest.mark.parametrize("command, option", [("schedule", "--json"), ("check", "--junit"),
                                             ("check", "--json"), ("schedule", "--xlsx")])
def test_an_unwritable_output_is_bad_usage(tmp_path, command, option):
    """Tests item 13: a missing directory exits 2 (not 1, "no schedule"), before solving."""
    target = tmp_path / "missing-dir" / "out"
    result = run(command, ROOT / "plans" / "tutorial.toml", option, target, *QUIET)
    assert result.exit_code == 2
    assert result.stderr == (f"rackplan: cannot write {target}: directory {target.parent} "
                             "does not exist; create it first\n")


def test_a_workbook_to_stdout_is_refused_before_solving():
    """Tests item 13: `--xlsx -` is refused at once, not after the solve."""
    started = time.monotonic()
    result = run("schedule", ROOT / "plans" / "colossus-122d.toml", "--xlsx", "-", *QUIET)
    assert result.exit_code == 2
    assert result.stderr == ("rackplan: cannot write an Excel workbook to stdout; give a file "
                             "name\n")
    assert time.monotonic() - started < 2


def test_ctrl_c_twice_still_writes_the_schedule(tmp_path):
    """Tests item 14: two Ctrl-Cs 0.3 s apart during a long solve: the first stops it, the
    second is only noted; the report and the JSON are written, marked interrupted. The plan
    is one of bench/varied.py's (seed 103, 652 tasks, 0.8% from its bound at 30 s), whose proof
    takes far longer than the test (seed 3's list schedule now meets its bound at once).
    """
    plan = ROOT / "tests" / "data" / "varied-103.toml"
    out = tmp_path / "s.json"
    proc = subprocess.Popen([sys.executable, "-c", "from rackplan.cli import main; main()",
                             "schedule", str(plan), "--time-limit", "120", "--workers", "1",
                             "--json", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    # Wait for the first progress line with a schedule in it, however slow the machine.
    assert proc.stderr is not None
    for line in proc.stderr:
        if "best " in line:
            break
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "search stopped by Ctrl-C" in stdout
    doc = json.loads(out.read_text())
    assert doc["interrupted"] is True and doc["status"] == "feasible"
    assert len(doc["tasks"]) == 652


def test_the_paths_the_readme_and_the_workflow_name_exist():
    """Tests item 15: every repository path in the README's commands exists in a clone (the
    PSPLIB example pointed outside it), and the CI workflow creates the folder its JUnit
    reports go to."""
    import re

    readme = (ROOT / "README.md").read_text()
    paths = set(re.findall(r"(?:plans|tests|docs|bench)/[\w./-]+\.(?:toml|sm|mm|yml|py)", readme))
    assert "tests/data/psplib/j301_1.sm" in paths
    assert [p for p in sorted(paths) if not (ROOT / p).exists()] == []
    workflow = (ROOT / "docs" / "rackplan-check.yml").read_text()
    assert workflow.index("mkdir -p reports") < workflow.index('--junit "reports/')
