"""Risk study speed: levelled Monte Carlo iterations against one deterministic list schedule.

    python bench/risk.py [--iterations N] [--workers W] [--big-iterations N] [--skip-big]

Plans: plans/colossus-122d.toml (with its risks) and a generated 1,000,000-GPU build-out
(bench/buildout.py plus the same kind of uncertainty). For each: the time of one
deterministic list schedule (the rules `rackplan schedule` tries first, in this run: the
baseline), then a risk study of N iterations on W local worker processes (no early stop), and
the ratio seconds per iteration per core / the baseline. Targets (issue 15): 1,000 Colossus
iterations within 3 minutes on 2 cores; 100 iterations of 1M GPUs within 10 minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))

from rackplan.scheduler.heuristic import list_schedule  # noqa: E402
from rackplan.scheduler.risk import study  # noqa: E402
from rackplan.scheduler.source import Source  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from buildout import plan_text  # noqa: E402

UNCERTAINTY = """
[uncertainty]
durations = "-10%..+25%"
dist = "pert"
trades = { fiber = "-25%..+50%" }
[risks.mis-cabling]
probability = 0.1
tasks = ["array:fabric-test"]
extra = "+100%"
each = true
[risks.utility-late]
probability = 0.2
tasks = ["utility-energisation"]
late = "7d"
"""


def measure(name: str, source: Source, iterations: int, workers: int) -> list:
    plan = source.load()
    started = time.monotonic()
    list_schedule(plan)
    single = time.monotonic() - started
    started = time.monotonic()
    summary = study(source, plan, iterations=iterations, workers=workers, until_stable=False)
    wall = time.monotonic() - started
    per_core = wall * workers / iterations
    day = plan.slot_minutes / 1440
    return [name, f"{len(plan.tasks):,}", f"{single:.2f}", iterations, workers, f"{wall:.0f}",
            f"{per_core:.2f}", f"{per_core / single:.2f}",
            f"{summary['finish']['p50']['value'] * day:.1f} / "
            f"{summary['finish']['p80']['value'] * day:.1f}"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--big-iterations", type=int, default=100)
    ap.add_argument("--skip-big", action="store_true")
    args = ap.parse_args()
    rows = []
    colossus = ROOT / "plans" / "colossus-122d.toml"
    rows.append(measure("colossus-122d", Source(str(colossus), colossus.read_text()),
                        args.iterations, args.workers))
    if not args.skip_big:
        text = plan_text(1_000_000) + UNCERTAINTY
        rows.append(measure("1M GPUs (generated)", Source("1m.toml", text),
                            args.big_iterations, args.workers))
    print(tabulate(rows, headers=["plan", "tasks", "one list schedule (s)", "iterations",
                                  "workers", "study wall (s)", "s / iteration / core",
                                  "ratio to one schedule", "P50 / P80 finish (day)"],
                   tablefmt="github", disable_numparse=True))


if __name__ == "__main__":
    main()
