"""Export benchmark: time, size and memory of every export of a plan's schedule.

    python bench/export.py [PLAN] [--repeat N]

The schedule comes from the list-scheduling heuristic (no CP-SAT: this measures the exports).
Times are also given as a ratio to a baseline measured in the same run — openpyxl write-only
writing the same number of plain cells — because the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook, load_workbook  # noqa: E402
from tabulate import tabulate  # noqa: E402

from rackplan.exports.csv_tasks import write_csv  # noqa: E402
from rackplan.exports.ics import write_ics  # noqa: E402
from rackplan.exports.json_schedule import schedule_to_dict, write_json  # noqa: E402
from rackplan.exports.mspdi import write_mspdi  # noqa: E402
from rackplan.exports.xlsx import write_workbook  # noqa: E402
from rackplan.scheduler.heuristic import list_schedule  # noqa: E402
from rackplan.scheduler.load import load_plan  # noqa: E402
from rackplan.scheduler.schedule import Schedule, SolveStatus  # noqa: E402


def baseline(num_cells: int, width: int = 17) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("x")
    row = list(range(width))
    for _ in range(num_cells // width):
        ws.append(row)
    wb.save(io.BytesIO())


def measure(fn, repeat: int):
    """Best wall time over `repeat` runs, then the peak Python heap of one more traced run
    (tracemalloc slows code several-fold, so it never runs while timing)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("plan", nargs="?", default="plans/colossus-122d.toml")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--readme", action="store_true",
                    help="also write the table into bench/README.md")
    args = ap.parse_args()
    plan = load_plan(args.plan)
    tasks = list_schedule(plan)
    schedule = Schedule(plan, SolveStatus.FEASIBLE, tasks, source="heuristic")
    t = time.perf_counter()
    doc = schedule_to_dict(schedule)
    doc_time = time.perf_counter() - t
    folder = Path(tempfile.mkdtemp(prefix="rackplan-bench-"))
    writers = {
        "json": (lambda p: write_json(doc, p), "s.json"),
        "xlsx": (lambda p: write_workbook(doc, p), "s.xlsx"),
        "csv": (lambda p: write_csv(doc, p), "s.csv"),
        "ics": (lambda p: write_ics(doc, p), "s.ics"),
        "mspdi": (lambda p: write_mspdi(doc, p, doc["calendars"]), "s.xml"),
    }
    rows = []
    results = {}
    for kind, (fn, name) in writers.items():
        path = folder / name
        secs, peak = measure(lambda fn=fn, path=path: fn(path), args.repeat)
        results[kind] = (secs, peak, path.stat().st_size)
    cells = sum(1 for ws in load_workbook(folder / "s.xlsx", read_only=True).worksheets
                for row in ws.iter_rows() for c in row if c.value is not None)
    base, _ = measure(lambda: baseline(cells), args.repeat)
    for kind, (secs, peak, size) in results.items():
        rows.append((kind, f"{secs:.2f}", f"{secs / base:.2f}", f"{size / 1e6:.2f}",
                     f"{peak / 1e6:.0f}"))
    table = (f"plan: {args.plan}  tasks: {len(plan.tasks):,}  schedule document: "
             f"{doc_time:.2f} s  workbook cells with values: {cells:,}\n"
             f"baseline: openpyxl write-only, {cells:,} plain cells: {base:.2f} s\n\n"
             + tabulate(rows, headers=["export", "seconds", "x baseline", "MB on disk",
                                       "peak MB (Python heap)"], tablefmt="github"))
    print(table)
    if args.readme:
        import readme

        readme.update(f"export {Path(args.plan).name}", table)
    for p in folder.iterdir():
        os.unlink(p)
    folder.rmdir()


if __name__ == "__main__":
    main()
