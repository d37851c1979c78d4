"""Progress in (issue 14, first slice): actuals up to a status date, the plan of the work that
remains, and the re-forecast that keeps the actuals."""

import json

import pytest
from click.testing import CliRunner
from conftest import FAST, make_plan

from rackplan.cli import main
from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.progress import (check_actuals, merge, overtime, read_progress,
                                         remaining_plan)
from rackplan.scheduler.verify import verify

# A chain a -> b -> c of 4 h each, no calendar; Monday 2024-01-01 00:00 is slot 0.
CHAIN = """
[resources.crew]
capacity = 1
[tasks.a]
duration = "4h"
uses = { crew = 1 }
[tasks.b]
duration = "4h"
uses = { crew = 1 }
after = ["a"]
[tasks.c]
duration = "4h"
after = ["b"]
"""
HEAD = "task,actual_start,actual_finish,percent_complete,remaining,status_date\n"


def _progress(tmp_path, rows: str, plan, as_of=None):
    path = tmp_path / "progress.csv"
    path.write_text(HEAD + rows)
    return read_progress(path, plan, as_of)


def _late_a(tmp_path, extra: str = ""):
    """(plan, baseline JSON, progress CSV): the chain scheduled as committed, then a finished
    2 h late at 06:00, the status date."""
    plan = tmp_path / "chain.toml"
    plan.write_text('[project]\nname = "chain"\nstart = 2024-01-01T00:00:00\n' + CHAIN + extra)
    base = tmp_path / "base.json"
    done = CliRunner().invoke(main, ["schedule", str(plan), "-q", "--workers", "1", "--json",
                                     str(base)])
    assert done.exit_code == 0, done.output
    progress = tmp_path / "p.csv"
    progress.write_text(HEAD + "a,2024-01-01T00:00,2024-01-01T06:00,,,2024-01-01T06:00\n")
    return plan, base, progress


@pytest.mark.parametrize("rows, finishes", [
    # a done 0-4, b started at 4 with 2 h left at 06:00: b ends 8, c 8-12 (as planned).
    ("a,2024-01-01T00:00,2024-01-01T04:00,,,2024-01-01T06:00\nb,2024-01-01T04:00,,,2h,\n",
     {"a": 4, "b": 8, "c": 12}),
    # a ran late, 0-6; b not started at 06:00: b 6-10, c 10-14.
    ("a,2024-01-01T00:00,2024-01-01T06:00,,,2024-01-01T06:00\n", {"a": 6, "b": 10, "c": 14}),
    # b 25% done at 06:00 (started 5): 3 h left, b ends 9, c 9-13.
    ("a,2024-01-01T00:00,2024-01-01T04:00,,,2024-01-01T06:00\nb,2024-01-01T05:00,,25,,\n",
     {"a": 4, "b": 9, "c": 13}),
])
def test_the_re_forecast_keeps_the_actuals(tmp_path, rows, finishes):
    plan = make_plan(CHAIN)
    progress = _progress(tmp_path, rows, plan)
    future = remaining_plan(plan, progress)
    result = solve(future, FAST)
    assert verify(future, result.tasks) == []
    whole = merge(plan, progress, result)
    assert check_actuals(whole, progress) == []
    assert {t: st.finish for t, st in whole.tasks.items()} == finishes


def test_nothing_unstarted_starts_before_the_status_date(tmp_path):
    """Tests an empty progress at 10:00: the whole chain moves to 10, 14, 18, 22."""
    plan = make_plan(CHAIN)
    progress = _progress(tmp_path, "", plan, as_of="2024-01-01T10:00")
    result = solve(remaining_plan(plan, progress), FAST)
    assert [result.tasks[t].start for t in "abc"] == [10, 14, 18]


def test_out_of_sequence_retained_or_overridden(tmp_path):
    """Tests b (no crew here) started at 1 while a is still running at 02:00 with 2 h left:
    retained logic keeps the rest of b after a (a ends 4, so b's remaining 3 h start at 4);
    override drops the link, so b's rest starts at the status date, 2."""
    plan = make_plan(CHAIN.replace('uses = { crew = 1 }\nafter = ["a"]', 'after = ["a"]'))
    rows = ("a,2024-01-01T00:00,,,2h,2024-01-01T02:00\n"
            "b,2024-01-01T01:00,,,3h,\n")
    progress = _progress(tmp_path, rows, plan)
    retained = solve(remaining_plan(plan, progress), FAST)
    assert (retained.tasks["a"].finish, retained.tasks["b"].start) == (4, 4)
    overridden = solve(remaining_plan(plan, progress, override=True), FAST)
    assert overridden.tasks["b"].start == 2  # b no longer waits for a (no crew on b here)


def test_overtime_in_the_past_is_a_warning(tmp_path):
    """Tests actuals that ran two tasks at once on a crew of one: accepted, said."""
    plan = make_plan(CHAIN.replace('after = ["a"]\n', "", 1))
    rows = ("a,2024-01-01T00:00,2024-01-01T04:00,,,2024-01-01T06:00\n"
            "b,2024-01-01T00:00,2024-01-01T04:00,,,\n")
    assert overtime(plan, _progress(tmp_path, rows, plan)) == [
        "crew: 2 at once at 2024-01-01 00:00, capacity 1: accepted as what happened"]


@pytest.mark.parametrize("rows, line", [
    ("d,2024-01-01T00:00,,,,2024-01-01T06:00\n",
     "progress.csv:2: column task: unknown task 'd'"),
    ("x*,2024-01-01T00:00,,,,2024-01-01T06:00\n",
     "progress.csv:2: column task: 'x*' matches no task"),
    ("a,2024-01-01T04:00,2024-01-01T02:00,,,2024-01-01T06:00\n",
     "progress.csv:2: column actual_finish: is before actual_start"),
    ("a,2024-01-01T04:00,2024-01-01T08:00,,,2024-01-01T06:00\n",
     "progress.csv:2: column actual_finish: is after the status date; actuals are what "
     "happened"),
    ("a,,2024-01-01T04:00,,,2024-01-01T06:00\n",
     "progress.csv:2: column actual_finish: a finish without a start; give actual_start too"),
    ("a,2024-01-01T00:00,,150,,2024-01-01T06:00\n",
     "progress.csv:2: column percent_complete: '150' is not a percentage from 0 to 100"),
    ("a,2024-01-01T00:00,,50,2h,2024-01-01T06:00\n",
     "progress.csv:2: column remaining: give percent_complete or remaining, not both"),
    ("a,2024-01-01T00:00,2024-01-01T04:00,,,2024-01-01T06:00\n"
     "a,2024-01-01T00:00,2024-01-01T05:00,,,\n",
     "progress.csv:3: column task: 'a' is also on row 2 with other actuals; keep one"),
    ("", "progress.csv: column status_date: no status date: give --as-of DATETIME or a "
         "status_date column"),
])
def test_bad_progress_is_listed_with_row_and_column(tmp_path, rows, line):
    plan = make_plan(CHAIN)
    with pytest.raises(PlanInvalid) as err:
        _progress(tmp_path, rows, plan)
    assert line in [ln.removeprefix(f"{tmp_path}/") for ln in err.value.lines()]


def test_the_schedule_command_re_forecasts(tmp_path):
    """Tests --progress on `schedule`: the JSON carries the actual spans and the forecast."""
    plan = tmp_path / "chain.toml"
    plan.write_text('[project]\nname = "chain"\nstart = 2024-01-01T00:00:00\n' + CHAIN)
    progress = tmp_path / "p.csv"
    progress.write_text(HEAD + "a,2024-01-01T00:00,2024-01-01T06:00,,,2024-01-01T06:00\n")
    out = tmp_path / "s.json"
    result = CliRunner().invoke(main, ["schedule", str(plan), "--progress", str(progress),
                                       "-q", "--workers", "1", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "rackplan: re-forecast from 2024-01-01 06:00: 1 task(s) finished, 0 in progress" \
        in result.stderr
    doc = json.loads(out.read_text())
    assert [(t["id"], t["start_slot"], t["finish_slot"]) for t in doc["tasks"]] == \
        [("a", 0, 6), ("b", 6, 10), ("c", 10, 14)]
    bad = tmp_path / "bad.csv"
    bad.write_text("task,actual_strat\na,2024-01-01T00:00\n")
    result = CliRunner().invoke(main, ["schedule", str(plan), "--progress", str(bad),
                                       "--as-of", "2024-01-01T06:00"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"{bad}:1: column actual_strat: unknown column (did you mean 'actual_start'?); the "
        "columns are task, actual_start, actual_finish, percent_complete, remaining, note, "
        "delivery, arrived, quantity, status_date, suspended, resumed, resource, capacity, "
        "from, to, planned_start, planned_finish")


TRUCKS = """
[deliveries.racks]
item = "rack"
batches = [{ at = "10h", quantity = 1 }, { at = "20h", quantity = 1 }]
[tasks.one]
needs = "rack"
duration = "1h"
[tasks.two]
needs = "rack"
duration = "1h"
"""


def test_a_rack_that_came_early_is_used_from_the_status_date(tmp_path):
    """Tests delivery rows: one rack arrived at 03:00 (planned 10:00); at the status date 05:00
    task one may start at once (5), task two still waits for the 20:00 truck."""
    plan = make_plan(TRUCKS)
    path = tmp_path / "p.csv"
    path.write_text("delivery,arrived,quantity,status_date\nracks,2024-01-01T03:00,1,"
                    "2024-01-01T05:00\n")
    result = solve(remaining_plan(plan, read_progress(path, plan)), FAST)
    assert (result.tasks["one"].start, result.tasks["two"].start) == (5, 20)
    path.write_text("delivery,arrived,quantity,status_date\nracks,2024-01-01T03:00,3,"
                    "2024-01-01T05:00\n")
    with pytest.raises(PlanInvalid) as err:
        read_progress(path, plan)
    assert err.value.lines() == [f"{path}:2: column quantity: 3 units of 'racks' received in "
                                 "all, more than the 2 the plan needs"]


def test_check_takes_progress_too(tmp_path):
    """Tests `check --progress`: a ran late to 06:00, so c ends at 14 and a hard target of
    12 h is missed (exit 1)."""
    plan = tmp_path / "chain.toml"
    plan.write_text('[project]\nname = "chain"\nstart = 2024-01-01T00:00:00\n' + CHAIN
                    + '[targets.noon]\nby = "12h"\n')
    progress = tmp_path / "p.csv"
    progress.write_text(HEAD + "a,2024-01-01T00:00,2024-01-01T06:00,,,2024-01-01T06:00\n")
    base = CliRunner().invoke(main, ["check", str(plan), "-q", "--workers", "1"])
    late = CliRunner().invoke(main, ["check", str(plan), "-q", "--workers", "1",
                                     "--progress", str(progress)])
    assert (base.exit_code, late.exit_code) == (0, 1)


def test_the_workbook_progress_sheet_round_trips(tmp_path):
    """Tests the round trip: export a schedule with --xlsx, fill in its Progress sheet (a done
    0-6, as the PM would type it), feed the workbook back: the re-forecast has a at 0-6 and c
    ending at 14, and the new workbook's Progress sheet shows a's actuals."""
    from openpyxl import load_workbook

    plan = tmp_path / "chain.toml"
    plan.write_text('[project]\nname = "chain"\nstart = 2024-01-01T00:00:00\n' + CHAIN)
    book = tmp_path / "plan.xlsx"
    first = CliRunner().invoke(main, ["schedule", str(plan), "-q", "--workers", "1",
                                      "--xlsx", str(book)])
    assert first.exit_code == 0, first.output
    wb = load_workbook(book)
    ws = wb["Progress"]
    header = [c.value for c in ws[1]]
    assert header == ["task", "planned_start", "planned_finish", "actual_start",
                      "actual_finish", "percent_complete", "remaining", "note", "status_date",
                      "suspended", "resumed"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "a")
    assert (row[1].value.hour, row[2].value.hour) == (0, 4)  # planned 00:00-04:00
    row[3].value, row[4].value = row[1].value, row[2].value.replace(hour=6)
    row[8].value = row[2].value.replace(hour=6)
    wb.save(book)
    again = tmp_path / "again.xlsx"
    out = tmp_path / "s.json"
    second = CliRunner().invoke(main, ["schedule", str(plan), "-q", "--workers", "1",
                                       "--progress", str(book), "--json", str(out),
                                       "--xlsx", str(again)])
    assert second.exit_code == 0, second.output
    doc = json.loads(out.read_text())
    assert [(t["id"], t["finish_slot"], t["progress"]) for t in doc["tasks"]] == \
        [("a", 6, "finished"), ("b", 10, None), ("c", 14, None)]
    assert doc["status_date"].startswith("2024-01-01T06:00")
    ws = load_workbook(again)["Progress"]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "a")
    assert (row[3].hour, row[4].hour, row[8].hour) == (0, 6, 6)


def test_a_baseline_shows_what_slipped_and_gates_ci(tmp_path):
    """Tests --baseline: a ran 2 h late, so b, c and the target move 2 h (JSON variance 2
    slots, report lines, SPI(t) = 4/6: the baseline had one task finished at 4, it took 6);
    check --max-slip 1h fails (exit 1) and 3h passes."""
    plan, base, progress = _late_a(tmp_path, '[targets.day]\nby = "1d"\n')
    out = tmp_path / "s.json"
    result = CliRunner().invoke(main, ["schedule", str(plan), "-q", "--workers", "1",
                                       "--progress", str(progress), "--baseline", str(base),
                                       "--json", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "day  2024-01-01 12:00  2024-01-01 14:00  +2 h" in lines
    assert "SPI(t), earned schedule in tasks finished: 0.67" in lines
    assert "Why 'day' slipped +2 h" in lines
    why = [" ".join(ln.split()) for ln in lines if ln.startswith(("a ", "b "))][-2:]
    assert why == [f"a +2 h finished late (actual, {progress} row 2)",
                   "b +2 h moved with what drives it (after a)"]
    doc = json.loads(out.read_text())
    assert [(t["id"], t["finish_variance_slots"]) for t in doc["tasks"]] == \
        [("a", 2), ("b", 2), ("c", 2)]
    gate = ["check", str(plan), "-q", "--workers", "1", "--progress", str(progress),
            "--baseline", str(base), "--max-slip"]
    tight = CliRunner().invoke(main, gate + ["1h"])
    assert tight.exit_code == 1
    assert "rackplan: slipped more than 1h: target day: 2 h later than the baseline" in \
        tight.stderr.splitlines()
    assert CliRunner().invoke(main, gate + ["3h"]).exit_code == 0


# A truck-fed chain (receive -> install) beside an independent job on its own crew.
TWO_JOBS = """
[resources.dock]
capacity = 1
[resources.crew]
capacity = 1
[deliveries.racks]
item = "rack"
batches = [{ at = "2h", quantity = 1 }]
[tasks.receive]
needs = "rack"
duration = "2h"
uses = { dock = 1 }
[tasks.install]
after = ["receive"]
duration = "4h"
uses = { crew = 1 }
[tasks.paint]
duration = "3h"
uses = { crew = 1 }
"""


def test_a_stable_re_forecast_moves_only_what_it_must(tmp_path):
    """Tests the second stage. With no news at the start (empty progress at 00:00) nothing
    moves: 0 tasks against the baseline. With the truck 5 h late (arrives 07:00, planned
    02:00) receive and install must move, paint need not: 2 moved."""
    from rackplan.scheduler.baseline import baseline_slots
    from rackplan.scheduler.cpsat.stable import stabilise
    from rackplan.exports.json_schedule import schedule_to_dict

    plan = make_plan(TWO_JOBS)
    first = solve(plan, FAST)
    doc = schedule_to_dict(first)
    base = baseline_slots(doc, first)
    same = solve(remaining_plan(plan, _progress(tmp_path, "", plan, as_of="2024-01-01T00:00")),
                 FAST)
    _, how = stabilise(plan, same, base, 5)
    assert how.moved == 0
    late = make_plan(TWO_JOBS.replace('at = "2h"', 'at = "7h"'))
    again = solve(late, FAST)
    stable, how = stabilise(late, again, base, 5)
    assert verify(late, stable.tasks) == []
    assert stable.makespan == again.makespan
    assert {t for t, st in stable.tasks.items() if st.start != base[t][0]} == \
        {"receive", "install"}


def test_a_crew_short_for_a_while(tmp_path):
    """Tests a resource row: the crew is down to 0 from 06:00 to 12:00 (status 06:00), so b,
    which needs it, waits until 12 (ends 16) and c ends 20; the crew is back after."""
    plan = make_plan(CHAIN)
    path = tmp_path / "p.csv"
    path.write_text("task,actual_start,actual_finish,resource,capacity,from,to,status_date\n"
                    "a,2024-01-01T00:00,2024-01-01T04:00,,,,,2024-01-01T06:00\n"
                    ",,,crew,0,2024-01-01T06:00,2024-01-01T12:00,\n")
    future = remaining_plan(plan, read_progress(path, plan))
    assert future.resources["crew"].steps == ((0, 1), (6, 0), (12, 1))
    result = solve(future, FAST)
    assert (result.tasks["b"].start, result.tasks["c"].finish) == (12, 20)


def test_the_colossus_day_40_example_reads(root):
    """Tests plans/colossus-progress-day40.csv against the plan: 1,019 tasks finished, 15 in
    progress, 110 racks received, fiber down to 12 for a week (the remaining plan only; the
    re-forecast itself is in the README)."""
    from rackplan.scheduler.load import load_plan

    plan = load_plan(root / "plans" / "colossus-122d.toml")
    progress = read_progress(root / "plans" / "colossus-progress-day40.csv", plan)
    finished = sum(1 for a in progress.tasks.values() if a.finish is not None)
    assert (finished, len(progress.tasks) - finished) == (1019, 15)
    assert sum(q for rows in progress.received.values() for _, q in rows) == 110
    future = remaining_plan(plan, progress)
    assert len(future.tasks) == len(plan.tasks) - 1019
    assert (12 in {c for _, c in future.resources["fiber"].steps})


def test_the_workbook_has_a_variance_sheet_with_a_baseline(tmp_path):
    """Tests --baseline with --xlsx: a Variance sheet, the latest first (a, b, c each +2 h)."""
    from openpyxl import load_workbook

    plan, base, progress = _late_a(tmp_path)
    book = tmp_path / "v.xlsx"
    result = CliRunner().invoke(main, ["schedule", str(plan), "-q", "--workers", "1",
                                       "--progress", str(progress), "--baseline", str(base),
                                       "--xlsx", str(book)])
    assert result.exit_code == 0, result.output
    ws = load_workbook(book)["Variance"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[6]) for r in rows] == [("a", 2), ("b", 2), ("c", 2)]


def test_ms_project_gets_actuals_and_the_baseline(tmp_path):
    """Tests the MS Project XML of a re-forecast against a baseline, read back with MPXJ: a
    100% complete with its actual dates, b's baseline finish 08:00 (it now ends 10:00)."""
    pytest.importorskip("mpxj")
    jpype = pytest.importorskip("jpype")
    import shutil

    if shutil.which("java") is None:
        pytest.skip("no Java runtime")
    plan, base, progress = _late_a(tmp_path)
    xml = tmp_path / "p.xml"
    result = CliRunner().invoke(main, ["schedule", str(plan), "-q", "--workers", "1",
                                       "--progress", str(progress), "--baseline", str(base),
                                       "--mspdi", str(xml)])
    assert result.exit_code == 0, result.output
    if not jpype.isJVMStarted():
        jpype.startJVM()
    from org.mpxj.reader import UniversalProjectReader

    tasks = {str(t.getName()): t for t in UniversalProjectReader().read(str(xml)).getTasks()}
    a, b = tasks["a"], tasks["b"]
    assert float(str(a.getPercentageComplete())) == 100.0
    assert (str(a.getActualStart()), str(a.getActualFinish())) == ("2024-01-01T00:00",
                                                                   "2024-01-01T06:00")
    assert str(b.getBaselineFinish()) == "2024-01-01T08:00"
    assert a.getActualStart() is not None and b.getActualStart() is None


def test_export_compares_with_a_baseline_too(tmp_path):
    """Tests `export --baseline`: the saved re-forecast and the baseline give the Variance
    sheet without solving; a baseline of another plan start is refused (exit 2)."""
    from openpyxl import load_workbook

    plan = tmp_path / "chain.toml"
    plan.write_text('[project]\nname = "chain"\nstart = 2024-01-01T00:00:00\n' + CHAIN)
    base, now = tmp_path / "base.json", tmp_path / "now.json"
    CliRunner().invoke(main, ["schedule", str(plan), "-q", "--workers", "1", "--json",
                              str(base)])
    progress = tmp_path / "p.csv"
    progress.write_text(HEAD + "a,2024-01-01T00:00,2024-01-01T06:00,,,2024-01-01T06:00\n")
    CliRunner().invoke(main, ["schedule", str(plan), "-q", "--workers", "1", "--progress",
                              str(progress), "--json", str(now)])
    book = tmp_path / "v.xlsx"
    result = CliRunner().invoke(main, ["export", str(now), "--baseline", str(base),
                                       "--xlsx", str(book)])
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(book)["Variance"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[6]) for r in rows] == [("a", 2), ("b", 2), ("c", 2)]
    other = json.loads(base.read_text())
    other["start"] = "2024-02-01T00:00:00+00:00"
    (tmp_path / "other.json").write_text(json.dumps(other))
    bad = CliRunner().invoke(main, ["export", str(now), "--baseline",
                                    str(tmp_path / "other.json"), "--xlsx", str(book)])
    assert bad.exit_code == 2 and "--baseline: its start is 2024-02-01" in bad.stderr


def test_why_names_a_late_truck(tmp_path):
    """Tests the explanation of a slip caused by a delivery: with the truck at 07:00 instead of
    02:00, receive is released later than in the baseline, install moves with it."""
    from rackplan.exports.json_schedule import schedule_to_dict
    from rackplan.scheduler.baseline import baseline_slots, why

    plan = make_plan(TWO_JOBS + '[targets.done]\nby = "1d"\n')
    first = solve(plan, FAST)
    base = baseline_slots(schedule_to_dict(first), first)
    late = make_plan(TWO_JOBS.replace('at = "2h"', 'at = "7h"') + '[targets.done]\nby = "1d"\n')
    chain = why(solve(late, FAST), base, "done")
    assert chain == [("receive", 5, "released deliveries.racks unit 1, later than in the "
                                    "baseline"),
                     ("install", 5, "moved with what drives it (after receive)")]
    # With the plan's text, the statement behind the release is pointed at.
    import textwrap

    from conftest import HEADER

    text = textwrap.dedent(HEADER) + textwrap.dedent(TWO_JOBS)
    line = next(i for i, ln in enumerate(text.splitlines(), 1)
                if ln.startswith("[deliveries.racks]"))
    cited = why(solve(late, FAST), base, "done", plan_text=text)
    assert cited[0][2].endswith(f"later than in the baseline (test.toml:{line}: "
                                "deliveries.racks)")


def test_why_names_a_crew_other_than_planned(tmp_path):
    """Tests a crew down to 0 from 04:00 to 08:00: b waits for it (ends 12 instead of 8), and
    the explanation says that crew differs from the plan."""
    plan = tmp_path / "chain.toml"
    plan.write_text('[project]\nname = "chain"\nstart = 2024-01-01T00:00:00\n' + CHAIN
                    + '[targets.day]\nby = "1d"\n')
    base = tmp_path / "base.json"
    CliRunner().invoke(main, ["schedule", str(plan), "-q", "--workers", "1", "--json",
                              str(base)])
    progress = tmp_path / "p.csv"
    progress.write_text("task,actual_start,actual_finish,resource,capacity,from,to,status_date\n"
                        "a,2024-01-01T00:00,2024-01-01T04:00,,,,,2024-01-01T04:00\n"
                        ",,,crew,0,2024-01-01T04:00,2024-01-01T08:00,\n")
    result = CliRunner().invoke(main, ["schedule", str(plan), "-q", "--workers", "1",
                                       "--progress", str(progress), "--baseline", str(base)])
    lines = [" ".join(ln.split()) for ln in result.stdout.splitlines()]
    assert (f"b +4 h waits for crew (capacity 0 until then); that crew differs from the plan "
            f"({progress} row 3)") in lines


def test_the_gantt_underlines_the_baseline_and_the_gpu_chart_has_its_curve(tmp_path):
    """Tests the workbook of a re-forecast against a baseline: the task rows carry a grey
    underline over the days of their baseline span, and the GPUs online sheet a baseline
    column (the plan's 64 GPUs come online at c's finish, day 1 in both)."""
    from openpyxl import load_workbook

    plan = tmp_path / "chain.toml"
    plan.write_text('[project]\nname = "chain"\nstart = 2024-01-01T00:00:00\n'
                    + CHAIN.replace('[tasks.c]\nduration = "4h"', '[tasks.c]\nduration = "4h"'
                                                                   "\ngpus = 64"))
    base = tmp_path / "base.json"
    CliRunner().invoke(main, ["schedule", str(plan), "-q", "--workers", "1", "--json",
                              str(base)])
    book = tmp_path / "g.xlsx"
    result = CliRunner().invoke(main, ["export", str(base), "--baseline", str(base),
                                       "--xlsx", str(book)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(book)
    gantt = wb["Gantt"]
    underlined = [c for row in gantt.iter_rows() for c in row
                  if c.border and c.border.bottom and c.border.bottom.style == "thick"]
    assert len(underlined) == 3  # a, b and c each on day 1
    gpus = wb["GPUs online"]
    assert [c.value for c in gpus[1]][:4] == ["date", "GPUs online", "GPU target", "baseline"]
    assert gpus.cell(row=2, column=4).value == 64


def test_work_outside_the_shifts_is_a_warning(tmp_path):
    """Tests an actual span shorter in working time than the work: 4 h of work on a 06-16
    calendar done from 14:00 to 18:00 (only 2 working hours): said, accepted."""
    plan = make_plan('[calendars.day]\nshifts = ["06:00-16:00"]\n' + CHAIN.replace(
        "[resources.crew]\ncapacity = 1", '[resources.crew]\ncapacity = 1\ncalendar = "day"'))
    rows = "a,2024-01-01T14:00,2024-01-01T18:00,,,2024-01-01T18:00\n"
    assert overtime(plan, _progress(tmp_path, rows, plan)) == [
        "a: 4 h of work done in 2 h of calendar 'day': worked outside its shifts, accepted as "
        "what happened"]


def test_a_delivery_not_yet_here_can_still_be_expedited(tmp_path):
    """Tests expedite options in a re-forecast: the rack due at 20 h (air freight 16 h sooner
    for 1,000; the crew costs 100 an hour to the finish) is still on its way at the status
    date 02:00, so flying it in still pays: released at 4 instead of 20 (1,800 < 2,400)."""
    text = """
[resources.fiber]
capacity = 1
cost_per_hour = 100
[deliveries.racks]
item = "rack"
batches = [{ at = "20h", quantity = 1 }]
expedite = { earlier = "16h", cost = 1000 }
[tasks.install]
needs = "rack"
duration = "4h"
uses = { fiber = 1 }
[objective]
kind = "cost"
"""
    plan = make_plan(text)
    future = remaining_plan(plan, _progress(tmp_path, "", plan, as_of="2024-01-01T02:00"))
    assert (future.tasks["install"].expedite, future.tasks["install"].early_release) == \
        ("racks", 4)
    result = solve(future, FAST)
    assert (set(result.expedited), result.tasks["install"].start) == ({"racks"}, 4)


SUSPEND_HEAD = "task,actual_start,actual_finish,suspended,resumed,status_date\n"
LONG = """
[resources.crew]
capacity = 1
[tasks.a]
duration = "10h"
uses = { crew = 1 }
[tasks.b]
duration = "2h"
uses = { crew = 1 }
"""


def _suspended(tmp_path, rows):
    path = tmp_path / "s.csv"
    path.write_text(SUSPEND_HEAD + rows)
    plan = make_plan(LONG)
    progress = read_progress(path, plan)
    future = solve(remaining_plan(plan, progress), FAST)
    return plan, progress, merge(plan, progress, future)


def test_a_suspended_task_resumes_with_the_work_left(tmp_path):
    """a (10 h) started at 0, stopped at 4, went on at 6; status date 8: 4 + 2 = 6 h done, 4 h
    left from 8, so a ends at 12; its past spans are 0-4 and 6-8. b waits for the crew."""
    plan, progress, merged = _suspended(
        tmp_path, "a,2024-01-01T00:00,,2024-01-01T04:00,2024-01-01T06:00,2024-01-01T08:00\n")
    a = merged.tasks["a"]
    assert (a.start, a.finish) == (0, 12)
    assert a.segments[:2] == ((0, 4), (6, 8))
    assert check_actuals(merged, progress) == []
    assert overtime(plan, progress) == []


def test_a_task_still_suspended_at_the_status_date(tmp_path):
    """a stopped at 4 and has not resumed by 8: 4 h done, 6 h left from 8: ends at 14, and the
    crew was free from 4 (b ran 4-6 on it: no overtime warning, as there would be if a had
    held the crew all along)."""
    plan, progress, merged = _suspended(
        tmp_path, "a,2024-01-01T00:00,,2024-01-01T04:00,,2024-01-01T08:00\n"
                "b,2024-01-01T04:00,2024-01-01T06:00,,,\n")
    assert merged.tasks["a"].finish == 14 and merged.tasks["a"].segments[0] == (0, 4)
    assert overtime(plan, progress) == []


@pytest.mark.parametrize("row, message", [
    ("a,2024-01-01T00:00,,,2024-01-01T06:00,2024-01-01T08:00",
     "column resumed: a resumption without a suspension; give suspended too"),
    ("a,2024-01-01T02:00,,2024-01-01T01:00,,2024-01-01T08:00",
     "column suspended: is before actual_start"),
    ("a,2024-01-01T00:00,,2024-01-01T04:00,2024-01-01T03:00,2024-01-01T08:00",
     "column resumed: is before suspended"),
    ("a,2024-01-01T00:00,,2024-01-01T09:00,,2024-01-01T08:00",
     "column suspended: is after the status date; actuals are what happened"),
    ("a,2024-01-01T00:00,2024-01-01T07:00,2024-01-01T04:00,,2024-01-01T08:00",
     "column resumed: is missing: a finished task that was suspended resumed first"),
])
def test_bad_suspensions_are_refused_with_row_and_column(tmp_path, row, message):
    path = tmp_path / "s.csv"
    path.write_text(SUSPEND_HEAD + row + "\n")
    with pytest.raises(PlanInvalid) as err:
        read_progress(path, make_plan(LONG))
    assert err.value.lines() == [f"{path}:2: {message}"]

