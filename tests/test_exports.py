"""Exports: the workbook read back with openpyxl, CSV, iCalendar, MS Project XML, atomic writes."""

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from rackplan.cli import main

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = str(ROOT / "plans" / "tutorial.toml")
FAST = ["--time-limit", "10", "--workers", "1", "--quiet"]
NS = {"p": "http://schemas.microsoft.com/project"}


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The tutorial solved once, with every export written."""
    folder = tmp_path_factory.mktemp("out")
    paths = {k: folder / f"t.{k}" for k in ("json", "xlsx", "csv", "ics", "xml")}
    result = run("schedule", TUTORIAL, *FAST, "--json", paths["json"], "--xlsx", paths["xlsx"],
                 "--csv", paths["csv"], "--ics", paths["ics"], "--mspdi", paths["xml"])
    assert result.exit_code == 0, result.output
    return paths


@pytest.fixture(scope="module")
def doc(outputs):
    return json.loads(outputs["json"].read_text())


@pytest.fixture(scope="module")
def wb(outputs):
    return load_workbook(outputs["xlsx"])


def _row_of(ws, task_id):
    for row in ws.iter_rows(min_row=4, max_col=1):
        if row[0].value == task_id:
            return row[0].row
    raise AssertionError(task_id)


def _day_columns(ws):
    """{date: column} from the Gantt's date header row (row 3)."""
    return {c.value.date(): c.column for c in ws[3][8:] if isinstance(c.value, datetime)}


def test_sheets(wb):
    assert wb.sheetnames == ["Summary", "Gantt", "Resources", "GPUs online", "Tasks", "Progress"]


def test_summary_targets_coloured(wb):
    ws = wb["Summary"]
    values = {r[0].value: r[1].value for r in ws.iter_rows(max_col=2) if r[0].value}
    assert values["Plan"] == "Tutorial: one array"
    assert values["Solve status"] == "optimal"
    assert values["Forecast finish"] == datetime(2024, 5, 11, 15, 0)
    met = next(r for r in ws.iter_rows() if r[0].value == "array-online")
    assert met[5].value == "met" and met[5].fill.fgColor.rgb.endswith("C6EFCE")


def test_gantt_outline_frozen_and_filter(wb):
    ws = wb["Gantt"]
    assert ws.freeze_panes == "C4"
    assert ws.auto_filter.ref.startswith("A3:H")
    array, rack, step = (_row_of(ws, i) for i in ("array-01", "array-01/rack-1",
                                                  "array-01/rack-1/cable"))
    assert ws.row_dimensions[array].outlineLevel == 0
    assert ws.row_dimensions[rack].outlineLevel == 1 and not ws.row_dimensions[rack].hidden
    # The sheet opens collapsed to the racks: steps are hidden, and expand with +.
    assert ws.row_dimensions[step].outlineLevel == 2 and ws.row_dimensions[step].hidden
    assert ws.print_title_rows == "$1:$3"
    assert ws.page_setup.orientation == "landscape"


def test_gantt_dates_are_dates_and_bars_fill_the_working_days(wb, doc):
    ws = wb["Gantt"]
    row = _row_of(ws, "cooling-loop")
    start = ws.cell(row, 4).value
    assert isinstance(start, datetime) and start == datetime(2024, 5, 6, 6, 0)
    days = _day_columns(ws)
    # The cooling loop works 2024-05-06 06:00 to 05-07 02:00: bars on the 6th and 7th only.
    filled = {d for d, col in days.items() if ws.cell(row, col).fill.fill_type == "solid"}
    assert filled == {datetime(2024, 5, 6).date(), datetime(2024, 5, 7).date()}
    assert ws.cell(row, days[datetime(2024, 5, 6).date()]).value == 18  # hours worked that day


def test_gantt_marks_critical_tasks_and_milestones(wb, doc):
    ws = wb["Gantt"]
    burn = _row_of(ws, "array-01/burn-in")
    assert ws.cell(burn, 8).value == "yes"
    col = _day_columns(ws)[datetime(2024, 5, 9).date()]
    assert ws.cell(burn, col).border.top.color.rgb.endswith("C00000")
    accept = _row_of(ws, "array-01/accept")
    assert ws.cell(accept, _day_columns(ws)[datetime(2024, 5, 11).date()]).value == "◆"
    not_critical = _row_of(ws, "cooling-loop")
    assert ws.cell(not_critical, 8).value in (None, "")


def test_gantt_target_column_highlighted(wb, doc):
    """The chart ends two days after the 11 May finish, so the 20 May target is named in the
    header; moved to 9 May (72 h after the 6 May 06:00 start) it gets its column."""
    import copy
    import io

    from rackplan.exports.xlsx import build_workbook

    ws = wb["Gantt"]
    assert max(_day_columns(ws)) == datetime(2024, 5, 13).date()
    assert "◆ array-online: due 2024-05-20 06:00 (after the chart)" in ws["A2"].value
    moved = copy.deepcopy(doc)
    moved["targets"][0]["due_slot"] = 72
    buffer = io.BytesIO()
    build_workbook(moved).save(buffer)
    ws = load_workbook(buffer)["Gantt"]
    col = _day_columns(ws)[datetime(2024, 5, 9).date()]
    assert ws.cell(1, col).value == "◆ array-online"
    assert ws.cell(3, col).fill.fgColor.rgb.endswith("FF0000")


def test_charts_are_native(wb):
    assert len(wb["Resources"]._charts) == 6
    assert len(wb["GPUs online"]._charts) == 1


def test_gpus_online_sheet(wb):
    ws = wb["GPUs online"]
    by_day = {r[0].value.date(): r[1].value for r in ws.iter_rows(min_row=2)}
    assert by_day[datetime(2024, 5, 10).date()] == 0
    assert by_day[datetime(2024, 5, 11).date()] == 512


def test_tasks_sheet_has_every_task(wb, doc):
    ws = wb["Tasks"]
    assert ws.max_row == len(doc["tasks"]) + 1
    assert ws.auto_filter.ref == f"A1:Q{len(doc['tasks']) + 1}"
    assert [c.value for c in ws[1]][:3] == ["id", "name", "unit"]


def test_spans_in_days_for_a_plan_in_whole_days(wb, tmp_path):
    """Tests durations, float and lags in days for a plan whose resolution is a day, in hours
    otherwise (the fixture's hourly plan). a: 3 d on the crew, b after it with a 1 d lag: 2 d,
    days 4-6; c alone, 1 d, with 5 d of float (everything ends on day 6)."""
    assert [c.value for c in wb["Gantt"][3]][5:7] == ["duration (h)", "float (h)"]
    plan = tmp_path / "days.toml"
    plan.write_text('[project]\nname = "days"\nstart = 2024-01-01\nresolution = "1d"\n'
                    '[resources.crew]\ncapacity = 1\n'
                    '[tasks.a]\nduration = "3d"\nuses = { crew = 1 }\n'
                    '[tasks.b]\nduration = "2d"\nuses = { crew = 1 }\n'
                    'after = [{ task = "a", lag = "1d" }]\n'
                    '[tasks.c]\nduration = "1d"\n')
    out = tmp_path / "days.xlsx"
    assert run("schedule", plan, *FAST, "--xlsx", out).exit_code == 0
    book = load_workbook(out)
    gantt = {row[0]: row[5:7] for row in book["Gantt"].iter_rows(min_row=4, values_only=True)}
    assert [c.value for c in book["Gantt"][3]][5:7] == ["duration (d)", "float (d)"]
    assert gantt["a"] == (3, 0) and gantt["b"] == (2, 0) and gantt["c"] == (1, 5)
    tasks = {row[0]: row for row in book["Tasks"].iter_rows(min_row=2, values_only=True)}
    assert [c.value for c in book["Tasks"][1]][9:12] == ["work (d)", "elapsed (d)", "float (d)"]
    assert tasks["b"][9:12] == (2, 2, 0) and tasks["b"][16] == "a +1d"


def test_formula_injection_guard(tmp_path):
    """Tests that a task named like a formula stays text in the workbook and the CSV."""
    name = '=HYPERLINK("http://evil.example","click")'
    plan = tmp_path / "evil.toml"
    plan.write_text('[project]\nname = "=1+1"\nstart = 2024-01-01\n'
                    f"[tasks.t]\nname = '{name}'\nduration = \"2h\"\n")
    out, csv_out = tmp_path / "e.xlsx", tmp_path / "e.csv"
    assert run("schedule", plan, *FAST, "--xlsx", out, "--csv", csv_out).exit_code == 0
    ws = load_workbook(out)["Tasks"]
    assert ws["B2"].value == name and ws["B2"].data_type == "s"
    assert load_workbook(out)["Summary"]["B2"].value == "=1+1"
    assert f"'{name}" in csv_out.read_text(encoding="utf-8-sig").replace('""', '"')
    # Excel's quote prefix on the cell: editing it in Excel keeps it text.
    assert ws["B2"].quotePrefix
    xml, ics = tmp_path / "e.xml", tmp_path / "e.ics"
    assert run("schedule", plan, *FAST, "--mspdi", xml, "--ics", ics).exit_code == 0
    assert "<Name>'=HYPERLINK(" in xml.read_text().replace("&quot;", '"')
    assert "X-WR-CALNAME:'=1+1" in ics.read_text()


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    """Tests that a crash while writing leaves the existing workbook untouched, no temp file."""
    from rackplan.exports import xlsx

    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"the old workbook")

    def interrupted(fd):  # Ctrl-C while the new file is being flushed
        raise KeyboardInterrupt

    result = run("schedule", TUTORIAL, *FAST, "--json", tmp_path / "s.json")
    assert result.exit_code == 0
    doc = json.loads((tmp_path / "s.json").read_text())
    monkeypatch.setattr("os.fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        xlsx.write_workbook(doc, target)
    assert target.read_bytes() == b"the old workbook"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx", "s.json"]


def test_export_from_json_matches_schedule(outputs, tmp_path):
    """Tests that `rackplan export` writes the same workbook content as `schedule --xlsx`."""
    again = tmp_path / "again.xlsx"
    result = run("export", outputs["json"], "--xlsx", again)
    assert result.exit_code == 0, result.output
    a, b = load_workbook(outputs["xlsx"]), load_workbook(again)
    for sheet in ("Gantt", "Tasks", "Resources"):
        assert [[c.value for c in r] for r in a[sheet].iter_rows()] == \
               [[c.value for c in r] for r in b[sheet].iter_rows()]


def test_export_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run("export", bad, "--xlsx", tmp_path / "x.xlsx")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad}: not valid JSON")
    other = tmp_path / "other.json"
    other.write_text('{"a": 1}')
    result = run("export", other, "--csv", "-")
    assert result.stderr.startswith(f"Error: {other}: not a rackplan schedule (missing status")
    result = run("export", other)
    assert result.exit_code == 2 and "nothing to export" in result.stderr


def test_xlsx_into_missing_directory(tmp_path):
    target = tmp_path / "nowhere" / "p.xlsx"
    result = run("schedule", TUTORIAL, *FAST, "--xlsx", target)
    assert result.exit_code == 2  # bad usage, not "no schedule"
    assert result.stderr == (f"rackplan: cannot write {target}: directory {target.parent} "
                             "does not exist; create it first\n")


def test_weekly_timescale(outputs, tmp_path):
    out = tmp_path / "w.xlsx"
    assert run("export", outputs["json"], "--xlsx", out, "--timescale", "week").exit_code == 0
    ws = load_workbook(out)["Gantt"]
    weeks = [c.value for c in ws[3][8:] if isinstance(c.value, datetime)]
    assert weeks[0] == datetime(2024, 5, 6)  # the Monday of the start week
    assert weeks[1] == datetime(2024, 5, 13)
    assert ws.cell(2, 9).value == "W19"


def test_csv(outputs, doc):
    lines = outputs["csv"].read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("id,name,unit,step,trade,resources,mode,start,finish")
    assert len(lines) == len(doc["tasks"]) + 1


def test_ics(outputs, doc):
    raw = outputs["ics"].read_bytes()
    text = raw.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    # One target (met early: due and forecast events) and two milestones (notice to proceed,
    # array acceptance).
    assert text.count("BEGIN:VEVENT") == 4
    assert "DTSTART:20240520T110000Z" in text  # due 2024-05-20 06:00 CDT
    assert text.count("SEQUENCE:") == 4
    unfolded = text.replace("\r\n ", "")
    assert "target due Mon 20 May 2024 06:00\\; forecast" in unfolded
    assert "(met\\, " in unfolded and "days early)" in unfolded


def test_ics_groups_milestones_of_a_kind_on_a_day_and_sequences_exports():
    """Three arrays accepted on one day are one event listing them; a later export has a
    higher SEQUENCE, so calendars update the events they imported."""
    from datetime import UTC, datetime

    from rackplan.exports.ics import ics_text

    def task(tid, slot):
        return {"id": tid, "name": tid, "milestone": True, "start_slot": slot,
                "start": f"2024-06-0{1 + slot // 24}T{slot % 24:02d}:00:00+00:00"}

    doc = {"plan": "p", "start": "2024-06-01T00:00:00+00:00", "slot_minutes": 60,
           "targets": [], "tasks": [task("hall-A/array-01/accept", 5),
                                    task("hall-A/array-02/accept", 9),
                                    task("hall-A/array-03/accept", 30),
                                    task("hall-A/energised", 9)]}
    first = ics_text(doc, datetime(2026, 1, 1, tzinfo=UTC))
    later = ics_text(doc, datetime(2026, 1, 2, tzinfo=UTC))
    assert first.count("BEGIN:VEVENT") == 3  # 2 accepts on day 1, 1 on day 2, 1 energised
    assert "SUMMARY:2 milestones: accept" in first
    seq = [int(line.split(":")[1]) for text in (first, later) for line in text.split("\r\n")
           if line.startswith("SEQUENCE:")]
    assert max(seq[:3]) < min(seq[3:])


def _handovers(doc) -> int:
    """Crew hand-overs the MSPDI adds as links (a task waiting for a crew another task had)."""
    total = 0
    for t in doc["tasks"]:
        held = t["held_by"]
        crews = set(held.get("handovers", [])) | ({held["task"]} if held["by"] == "crew"
                                                  else set())
        total += len(crews - {p["task"] for p in t["predecessors"]})
    return total


def test_mspdi_structure(outputs, doc):
    root = ET.parse(outputs["xml"]).getroot()
    tasks = root.findall("p:Tasks/p:Task", NS)
    summaries = [t for t in tasks if t.find("p:Summary", NS).text == "1"]
    # 61 tasks + 1 array + 8 racks + the project summary task.
    assert len(tasks) == 71 and len(summaries) == 10
    links = root.findall("p:Tasks/p:Task/p:PredecessorLink", NS)
    assert len(links) == sum(len(t["predecessors"]) for t in doc["tasks"]) + _handovers(doc)
    assert len(root.findall("p:Resources/p:Resource", NS)) == 6
    assert len(root.findall("p:Assignments/p:Assignment", NS)) == sum(
        len(t["resources"]) for t in doc["tasks"])


def _java() -> None:
    """MPXJ's Java classes importable, or the test skipped (no mpxj, JPype or Java here)."""
    pytest.importorskip("mpxj")
    jpype = pytest.importorskip("jpype")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime")
    if not jpype.isJVMStarted():
        jpype.startJVM()
    import jpype.imports  # noqa: F401  (makes org.* importable)


def test_mspdi_reads_back_in_mpxj(outputs, doc):
    """Tests with MPXJ (the library behind ProjectLibre's importers) that counts and dates
    survive; skipped where mpxj, JPype or Java is missing."""
    _java()
    from org.mpxj.reader import UniversalProjectReader

    project = UniversalProjectReader().read(str(outputs["xml"]))
    tasks = {str(t.getName()): t for t in project.getTasks()}
    assert project.getTasks().size() == 71
    assert sum(t.getPredecessors().size() for t in project.getTasks()) == sum(
        len(t["predecessors"]) for t in doc["tasks"]) + _handovers(doc)
    assert project.getResources().size() == 6
    assert project.getResourceAssignments().size() == sum(len(t["resources"]) for t in
                                                          doc["tasks"])
    burn = tasks["array-01/burn-in"]
    assert str(burn.getStart()) == "2024-05-08T15:00" and str(burn.getFinish()) == \
        "2024-05-11T15:00"
    leak = tasks["array-01/rack-1/leak-test"]
    (link,) = list(leak.getPredecessors())
    assert str(link.getType()) == "FS"


def test_pmxml_is_a_p6_schedule_with_the_same_dates(outputs, doc, tmp_path):
    """Tests `rackplan export --pmxml` (Primavera P6 XML through MPXJ) read back by MPXJ's P6
    reader: a PMXML file, one activity per task with rackplan's start and finish, the links
    and assignments of the MS Project export, our id as a user-defined field; skipped where
    mpxj, JPype or Java is missing."""
    _java()
    from org.mpxj.reader import UniversalProjectReader

    out = tmp_path / "t.pmxml"
    result = run("export", outputs["json"], "--pmxml", out)
    assert result.exit_code == 0, result.output
    project = UniversalProjectReader().read(str(out))
    assert str(project.getProjectProperties().getFileType()) == "PMXML"
    mspdi = UniversalProjectReader().read(str(outputs["xml"]))
    activities = {str(t.getName()): t for t in project.getTasks() if not t.getSummary()}
    assert len(activities) == sum(1 for t in mspdi.getTasks() if not t.getSummary()) == 61
    for t in mspdi.getTasks():
        if t.getSummary():
            continue
        there = activities[str(t.getName())]
        assert (str(there.getStart()), str(there.getFinish())) == \
            (str(t.getStart()), str(t.getFinish())), t.getName()
    assert sum(t.getPredecessors().size() for t in project.getTasks()) == sum(
        t.getPredecessors().size() for t in mspdi.getTasks())
    assert project.getResourceAssignments().size() == mspdi.getResourceAssignments().size()
    assert "rackplan id" in out.read_text()


def test_pmxml_without_mpxj_is_a_one_line_error(tmp_path, monkeypatch):
    """Tests that --pmxml where MPXJ cannot run fails before solving, in one line that says
    what to install."""
    from rackplan.exports import pmxml

    def missing():
        raise pmxml.ExportError(pmxml.NEEDS)

    monkeypatch.setattr(pmxml, "_classes", missing)
    result = run("schedule", TUTORIAL, *FAST, "--pmxml", tmp_path / "t.pmxml")
    assert result.exit_code == 2
    assert result.stderr == ("rackplan: --pmxml needs MPXJ and a Java runtime (11 or later): pip "
                             "install 'rackplan[p6]' and install Java, or export --mspdi and "
                             "import that into P6\n")
    assert not (tmp_path / "t.pmxml").exists()


def test_workbook_opens_in_libreoffice(outputs, tmp_path):
    """Tests that LibreOffice converts the workbook to PDF (it refuses a damaged file)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    try:  # installed is not runnable: a sandbox without a profile directory or a display
        probe = subprocess.run([soffice, "--headless", "--version"], capture_output=True,
                               timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"LibreOffice cannot run here: {exc}")
    if probe.returncode != 0:
        pytest.skip(f"LibreOffice cannot run here: {probe.stderr.decode(errors='replace')[:200]}")
    done = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "pdf", "--outdir", str(tmp_path),
                           str(outputs["xlsx"])], capture_output=True, timeout=180)
    pdf = tmp_path / "t.pdf"
    assert done.returncode == 0, done.stderr
    assert pdf.exists() and pdf.stat().st_size > 10_000


def test_mspdi_calendar_carries_a_half_saturday():
    """Tests per-weekday shifts in MS Project XML: Saturday (DayType 7) works 06:00-12:00,
    Monday (DayType 2) 06:00-16:00, Sunday (DayType 1) not at all."""
    import re

    from rackplan.exports.mspdi import _calendar

    xml = _calendar(1, "crews", {"days": [0, 1, 2, 3, 4], "shifts": [[360, 960]],
                                 "holidays": [], "day_shifts": {"5": [[360, 720]]}})
    days = dict(re.findall(r"<WeekDay><DayType>(\d)</DayType>(.*?)</WeekDay>", xml))
    assert "<FromTime>06:00:00</FromTime><ToTime>12:00:00</ToTime>" in days["7"]
    assert "<FromTime>06:00:00</FromTime><ToTime>16:00:00</ToTime>" in days["2"]
    assert "<DayWorking>0</DayWorking>" in days["1"]


def test_a_unit_is_critical_only_when_the_driving_chain_runs_through_it():
    """Tests the Gantt summary flag: hall-A's task has no float but does not drive the finish;
    hall-B's does. Only hall-B is flagged (documents without 'driving' fall back to
    'critical')."""
    from rackplan.exports.outline import UnitTree

    def task(tid, critical, driving):
        return {"id": tid, "start_slot": 0, "finish_slot": 4, "critical": critical,
                "driving": driving}

    tree = UnitTree([task("hall-A/x", True, False), task("hall-B/y", True, True)])
    assert [tree.span(u)[2] for u in ("hall-A", "hall-B")] == [False, True]
    # A document written before the flag existed:
    legacy = UnitTree([{"id": "hall-A/x", "start_slot": 0, "finish_slot": 4, "critical": True}])
    assert legacy.span("hall-A")[2] is True


def test_csv_states_link_types_lags_and_the_time_zone(tmp_path):
    """A SS link with a 2 h lag and a 4 h maximum lag, and an FS link: one entry each, in the
    predecessors' order; every row names the time zone its dates are in."""
    import csv

    plan = tmp_path / "links.toml"
    plan.write_text('[project]\nname = "links"\nstart = 2024-01-01\ntimezone = "Europe/Oslo"\n'
                    '[tasks.a]\nduration = "2h"\n[tasks.b]\nduration = "2h"\n'
                    '[tasks.c]\nduration = "1h"\n'
                    'after = [{ task = "a", type = "SS", lag = "2h", max_lag = "4h" }, "b"]\n')
    out = tmp_path / "l.csv"
    assert run("schedule", plan, *FAST, "--csv", out).exit_code == 0
    rows = {r["id"]: r for r in csv.DictReader(out.read_text(encoding="utf-8-sig")
                                              .splitlines())}
    c = rows["c"]
    assert (c["predecessors"], c["link_types"], c["lags_hours"], c["max_lags_hours"]) == \
        ("a;b", "SS;FS", "2;0", "4;")
    assert {r["timezone"] for r in rows.values()} == {"Europe/Oslo"}


def test_every_sheet_prints_alike(tmp_path):
    """One paper size for every sheet (Letter for the tutorial's Chicago time zone, A4 when
    asked), one page wide, the plan in the header and page numbers in the footer; the
    Summary carries the key milestones and the Gantt's colour legend."""
    out = tmp_path / "t.xlsx"
    assert run("schedule", TUTORIAL, *FAST, "--xlsx", out).exit_code == 0
    wb = load_workbook(out)
    for ws in wb.worksheets:
        assert ws.page_setup.paperSize == 1, ws.title
        assert ws.page_setup.fitToWidth >= 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddHeader.left.text == "Tutorial: one array"
        assert ws.oddFooter.right.text == "page &P of &N"
    summary = [r[0] for r in wb["Summary"].iter_rows(values_only=True)]
    assert "Key milestone" in summary and "Gantt colours" in summary
    assert "riggers" in summary
    a4 = tmp_path / "a4.xlsx"
    assert run("schedule", TUTORIAL, *FAST, "--xlsx", a4, "--paper", "a4").exit_code == 0
    assert {ws.page_setup.paperSize for ws in load_workbook(a4).worksheets} == {9}


@pytest.mark.parametrize("name", ["tutorial", "two-halls", "cooling-max-lag"])
def test_mspdi_stays_a_schedule_after_recalculation(tmp_path, name):
    """MPXJ's MS Project scheduler (critical path method, no levelling) recalculates the
    exported file: every task keeps rackplan's start and finish (links, crew hand-overs as
    links, 'Start No Earlier Than' only where a release or a chosen start holds a task, the
    calendars with their holidays), no task has a hard constraint (DCMA: at most 5%), and
    the critical flags it computes match rackplan's."""
    _java()
    from org.mpxj import ConstraintType
    from org.mpxj.cpm import MicrosoftScheduler
    from org.mpxj.reader import UniversalProjectReader

    xml, out = tmp_path / "p.xml", tmp_path / "p.json"
    assert run("schedule", ROOT / "plans" / f"{name}.toml", *FAST, "--mspdi", xml,
               "--json", out).exit_code == 0
    doc = json.loads(out.read_text())
    project = UniversalProjectReader().read(str(xml))
    tasks = [t for t in project.getTasks() if not t.getSummary()]
    before = {str(t.getText(1)): (str(t.getStart()), str(t.getFinish())) for t in tasks}
    hard = [t for t in tasks if t.getConstraintType() in (
        ConstraintType.MUST_START_ON, ConstraintType.MUST_FINISH_ON,
        ConstraintType.START_NO_LATER_THAN, ConstraintType.FINISH_NO_LATER_THAN)]
    held = {t["id"]: t["held_by"]["by"] for t in doc["tasks"]}
    snet = {str(t.getText(1)) for t in tasks
            if t.getConstraintType() == ConstraintType.START_NO_EARLIER_THAN}
    MicrosoftScheduler().schedule(project, project.getProjectProperties().getStartDate())
    kept = sum(1 for t in tasks
               if (str(t.getStart()), str(t.getFinish())) == before[str(t.getText(1))])
    assert len(before) == len(doc["tasks"]) and kept >= 0.99 * len(tasks)
    assert hard == [] and all(held[tid] in ("release", "other") for tid in snet)
    ours = {t["id"]: t["critical"] for t in doc["tasks"]}
    agree = sum(1 for t in tasks if bool(t.getCritical()) == ours[str(t.getText(1))])
    assert agree >= 0.99 * len(tasks)
