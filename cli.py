"""rackplan command line: thin wrappers that chain load -> solve -> verify -> export.

This is the only module that imports click, prints, or exits.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import replace

import click

from .scheduler import __version__
from .scheduler.errors import PlanInvalid, VerificationError
from .scheduler.load import load_plan

EXIT_OK, EXIT_NO_SCHEDULE, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


class CtrlC:
    """The first Ctrl-C stops the solve (a KeyboardInterrupt, which the solver turns into "keep
    the best schedule found so far"); every later one is only noted, so the schedule the first
    one kept is always reported and written. Once the solve has returned (`settle`), even a
    first Ctrl-C no longer cuts the writing short."""

    def __init__(self):
        self.count = 0
        self.settled = False
        self.previous = None

    def __enter__(self) -> CtrlC:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.count += 1
        if self.count == 1 and not self.settled:
            raise KeyboardInterrupt
        click.echo("rackplan: stopping: saving what was found (Ctrl-\\ quits at once)",
                   err=True)

    def settle(self) -> None:
        self.settled = True

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _fail_output(message: str) -> None:
    """An output path that cannot be written: bad usage (exit 2), not a verdict on the plan."""
    click.echo(f"rackplan: {message}", err=True)
    sys.exit(EXIT_INVALID)


def _load(plan_path: str, max_tasks: int | None = None, sets=(), scenario: str | None = None):
    """Load and validate, or print every problem (one line each) and exit 2."""
    try:
        return load_plan(plan_path, max_tasks=max_tasks, sets=sets, scenario=scenario)
    except PlanInvalid as exc:
        for line in exc.lines():
            click.echo(line, err=True)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            from .exports.check_report import annotation

            for p in exc.problems:
                click.echo(annotation("error", exc.file, p.line,
                                      f"{p.where}: {p.message}" if p.where else p.message))
        n = len(exc.problems)
        click.echo(f"rackplan: {plan_path}: {n} problem{'s' if n > 1 else ''}; nothing scheduled",
                   err=True)
        sys.exit(EXIT_INVALID)


PLAN_ARG = click.argument("plan", type=click.Path(exists=True, dir_okay=False))


def _parse_sets(ctx, param, values):
    from .scheduler.overrides import parse_set

    try:
        return [parse_set(v) for v in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def progress_options(func):
    """--progress FILE, --as-of DATETIME, --out-of-sequence: re-forecast from what happened;
    --baseline FILE: compare with a committed schedule."""
    for opt in reversed([
        click.option("--baseline", "baseline_path", type=click.Path(exists=True,
                                                                    dir_okay=False),
                     help="A committed schedule (--json) to compare the forecast with."),
        click.option("--progress", "progress_path", type=click.Path(exists=True,
                                                                    dir_okay=False),
                     help="What actually happened (CSV): re-forecast the work that remains."),
        click.option("--as-of", "as_of", default=None, metavar="DATETIME",
                     help="The status date (default: the file's status_date column)."),
        click.option("--no-stable", is_flag=True,
                     help="With --baseline: re-optimise freely instead of moving as little as "
                          "possible against the baseline."),
        click.option("--out-of-sequence", type=click.Choice(["retain", "override"]),
                     default="retain", show_default=True,
                     help="A task started before its predecessor finished: the rest of it "
                          "still waits for the predecessor (retain), or not (override)."),
    ]):
        func = opt(func)
    return func


def _with_progress(loaded, progress_path, as_of, out_of_sequence):
    """(the plan to solve, the re-forecast or None) — the remaining work when a progress file
    is given; bad progress input is listed line by line and exits 2, as a bad plan does."""
    if progress_path is None:
        return loaded, None
    from .scheduler.reforecast import begin

    rows = None
    if progress_path.lower().endswith(".xlsx"):  # the workbook's Progress sheet, filled in
        from .exports import ExportError
        from .exports.xlsx import read_progress_rows

        try:
            rows = read_progress_rows(progress_path)
        except ExportError as exc:
            _fail_output(str(exc))
    try:
        again = begin(loaded, progress_path, as_of, out_of_sequence == "override", rows)
    except PlanInvalid as exc:
        for line in exc.lines():
            click.echo(line, err=True)
        n = len(exc.problems)
        click.echo(f"rackplan: {progress_path}: {n} problem{'s' if n > 1 else ''}; nothing "
                   "scheduled", err=True)
        sys.exit(EXIT_INVALID)
    for line in again.warnings:
        click.echo(f"rackplan: warning: {progress_path}: {line}", err=True)
    when = loaded.slot_to_datetime(again.progress.status_date).format("YYYY-MM-DD HH:mm")
    click.echo(f"rackplan: re-forecast from {when}: {again.finished:,} task(s) finished, "
               f"{again.in_progress:,} in progress", err=True)
    return again.future, again


def scenario_options(func):
    """--set PATH=VALUE (repeatable) and --scenario NAME, for every command that reads a plan."""
    func = click.option("--scenario", default=None, metavar="NAME",
                        help="Apply the plan's [scenarios.NAME] overrides.")(func)
    return click.option("--set", "sets", multiple=True, callback=_parse_sets,
                        metavar="PATH=VALUE",
                        help="Override a value of the plan, e.g. "
                             "resources.fiber.capacity=20 (repeatable).")(func)


class _Group(click.Group):
    """Ctrl-C outside a solve (loading a big plan, say) exits 130 as the shell expects, not
    click's "Aborted!" with 1, the code for "no schedule"."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("rackplan: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rackplan")
def main():
    """Schedule AI data-center build-outs: racks, crews, docks, staging and targets.

    Write the plan as a TOML file (see plans/tutorial.toml), check it with `rackplan validate`,
    and get an optimised, verified schedule with `rackplan schedule`. PSPLIB .sm and .mm files are
    read too.

    \b
    Exit status (schedule, validate, export):
      0  success
      1  no schedule: the plan is infeasible, or none was found in time
      2  invalid plan (every problem is listed, one per line) or bad usage
    `rackplan check` has its own: see `rackplan check --help`.
    """


@main.command(short_help="Check a plan and list every problem.")
@PLAN_ARG
@click.option("--max-tasks", type=click.IntRange(min=1), default=None,
              help="Refuse plans that expand to more tasks (default: project.max_tasks, 250,000).")
@scenario_options
def validate(plan, max_tasks, sets, scenario):
    """Check PLAN and report every problem at once, one line each (exit 2 if any)."""
    loaded = _load(plan, max_tasks, sets, scenario)
    click.echo(f"{plan}: ok: {len(loaded.tasks):,} tasks, {len(loaded.resources)} resources, "
               f"{len(loaded.targets)} targets")


def output_options(func):
    """--json/--xlsx/--csv/--ics/--mspdi/--pmxml/--timescale, shared by `schedule` and
    `export`."""
    opts = [
        click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True),
                     help="The full schedule as JSON ('-' for stdout)."),
        click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False),
                     help="Excel Gantt workbook: summary, Gantt, resources, GPUs online, "
                          "tasks, progress to fill in."),
        click.option("--csv", "csv_path", type=click.Path(dir_okay=False, allow_dash=True),
                     help="The flat task table as CSV ('-' for stdout)."),
        click.option("--ics", "ics_path", type=click.Path(dir_okay=False, allow_dash=True),
                     help="Milestones and targets as an iCalendar file ('-' for stdout)."),
        click.option("--mspdi", "mspdi_path", type=click.Path(dir_okay=False, allow_dash=True),
                     help="Microsoft Project XML for MS Project and ProjectLibre."),
        click.option("--pmxml", "pmxml_path", type=click.Path(dir_okay=False, allow_dash=True),
                     expose_value=False, callback=_remember("pmxml"),
                     help="Primavera P6 XML (needs the p6 extra: MPXJ and Java)."),
        click.option("--timescale", type=click.Choice(["auto", "day", "week"]), default="auto",
                     show_default=True,
                     help="Gantt timeline columns: days, weeks, or auto (weeks past 190 days)."),
        click.option("--paper", type=click.Choice(["a4", "letter"]), default=None,
                     expose_value=False, callback=_remember("paper"),
                     help="Workbook paper size (default: Letter for North American time "
                          "zones, A4 elsewhere)."),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


def _outputs(json_path, xlsx_path, csv_path, ics_path, mspdi_path) -> dict[str, str]:
    outputs = {"json": json_path, "xlsx": xlsx_path, "csv": csv_path, "ics": ics_path,
               "mspdi": mspdi_path,
               "pmxml": click.get_current_context().meta.get("rackplan.pmxml")}
    if sum(1 for p in outputs.values() if p == "-") > 1:
        raise click.UsageError("only one output can go to stdout ('-')")
    return {k: v for k, v in outputs.items() if v}


def _remember(name: str):
    """A callback keeping an option's value in the context (`rackplan.NAME`), so --paper and
    --pmxml reach the writers without joining every command's signature."""
    def keep(ctx, param, value):
        ctx.meta[f"rackplan.{name}"] = value
        return value
    return keep


def _write(doc: dict, outputs: dict[str, str], timescale: str) -> None:
    from .exports import ExportError, write_outputs

    paper = click.get_current_context().meta.get("rackplan.paper")
    if paper:
        doc = dict(doc, paper=paper)
    try:
        for text in write_outputs(doc, outputs, timescale):
            click.echo(text, nl=False)
    except ExportError as exc:
        _fail_output(str(exc))


def _check(outputs: dict[str, str]) -> None:
    from .exports import ExportError, check_outputs

    try:
        check_outputs(outputs)
    except ExportError as exc:
        _fail_output(str(exc))


def solver_options(time_help: str):
    """--time-limit/--workers/--seed, shared by `schedule` and `check`."""
    def decorate(func):
        for opt in reversed([
            click.option("--time-limit", type=click.FloatRange(min=0.5), default=60.0,
                         show_default=True, help=time_help),
            click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
                         help="CP-SAT search workers (threads)."),
            click.option("--seed", type=int, default=0, show_default=True,
                         help="Random seed; with --workers 1 the same seed gives the same "
                              "result."),
        ]):
            func = opt(func)
        return func
    return decorate


@main.command(short_help="Find, verify and report the best schedule.")
@PLAN_ARG
@solver_options("Seconds for the whole solve; stops earlier once optimality is proven.")
@output_options
@click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr.")
@click.option("--max-tasks", type=click.IntRange(min=1), default=None,
              help="Refuse plans that expand to more tasks.")
@click.option("--gap", type=click.FloatRange(min=0, max=100), default=0.0, metavar="PERCENT",
              help="Stop once the schedule is proven within PERCENT of optimal (e.g. 1).")
@scenario_options
@progress_options
def schedule(plan, time_limit, workers, seed, json_path, xlsx_path, csv_path, ics_path,
             mspdi_path, timescale, quiet, max_tasks, gap, sets, scenario, baseline_path,
             no_stable, progress_path, as_of, out_of_sequence):
    """Find the best schedule for PLAN within the time limit and report it.

    A fast list-scheduling heuristic seeds CP-SAT; the answer is never worse than it. Every
    schedule is checked by an independent verifier before it is shown or written. Ctrl-C stops
    the search and keeps the best schedule found so far. Output files are written atomically.
    """
    from .scheduler.cpsat import SolveOptions

    outputs = _outputs(json_path, xlsx_path, csv_path, ics_path, mspdi_path)
    _check(outputs)
    loaded = _load(plan, max_tasks, sets, scenario)
    options = SolveOptions(time_limit=time_limit, workers=workers, seed=seed, gap_limit=gap / 100)
    future, again = _with_progress(loaded, progress_path, as_of, out_of_sequence)
    baseline = _baseline(baseline_path)
    if baseline is not None and not no_stable:
        # The second, stable stage gets the last third of the time.
        options = replace(options, time_limit=options.time_limit * 2 / 3)
        baseline = dict(baseline, stable_seconds=time_limit / 3)
    with CtrlC() as ctrl_c:
        _schedule(plan, future, options, outputs, timescale, quiet, ctrl_c, again, baseline)


def _stable(plan, result, baseline, again, options):
    """The second stage: as few moves against the baseline as the objective allows."""
    from .scheduler.baseline import BaselineError, baseline_slots
    from .scheduler.reforecast import stable

    try:
        base = baseline_slots(baseline, result)
    except BaselineError as exc:
        raise click.UsageError(f"--baseline: {exc}") from None
    result, how = stable(again, plan, result, base, baseline["stable_seconds"],
                         options.workers, options.seed)
    click.echo(f"rackplan: stable re-forecast: {how.moved:,} unstarted task(s) moved against "
               f"the baseline ({how.before:,} before the second stage), largest shift "
               f"{how.largest * plan.slot_minutes / 60:g} h", err=True)
    return result


def _progress_rows(path: str) -> list[dict]:
    """A progress file's rows as dicts of strings (CSV, or a workbook's Progress sheet)."""
    if path.lower().endswith(".xlsx"):
        from .exports.xlsx import read_progress_rows

        return read_progress_rows(path)
    import csv

    with open(path, encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def _plan_text(path: str) -> str | None:
    """The plan file's text, for pointing at its lines (None if it cannot be read now)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError):
        return None


def _baseline(path) -> dict | None:
    if path is None:
        return None
    from .exports import ExportError
    from .exports.json_schedule import load_schedule

    try:
        return load_schedule(path)
    except ExportError as exc:
        _fail_output(str(exc))
    return None


def _schedule(plan, loaded, options, outputs, timescale, quiet, ctrl_c, again=None,
              baseline=None) -> None:
    from .exports.json_schedule import schedule_to_dict
    from .exports.text import report
    from .scheduler.cpsat import solve

    try:
        try:
            result = solve(loaded, options, progress=None if quiet else _progress(loaded))
        finally:
            ctrl_c.settle()
    except KeyboardInterrupt:  # only between the solver's own checks: nothing to keep
        click.echo("rackplan: interrupted; no schedule", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except VerificationError as exc:
        click.echo("rackplan: INTERNAL ERROR: the solver produced a schedule that fails "
                   "verification; this is a rackplan bug, please report it:", err=True)
        for line in exc.violations[:20]:
            click.echo(f"  {line}", err=True)
        sys.exit(EXIT_NO_SCHEDULE)
    if baseline is not None and "stable_seconds" in baseline and result.status.has_schedule:
        result = _stable(loaded, result, baseline, again, options)
    if again is not None and result.status.has_schedule:
        from .scheduler.reforecast import complete

        try:
            result = complete(again, result)
        except VerificationError as exc:
            click.echo("rackplan: INTERNAL ERROR: " + "; ".join(exc.violations[:5]), err=True)
            sys.exit(EXIT_NO_SCHEDULE)
    click.echo(report(result), nl=False, err="-" in outputs.values())
    doc = schedule_to_dict(result) if outputs else None
    if baseline is not None and result.status.has_schedule:
        from .exports.baseline import annotate, baseline_text
        from .scheduler.baseline import BaselineError

        try:
            changed = {c[0] for c in again.progress.crews} if again else set()
            text = _plan_text(plan)
            click.echo("\n" + baseline_text(baseline, result, changed,
                                             again.progress if again else None, text),
                       nl=False, err="-" in outputs.values())
            doc = annotate(doc, baseline, result) if doc is not None else None
        except BaselineError as exc:
            raise click.UsageError(f"--baseline: {exc}") from None
    if not result.status.has_schedule:
        # Only the JSON makes sense without a schedule (status, bound, targets for scripts).
        skipped = sorted(k for k in outputs if k != "json")
        outputs = {k: v for k, v in outputs.items() if k == "json"}
        if skipped:
            click.echo(f"rackplan: no schedule, so nothing written for --{', --'.join(skipped)}",
                       err=True)
        if result.status.value == "infeasible":
            click.echo(f"rackplan: run `rackplan check {plan}` for the plan statements that "
                       "conflict", err=True)
    if outputs:
        _write(doc, outputs, timescale)
    if result.interrupted and not result.status.has_schedule:
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_OK if result.status.has_schedule else EXIT_NO_SCHEDULE)


@main.command(short_help="The cheapest crew sizes that still meet the targets.")
@PLAN_ARG
@click.option("--by", "by", default=None, metavar="TARGET|DATE|DURATION",
              help="The date to make: a target of the plan, a date, or a duration from the "
                   "start such as 100d (default: the plan's hard date for everything).")
@solver_options("Seconds for the whole search.")
@output_options
@click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr.")
@click.option("--frontier", type=click.IntRange(min=2, max=20), default=None, metavar="N",
              help="Also the cost-vs-finish curve at N dates up to --by, sized in parallel "
                   "(half the time limit); in the JSON and as a workbook chart too.")
@click.option("--cluster", default=None, metavar="tcp://HOST:8786",
              help="Size the frontier's dates on this Dask scheduler instead of local "
                   "processes.")
@scenario_options
def crews(plan, by, time_limit, workers, seed, json_path, xlsx_path, csv_path, ics_path,
          mspdi_path, timescale, quiet, frontier, cluster, sets, scenario):
    """Choose the size of every crew written as `capacity = { min, max }` so that every hard
    target is met and everything finishes by the date, at the least crew cost (their pay over
    the window; the least crews where no price is given). Prints the sizes, their cost, the
    proven lower bound and gap, and the schedule they give; outputs as for `schedule`.

    \b
    Exit status: 0 sizes found, 1 none meet the date even at the largest sizes (or none found
    in time), 2 invalid plan or bad usage.
    """
    from .exports.crews import crews_text
    from .exports.json_schedule import schedule_to_dict
    from .exports.text import report
    from .scheduler.cpsat import SolveOptions
    from .scheduler.cpsat.crews import deadline_of, size_crews

    outputs = _outputs(json_path, xlsx_path, csv_path, ics_path, mspdi_path)
    _check(outputs)
    loaded = _load(plan, None, sets, scenario)
    if not any(r.sizing for r in loaded.resources.values()):
        raise click.UsageError(f"{plan}: no resource has a size to choose; write its capacity "
                               "as { min = ..., max = ... }")
    try:
        deadline = deadline_of(loaded, by)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    points = []
    with CtrlC():
        try:
            if frontier:
                from .exports.crews import frontier_text
                from .scheduler.cpsat.crews import frontier as curve
                from .scheduler.executor import ClusterError
                from .scheduler.source import Source

                try:
                    points = curve(loaded, deadline, frontier,
                                   SolveOptions(time_limit / 2, workers, seed),
                                   source=Source.read(plan, sets, scenario), cluster=cluster)
                except ClusterError as exc:
                    _fail_output(str(exc))
                click.echo(frontier_text(loaded, points) + "\n", nl=False,
                           err="-" in outputs.values())
                time_limit = time_limit / 2
            answer = size_crews(loaded, deadline, SolveOptions(time_limit, workers, seed))
        except KeyboardInterrupt:
            click.echo("rackplan: interrupted; no crew sizes", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except VerificationError as exc:
            click.echo("rackplan: INTERNAL ERROR: the crew sizes give a schedule that fails "
                       "verification; this is a rackplan bug: " + "; ".join(exc.violations[:5]),
                       err=True)
            sys.exit(EXIT_NO_SCHEDULE)
    to_stderr = "-" in outputs.values()
    click.echo(crews_text(loaded, answer), nl=False, err=to_stderr)
    if answer.schedule is None:
        if answer.status.value == "infeasible":
            click.echo(f"rackplan: run `rackplan check {plan}` (it uses the largest sizes) for "
                       "the statements that conflict", err=True)
        sys.exit(EXIT_NO_SCHEDULE)
    click.echo("\n" + report(answer.schedule), nl=False, err=to_stderr)
    if outputs:
        doc = schedule_to_dict(answer.schedule)
        if points:
            from .exports.crews import frontier_rows

            doc["frontier"] = frontier_rows(loaded, points)
        _write(doc, outputs, timescale)
    sys.exit(EXIT_OK)


@main.command(short_help="Re-export a saved JSON schedule without solving.")
@click.argument("schedule_json", metavar="SCHEDULE.json",
                type=click.Path(exists=True, dir_okay=False))
@output_options
@click.option("--baseline", "baseline_path", type=click.Path(exists=True, dir_okay=False),
              help="A committed schedule (--json): baseline dates and variance in the outputs.")
def export(schedule_json, json_path, xlsx_path, csv_path, ics_path, mspdi_path, timescale,
           baseline_path):
    """Write SCHEDULE.json (from `rackplan schedule --json`) as a workbook, CSV, iCalendar or
    MS Project XML, without solving again."""
    from .exports import ExportError
    from .exports.baseline import annotate_doc
    from .exports.json_schedule import load_schedule

    outputs = _outputs(json_path, xlsx_path, csv_path, ics_path, mspdi_path)
    if not outputs:
        raise click.UsageError("nothing to export: give --xlsx, --csv, --ics, --mspdi, --pmxml "
                               "or --json")
    _check(outputs)
    try:
        doc = load_schedule(schedule_json)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    if baseline_path is not None:
        try:
            doc = annotate_doc(doc, load_schedule(baseline_path))
        except ExportError as exc:
            _fail_output(str(exc))
    _write(doc, outputs, timescale)


@main.command(short_help="Fail CI when a plan can no longer meet its targets, and say why.")
@PLAN_ARG
@solver_options("Seconds for the whole check, explanations included.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on lint warnings too.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="The verdict, reasons and warnings as JSON ('-' for stdout).")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="JUnit XML: one test case per target and per lint rule.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr.")
@scenario_options
@progress_options
@click.option("--max-slip", default=None, metavar="DURATION",
              help="With --baseline: fail (exit 1) when a target or milestone forecast slips "
                   "more than this against the baseline, e.g. 3d.")
@click.option("--confidence", type=click.FloatRange(min=0.01, max=0.99), default=None,
              metavar="P", help="Also fail (exit 1) unless every hard target is met in at "
              "least this share of levelled risk iterations, e.g. 0.8.")
@click.option("--iterations", type=click.IntRange(min=1), default=1000, show_default=True,
              help="With --confidence: at most this many risk iterations.")
def check(plan, time_limit, workers, seed, strict, json_path, junit_path, quiet, sets,
          scenario, baseline_path, no_stable, progress_path, as_of, out_of_sequence, max_slip,
          confidence, iterations):
    """Check that PLAN can meet every hard target, for CI.

    \b
    Exit status:
      0  feasible, and every hard target is met (soft targets are reported, not failed)
      1  a hard target is missed, or the plan is infeasible (with --strict: or warnings)
      2  the plan is invalid, or the command was misused
      3  within the time limit, no schedule meeting the targets was found and none was
         ruled out

    A missed target comes with how late it is, the chain of tasks and crew waits that drives
    it, the bottleneck crew and what one more unit of it would buy. An infeasible plan comes
    with a minimal set of its statements that cannot all hold, with their lines. Warnings
    follow the DCMA 14-point assessment. Under GitHub Actions (GITHUB_ACTIONS=true) the
    findings are also printed as annotations on the plan's lines.
    """
    from .exports.check_report import check_json, github_annotations, junit, text
    from .scheduler.check import check as run_check

    outputs = {"json": json_path, "junit": junit_path}
    if sum(1 for p in outputs.values() if p == "-") > 1:
        raise click.UsageError("only one output can go to stdout ('-')")
    _check({k: v for k, v in outputs.items() if v})
    written = _load(plan, None, sets, scenario)
    loaded, _ = _with_progress(written, progress_path, as_of, out_of_sequence)
    started = time.monotonic()
    with CtrlC() as ctrl_c:
        try:
            try:
                report = run_check(loaded, time_limit, workers, seed,
                                   None if quiet else _progress(loaded, started),
                                   None if quiet else _phase(started), lint_plan=written)
            finally:
                ctrl_c.settle()
        except VerificationError as exc:
            click.echo("rackplan: INTERNAL ERROR: a schedule failed verification; this is a "
                       "rackplan bug: " + "; ".join(exc.violations[:5]), err=True)
            sys.exit(EXIT_NO_SCHEDULE)
        to_stdout = "-" in outputs.values()
        click.echo(text(report, strict), nl=False, err=to_stdout)
        if report.interrupted:
            click.echo("rackplan: check stopped by Ctrl-C: the verdict is what was decided by "
                       "then", err=True)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for line in github_annotations(report):
                click.echo(line, err=to_stdout)
        _write_text(json_path, lambda: check_json(report, strict))
        _write_text(junit_path, lambda: junit(report, strict))
    code = report.exit_code(strict)
    if max_slip is not None and code == 0:
        code = _slip_gate(loaded, report.schedule, _baseline(baseline_path), max_slip)
    if confidence is not None and code == 0:
        code = _confidence_gate(plan, written, confidence, iterations, seed, quiet, sets,
                                scenario)
    sys.exit(code)


def _confidence_gate(path, plan, confidence, iterations, seed, quiet, sets, scenario) -> int:
    """--confidence P: exit 1 when a hard target is met in fewer than P of the iterations."""
    from .scheduler.risk import study
    from .scheduler.source import Source

    source = Source.read(path, sets, scenario)
    started = time.monotonic()
    summary = study(source, plan, iterations=iterations, seed=seed,
                    progress=None if quiet else _risk_progress(plan, started))
    n = summary["scheduled"]
    failed = 0
    for t in summary.get("targets", []):
        if not t["hard"]:
            continue
        due = plan.slot_to_datetime(t["due"]).in_timezone(plan.timezone)
        verdict = "ok" if t["probability"] >= confidence else "FAILED"
        failed += verdict == "FAILED"
        click.echo(f"confidence {verdict}: {t['id']} (due {due.format('YYYY-MM-DD HH:mm')}) "
                   f"is met in {t['probability']:.0%} of {n:,} levelled risk iterations; "
                   f"{confidence:.0%} required", err=True)
    if not n:
        click.echo("confidence FAILED: no risk iteration could be scheduled", err=True)
        return EXIT_NO_SCHEDULE
    return EXIT_NO_SCHEDULE if failed else EXIT_OK


def _slip_gate(plan, schedule, baseline, max_slip) -> int:
    """--max-slip: exit 1 when a target or milestone slipped more than the limit."""
    from .scheduler.baseline import BaselineError, baseline_slots, target_variances, task_variances
    from .scheduler.baseline import max_slip as slipped
    from .scheduler.units import ValueProblem, to_slots

    if baseline is None:
        raise click.UsageError("--max-slip needs --baseline FILE")
    try:
        limit = to_slots(max_slip, plan.slot_minutes)
    except ValueProblem as exc:
        raise click.BadParameter(str(exc), param_hint="--max-slip") from None
    if schedule is None or not schedule.status.has_schedule:
        return 0
    try:
        base = baseline_slots(baseline, schedule)
    except BaselineError as exc:
        raise click.UsageError(f"--baseline: {exc}") from None
    milestones = [v for v in task_variances(base, schedule) if plan.tasks[v.id].is_milestone]
    lines = slipped(target_variances(baseline, schedule), milestones, limit, plan.slot_minutes)
    for line in lines:
        click.echo(f"rackplan: slipped more than {max_slip}: {line}", err=True)
    return 1 if lines else 0


@main.command(short_help="Solve the plan and its scenarios side by side.")
@PLAN_ARG
@click.option("--scenario", "names", multiple=True, metavar="NAME",
              help="A scenario of the plan to compare (repeatable; default: all of them).")
@click.option("--set", "sets", multiple=True, callback=_parse_sets, metavar="PATH=VALUE",
              help="An override applied to the base plan and every scenario (repeatable).")
@solver_options("Seconds for the whole comparison; the scenarios solve in parallel.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="The comparison as JSON ('-' for stdout).")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False),
              help="The comparison as a workbook (a Compare sheet with a chart).")
@click.option("--cluster", default=None, metavar="tcp://HOST:8786",
              help="Solve the scenarios on this Dask scheduler instead of local processes.")
def compare(plan, names, sets, time_limit, workers, seed, json_path, xlsx_path, cluster):
    """Solve PLAN as written and each of its [scenarios.NAME] (or the ones named), with any
    --set applied to all, and print one table: a column per scenario with the finish, each
    target's forecast and slack, peak crews, cost and GPUs online at the target dates.

    \b
    Exit status: 0 compared, 2 invalid plan, scenario or override.
    """
    from .exports.compare import compare_json, compare_text, write_compare_workbook
    from .scheduler.compare import compare as run_compare
    from .scheduler.executor import ClusterError
    from .scheduler.load import parse_toml
    from .scheduler.overrides import scenario_names
    from .scheduler.source import Source

    _check({k: v for k, v in {"json": json_path, "xlsx": xlsx_path}.items() if v})
    try:
        with open(plan, encoding="utf-8") as fh:
            data = parse_toml(plan, fh.read())
    except PlanInvalid as exc:
        for line in exc.lines():
            click.echo(line, err=True)
        sys.exit(EXIT_INVALID)
    except OSError as exc:
        raise click.FileError(plan, hint=str(exc)) from None
    chosen = list(names) or scenario_names(data)
    plans = [("base", _load(plan, None, sets))] + [
        (name, _load(plan, None, sets, name)) for name in chosen]
    sources = [(name, Source.read(plan, sets, None if name == "base" else name))
               for name, _ in plans]
    try:
        outcomes = run_compare(sources, time_limit, workers, seed, cluster)
    except ClusterError as exc:
        _fail_output(str(exc))
    except KeyboardInterrupt:
        click.echo("rackplan: interrupted; nothing compared", err=True)
        sys.exit(EXIT_INTERRUPTED)
    for o, (_, loaded) in zip(outcomes, plans):
        o.plan = loaded
    to_stdout = json_path == "-"
    click.echo(compare_text(outcomes), nl=False, err=to_stdout)
    _write_text(json_path, lambda: compare_json(outcomes))
    if xlsx_path:
        from .exports import ExportError

        try:
            write_compare_workbook(outcomes, xlsx_path)
        except ExportError as exc:
            _fail_output(str(exc))
    sys.exit(EXIT_OK)


@main.command(short_help="How sure is the date? Levelled Monte Carlo over the plan's risks.")
@PLAN_ARG
@click.option("--iterations", type=click.IntRange(min=1, max=1_000_000), default=1000,
              show_default=True, help="At most this many iterations (fewer once P80 is stable, "
              "unless --all-iterations).")
@click.option("--all-iterations", is_flag=True, help="Run every iteration; no early stop.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Same seed, same numbers, however many workers.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes (default: the machine's cores).")
@click.option("--cluster", default=None, metavar="tcp://HOST:8786",
              help="Run the iterations on this Dask scheduler instead.")
@click.option("--verify", "check", type=click.Choice(["sample", "all", "none"]),
              default="sample", show_default=True,
              help="Which iterations the feasibility verifier checks.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="The study as JSON ('-' for stdout).")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False),
              help="A workbook with the Risk sheet (S-curve, histogram, tornado).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr.")
@click.option("--max-tasks", type=click.IntRange(min=1), default=None,
              help="Refuse plans that expand to more tasks than this.")
@click.option("--progress", "progress_path", type=click.Path(exists=True, dir_okay=False),
              help="What happened so far (CSV or the workbook's Progress sheet): the study is "
                   "of the work left from the status date.")
@click.option("--as-of", "as_of", default=None, metavar="DATETIME",
              help="The status date (default: the progress file's status_date).")
@click.option("--out-of-sequence", type=click.Choice(["retain", "override"]), default="retain",
              show_default=True, help="Tasks started before their predecessors finished.")
@scenario_options
def risk(plan, iterations, all_iterations, seed, workers, cluster, check, json_path, xlsx_path,
         quiet, max_tasks, progress_path, as_of, out_of_sequence, sets, scenario):
    """Sample PLAN's uncertainty (duration ranges, delivery delays, [risks.*]) many times,
    level every sample with the crews, docks, storage and calendars, and report P10-P90 of
    the finish and of every target, the chance to meet each target, what drives the finish
    and the GPUs-online curve at P50 and P80.

    \b
    Exit status: 0 done, 1 no iteration could be scheduled, 2 invalid plan or option,
    130 interrupted before any iteration finished.
    """
    doc = _risk_study(plan, iterations, all_iterations, seed, workers, cluster, check,
                      {"json": json_path, "xlsx": xlsx_path}, quiet, max_tasks, sets, scenario,
                      (progress_path, as_of, out_of_sequence))
    sys.exit(EXIT_OK if "finish" in doc else EXIT_NO_SCHEDULE)


def _risk_study(plan, iterations, all_iterations, seed, workers, cluster, check, outputs, quiet,
                max_tasks, sets, scenario, past=(None, None, "retain")) -> dict:
    """Run a risk study, print it and write its outputs; the document."""
    from .exports.risk import risk_document, risk_text, write_risk_workbook
    from .scheduler.executor import ClusterError
    from .scheduler.risk import study, uncertain
    from .scheduler.source import Source

    outputs = {k: v for k, v in outputs.items() if v}
    _check(outputs)
    written = _load(plan, max_tasks, sets, scenario)
    loaded, again = _with_progress(written, *past)
    if not uncertain(loaded):
        click.echo(f"rackplan: warning: {plan} gives no duration ranges, delivery delays or "
                   "risks: every iteration is the deterministic schedule (see [uncertainty] "
                   "in the README)", err=True)
    source = Source.read(plan, sets, scenario, max_tasks)
    if again is not None:  # the workers rebuild the work left from the same rows
        source = replace(source, progress=(past[0], tuple(tuple(r.items()) for r in
                                                          _progress_rows(past[0])),
                                           past[1], past[2] == "override"))
    started = time.monotonic()
    try:
        summary = study(source, loaded, iterations=iterations, seed=seed, workers=workers,
                        cluster=cluster, check=check, until_stable=not all_iterations,
                        progress=None if quiet else _risk_progress(loaded, started))
    except ClusterError as exc:
        _fail_output(str(exc))
    except VerificationError as exc:
        click.echo("rackplan: INTERNAL ERROR: a schedule failed verification; this is a "
                   "rackplan bug: " + "; ".join(exc.violations[:5]), err=True)
        sys.exit(EXIT_NO_SCHEDULE)
    if not summary["iterations"]:
        click.echo("rackplan: interrupted before any iteration finished", err=True)
        sys.exit(EXIT_INTERRUPTED)
    doc = risk_document(loaded, summary, check)
    to_stdout = outputs.get("json") == "-"
    click.echo(risk_text(doc), nl=False, err=to_stdout)
    _write_text(outputs.get("json"), lambda: json_text(doc))
    if "xlsx" in outputs:
        from .exports import ExportError

        try:
            write_risk_workbook(doc, outputs["xlsx"])
        except ExportError as exc:
            _fail_output(str(exc))
    return doc


def json_text(doc: dict) -> str:
    from .exports.json_schedule import json_text as text

    return text(doc)


def _risk_progress(plan, started: float):
    day = plan.slot_minutes / 1440
    last = {"at": -1e9}

    def show(done, total, p80):
        elapsed = time.monotonic() - started
        if not done or (elapsed - last["at"] < 2 and done < total):
            return
        last["at"] = elapsed
        eta = elapsed / done * (total - done) if done else 0
        running = f"  running P80 day {p80 * day:.1f}" if p80 is not None else ""
        click.echo(f"[{elapsed:5.0f}s] {done:,}/{total:,} iterations{running}  "
                   f"(at most {eta:,.0f}s more)", err=True)

    return show


def _write_text(path, make) -> None:
    if not path:
        return
    if path == "-":
        click.echo(make(), nl=False)
        return
    from .exports.atomic import ExportError, write_atomic

    try:
        write_atomic(path, make().encode("utf-8"))
    except ExportError as exc:
        _fail_output(str(exc))


def _phase(started: float):
    """What `check` is doing now, as a progress line on stderr."""
    def say(text: str) -> None:
        elapsed = time.monotonic() - started
        if elapsed >= 1.0:  # a check that takes under a second needs no narration
            click.echo(f"[{elapsed:5.0f}s] {text}", err=True)
    return say


def _progress(plan, started: float | None = None):
    """Progress of a solve on stderr; times count from `started` (the command's start) when
    several solves make up one command, else from the solve's own start."""
    day = 1440 / plan.slot_minutes
    # A finish objective with soft targets adds their lateness penalties to the finish: the
    # number is then no date, so say what it counts.
    scored = " (finish + late penalties)" if any(
        not t.hard for t in plan.targets.values()) else ""

    last = {"state": None, "at": -1e9}

    def show(elapsed, best, bound):
        if started is not None:
            elapsed = time.monotonic() - started
        # A line when the best or the bound moves, else a heartbeat every 5 s.
        if (best, bound) == last["state"] and elapsed - last["at"] < 5 or elapsed < 1.0:
            return
        last.update(state=(best, bound), at=elapsed)
        parts = [f"[{elapsed:5.0f}s]"]
        if best is None:
            parts.append("searching, no schedule yet")
        elif plan.objective.kind == "finish":
            parts.append(f"best {best / day:.1f} d{scored}" if scored else
                         f"best day {best / day:.1f}")
        else:
            parts.append(f"best objective {best:,}")
        if bound is not None and plan.objective.kind == "finish":
            parts.append(f"bound {bound / day:.1f} d" if scored else f"bound day {bound / day:.1f}")
        elif bound is not None:
            parts.append(f"bound {bound:,}")
        if best and bound is not None:
            parts.append(f"gap {100 * max(0, best - bound) / abs(best):.1f}%")
        click.echo("  ".join(parts), err=True)

    return show


if __name__ == "__main__":
    main()
