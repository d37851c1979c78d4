"""Re-forecasting a running build-out (issue 14): the Colossus plan at day 40 from
plans/colossus-progress-day40.csv, against a fresh schedule of the same plan in the same run.

    python bench/reforecast.py [--time-limit 60]

Prints the time to the first verified schedule and the proven gap of the fresh schedule and of
the re-forecast (as a ratio), and how many unstarted tasks the re-forecast moves against the
fresh schedule as its baseline, before and after the stable second stage.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tabulate import tabulate

from rackplan.exports.json_schedule import schedule_to_dict
from rackplan.scheduler.baseline import baseline_slots
from rackplan.scheduler.cpsat import SolveOptions, solve
from rackplan.scheduler.cpsat.stable import moved, stabilise
from rackplan.scheduler.load import load_plan
from rackplan.scheduler.progress import read_progress, remaining_plan

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    args = ap.parse_args()
    plan = load_plan(ROOT / "plans" / "colossus-122d.toml")
    options = SolveOptions(time_limit=args.time_limit, workers=2, seed=0)
    fresh = solve(plan, options)
    base = baseline_slots(schedule_to_dict(fresh), fresh)
    progress = read_progress(ROOT / "plans" / "colossus-progress-day40.csv", plan)
    future = remaining_plan(plan, progress)
    started = time.monotonic()
    again = solve(future, SolveOptions(time_limit=args.time_limit * 2 / 3, workers=2, seed=0))
    unstarted = {t: s for t, s in base.items() if t in future.tasks and t not in progress.tasks}
    before = moved(again.tasks, unstarted)
    _, how = stabilise(future, again, unstarted, args.time_limit / 3, 2, 0)
    wall = time.monotonic() - started
    rows = [("fresh schedule", f"{fresh.first_solution_time:.1f}", f"{fresh.wall_time:.1f}",
             f"{100 * (fresh.gap or 0):.1f}%", "-", "-"),
            ("re-forecast at day 40", f"{again.first_solution_time:.1f}", f"{wall:.1f}",
             f"{100 * (again.gap or 0):.1f}%", f"{before[0]:,} of {len(unstarted):,}",
             f"{how.moved:,} (largest {how.largest} slots)")]
    print(tabulate(rows, headers=["run", "first verified s", "wall s", "proven gap",
                                  "moved (one stage)", "moved (stable)"]))
    ratio = again.first_solution_time / max(fresh.first_solution_time, 1e-9)
    print(f"\nfirst verified schedule, re-forecast / fresh: {ratio:.2f}")



if __name__ == "__main__":
    main()
