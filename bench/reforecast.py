"""Re-forecasting a running build-out (issue 14): the Colossus plan at day 40 from
plans/colossus-progress-day40.csv, against a fresh schedule of the same plan in the same run.

    python bench/reforecast.py [--time-limit 60] [--late-batch]

Prints the time to the first verified schedule and the proven gap of the fresh schedule and of
the re-forecast (as a ratio), and how many unstarted tasks the re-forecast moves against the
fresh schedule as its baseline, before and after the stable second stage.

--late-batch: instead of the day-40 file, everything up to day 40 went exactly as the fresh
schedule says except one truck (hall B's 20 racks of Friday 7 June) that has not come: the
stable re-forecast should move only what waits for those racks, a few percent of the
unstarted tasks.
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
    ap.add_argument("--late-batch", action="store_true")
    args = ap.parse_args()
    plan = load_plan(ROOT / "plans" / "colossus-122d.toml")
    options = SolveOptions(time_limit=args.time_limit, workers=2, seed=0)
    fresh = solve(plan, options)
    base = baseline_slots(schedule_to_dict(fresh), fresh)
    if args.late_batch:
        progress = read_progress("late-batch.csv", plan, rows=_late_batch_rows(plan, fresh))
    else:
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
            ("re-forecast at day 40" + (", one late truck" if args.late_batch else ""),
             f"{again.first_solution_time:.1f}", f"{wall:.1f}",
             f"{100 * (again.gap or 0):.1f}%", f"{before[0]:,} of {len(unstarted):,}",
             f"{how.moved:,} (largest {how.largest} slots)")]
    print(tabulate(rows, headers=["run", "first verified s", "wall s", "proven gap",
                                  "moved (one stage)", "moved (stable)"]))
    ratio = again.first_solution_time / max(fresh.first_solution_time, 1e-9)
    print(f"\nfirst verified schedule, re-forecast / fresh: {ratio:.2f}")
    print(f"stable: {how.moved:,} of {len(unstarted):,} unstarted tasks moved "
          f"({100 * how.moved / max(1, len(unstarted)):.1f}%)")
    if args.late_batch:
        waiting = _downstream(plan, LATE_TASKS)
        print(f"tasks downstream of the late racks: {len(waiting):,} "
              f"({100 * len(waiting) / max(1, len(unstarted)):.1f}% of the unstarted)")


STATUS_DAY = 40
LATE = ("racks-hall-B", "2024-06-07")  # (delivery, local arrival date) of the truck not come
LATE_TASKS: set[str] = set()


def _late_batch_rows(plan, fresh) -> list[dict]:
    """Progress rows: every task begun by day 40 in the fresh schedule as it says (finished or
    in progress), every truck received as planned but one, whose racks' tasks and all that
    follows them have not begun."""
    status = STATUS_DAY * 1440 // plan.slot_minutes
    when = lambda slot: plan.slot_to_datetime(slot).in_timezone(plan.timezone) \
        .format("YYYY-MM-DDTHH:mm")  # noqa: E731
    unc = plan.uncertainty
    late = {tid for tid, arrivals in unc.arrivals.items()
            if any(did == LATE[0] and when(slot).startswith(LATE[1])
                   for slot, did, _ in arrivals)}
    LATE_TASKS.update(late)
    held = _downstream(plan, late)
    rows = [{"status_date": when(status)}]
    for tid, st in fresh.tasks.items():
        if st.start < status and tid not in held:
            rows.append({"task": tid, "actual_start": when(st.start),
                         "actual_finish": when(st.finish) if st.finish <= status else ""})
    trucks: dict[tuple[str, int], int] = {}
    for arrivals in unc.arrivals.values():
        for slot, did, _ in arrivals:
            if slot <= status and not (did == LATE[0] and when(slot).startswith(LATE[1])):
                trucks[(did, slot)] = trucks.get((did, slot), 0) + 1
    rows += [{"delivery": did, "arrived": when(slot), "quantity": str(n)}
             for (did, slot), n in sorted(trucks.items())]
    return rows


def _downstream(plan, tasks: set[str]) -> set[str]:
    succ = plan.successors()
    out, todo = set(tasks), list(tasks)
    while todo:
        for nxt, _ in succ[todo.pop()]:
            if nxt not in out:
                out.add(nxt)
                todo.append(nxt)
    return out



if __name__ == "__main__":
    main()
