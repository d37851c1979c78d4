"""Crew sizing on PSPLIB J30 as the resource availability cost problem (RACP), the way the
literature builds it: each instance's four resources get sizes to choose and a unit cost, the
deadline is a multiple of the critical path, and the cost is the sum of size x unit cost.

    python bench/racp.py [--instances 30] [--factors 1.0,1.2,1.5] [--time-limit 10]

rackplan (`scheduler/cpsat/crews.py`: sizes as CP-SAT variables, proven bound) against a baseline
measured in the same run: what a PM does by hand today — one uniform multiplier on every crew's
PSPLIB capacity, binary-searched with the list scheduler until the deadline is met.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from dataclasses import replace
from pathlib import Path

from tabulate import tabulate

from rackplan.scheduler.calendar import Calendars
from rackplan.scheduler.cpsat import SolveOptions
from rackplan.scheduler.cpsat.crews import size_crews
from rackplan.scheduler.heuristic import earliest_finishes, list_schedule
from rackplan.scheduler.load import load_plan

ROOT = Path(__file__).resolve().parent.parent
J30 = ROOT.parent / "shared" / "psplib" / "j30"


def racp(plan, rng: random.Random):
    """Sizes from the largest single demand to the sum of all demands, unit costs 1-10."""
    resources = {}
    for rid, res in plan.resources.items():
        demands = [m.demands.get(rid, 0) for t in plan.tasks.values() for m in t.modes]
        lo = max(demands, default=0)
        hi = max(lo, sum(demands))
        resources[rid] = replace(res, sizing=(lo, hi), steps=((0, hi),),
                                 cost_per_hour=float(rng.randint(1, 10)))
    return replace(plan, resources=resources)


def baseline(plan, deadline: int) -> tuple[int | None, dict[str, int]]:
    """The smallest uniform multiplier (in 1/20 steps) on the PSPLIB capacities whose list
    schedule meets the deadline; its cost in unit-cost x size."""
    base = {rid: r.steps[0][1] for rid, r in plan.resources.items()}
    lo_of = {rid: r.sizing[0] for rid, r in plan.resources.items()}

    def sizes(m):
        return {rid: max(lo_of[rid], math.ceil(m * base[rid] / 20)) for rid in base}

    def meets(m) -> bool:
        trial = replace(plan, resources={rid: replace(r, steps=((0, sizes(m)[rid]),),
                                                      sizing=None)
                                         for rid, r in plan.resources.items()})
        tasks = list_schedule(trial, Calendars(trial))
        return tasks is not None and max(st.finish for st in tasks.values()) <= deadline

    lo, hi = 1, 20
    while not meets(hi) and hi < 20 * 64:
        hi *= 2
    if not meets(hi):
        return None, {}
    while lo < hi:
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid + 1
    chosen = sizes(hi)
    return sum(int(plan.resources[r].cost_per_hour) * n for r, n in chosen.items()), chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=30)
    ap.add_argument("--factors", default="1.0,1.2,1.5")
    ap.add_argument("--time-limit", type=float, default=10.0)
    args = ap.parse_args()
    files = sorted(J30.glob("*.sm"))[:args.instances]
    rows = []
    for factor in [float(f) for f in args.factors.split(",")]:
        proven, gaps, ratios, secs, base_secs = 0, [], [], [], []
        for path in files:
            rng = random.Random(path.name)
            plan = racp(load_plan(path), rng)
            cp = max(earliest_finishes(plan, Calendars(plan))[1].values())
            deadline = math.ceil(factor * cp)
            started = time.monotonic()
            answer = size_crews(plan, deadline, SolveOptions(args.time_limit, 1, 0))
            secs.append(time.monotonic() - started)
            started = time.monotonic()
            by_hand, _ = baseline(plan, deadline)
            base_secs.append(time.monotonic() - started)
            if answer.cost is None:
                continue
            # unit cents include the window (deadline x hours): back to unit-cost x size
            cost = sum(int(plan.resources[r].cost_per_hour) * n for r, n in answer.sizes.items())
            proven += answer.status.value == "optimal"
            gaps.append(answer.gap or 0.0)
            if by_hand:
                ratios.append(cost / by_hand)
        rows.append((f"{factor:.1f} x CP", len(files), proven,
                     f"{100 * statistics.mean(gaps):.2f}%" if gaps else "-",
                     f"{statistics.mean(ratios):.3f}" if ratios else "-",
                     f"{statistics.mean(secs):.1f}", f"{statistics.mean(base_secs):.2f}"))
    print(tabulate(rows, headers=["deadline", "instances", "proven optimal", "mean gap",
                                  "cost / by-hand", "s (rackplan)", "s (by hand)"]))


if __name__ == "__main__":
    main()
