"""Solver benchmark on PSPLIB: rackplan against the best-known makespans and a priority-rule
list scheduler (the leveling MS Project, P6 and TaskJuggler do), measured in the same run.

    python bench/run.py j30|j60|j90|j120 [--time-limit S] [--sample N] [--workers N]
                        [--psplib DIR] [--csv PATH]

Prints a per-instance CSV (default bench/results-SUITE.csv) and a summary table. Every schedule
passes rackplan's verifier (solve() raises otherwise, which fails the run).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tabulate import tabulate  # noqa: E402

from scheduler.bounds import critical_path_bound  # noqa: E402
from scheduler.calendar import Calendars  # noqa: E402
from scheduler.cpsat import SolveOptions, solve  # noqa: E402
from scheduler.heuristic import list_schedule  # noqa: E402
from scheduler.load import load_plan  # noqa: E402
from scheduler.schedule import SolveStatus  # noqa: E402
from scheduler.verify import verify  # noqa: E402

TABLES = {"j30": "j30_opt.txt", "j60": "j60_best.txt", "j90": "j90_best.txt",
          "j120": "j120_best.txt"}
SUITES = sorted(TABLES) + ["buildout"]


def best_known(folder: Path, suite: str) -> dict[str, tuple[int, int, bool]]:
    out = {}
    for line in (folder / TABLES[suite]).read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, ub, lb, optimal = line.split()[:4]
        out[name] = (int(ub), int(lb), optimal == "1")
    return out


def run_one(path: Path, time_limit: float, workers: int, params=()) -> dict:
    plan = load_plan(path)
    cals = Calendars(plan)
    cpm = critical_path_bound(plan, cals)
    t = time.perf_counter()
    listed = list_schedule(plan, cals)
    list_time = time.perf_counter() - t
    if verify(plan, listed):
        raise SystemExit(f"{path}: list schedule failed verification")
    result = solve(plan, SolveOptions(time_limit=time_limit, workers=workers, seed=0,
                                      params=params))
    if not result.status.has_schedule:
        raise SystemExit(f"{path}: no schedule ({result.status.value})")
    row = {"instance": path.stem, "status": result.status.value, "makespan": result.makespan,
           "bound": result.bound, "cpm": cpm, "seconds": round(result.wall_time, 2),
           "list_makespan": max(st.finish for st in listed.values()),
           "list_seconds": round(list_time, 3)}
    if PYJOBSHOP:
        row.update(pyjobshop_peer(plan, cals, time_limit, workers))
    return row


try:  # a benchmark-only peer: pip install -e '.[bench]'
    import pyjobshop  # noqa: F401

    PYJOBSHOP = True
except ImportError:
    PYJOBSHOP = False


def pyjobshop_peer(plan, cals, time_limit: float, workers: int) -> dict:
    """PyJobShop (same CP-SAT engine, its own model) on the same instance; verified by ours."""
    from pyjobshop import Model

    from scheduler.schedule import make_task

    model = Model()
    res = {rid: model.add_renewable(r.max_capacity, name=rid) for rid, r in
           plan.resources.items()}
    tasks = {}
    for tid, task in plan.tasks.items():
        job_task = model.add_task(name=tid)
        mode = task.modes[0]
        rids = list(mode.demands)
        model.add_mode(job_task, [res[r] for r in rids], mode.duration,
                       [mode.demands[r] for r in rids])
        tasks[tid] = job_task
    for tid, task in plan.tasks.items():
        for link in task.links:
            model.add_end_before_start(tasks[link.pred], tasks[tid], link.lag)
    model.set_objective(weight_makespan=1)
    t = time.perf_counter()
    result = model.solve(time_limit=time_limit, display=False, num_workers=workers)
    seconds = time.perf_counter() - t
    ids = list(plan.tasks)
    schedule = {ids[i]: make_task(plan, cals, ids[i], st.start, 0)
                for i, st in enumerate(result.best.tasks)}
    if verify(plan, schedule):
        raise SystemExit(f"{plan.file}: PyJobShop's schedule failed rackplan's verifier")
    return {"pyjobshop_makespan": int(result.objective), "pyjobshop_status":
            result.status.name.lower(), "pyjobshop_seconds": round(seconds, 2)}


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def pct(a: float, b: float) -> float:
    return 100.0 * (a - b) / b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("suite", choices=SUITES)
    ap.add_argument("--gpus", default="10000,100000,1000000",
                    help="buildout suite: comma-separated plan sizes in GPUs")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sample", type=int, default=0, help="random sample of N instances")
    ap.add_argument("--psplib", type=Path, default=ROOT.parent / "shared" / "psplib")
    ap.add_argument("--csv", type=Path)
    ap.add_argument("--only", type=Path, help="file listing the instance names to run")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="extra CP-SAT parameter, e.g. use_energetic_reasoning_in_cumulative=1")
    args = ap.parse_args()
    if args.suite == "buildout":
        return buildout(args)
    table = best_known(args.psplib, args.suite)
    files = sorted((args.psplib / args.suite).glob("*.sm"))
    if args.only:
        wanted = set(args.only.read_text().split())
        files = [f for f in files if f.stem in wanted]
    if args.sample:
        files = sorted(random.Random(0).sample(files, args.sample))
    params = tuple((k, _value(v)) for k, v in (p.split("=", 1) for p in args.param))
    rows = []
    for i, path in enumerate(files, 1):
        row = run_one(path, args.time_limit, args.workers, params)
        ub, lb, optimal = table[path.stem]
        row.update(best_known=ub, best_lb=lb, best_is_optimal=int(optimal))
        rows.append(row)
        print(f"[{i}/{len(files)}] {path.stem}: {row['makespan']} (best {ub}) "
              f"{row['status']} {row['seconds']} s", file=sys.stderr)
    out = args.csv or ROOT / "bench" / f"results-{args.suite}.csv"
    with open(out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(summary(args, rows))


def buildout(args) -> None:
    """Generated build-outs, each solved in a child process (peak memory per size)."""
    import json
    import subprocess

    if args.one:
        print(json.dumps(buildout_one(args.one, args.time_limit, args.workers)))
        return
    rows = []
    for gpus in (int(g) for g in args.gpus.split(",")):
        done = subprocess.run([sys.executable, __file__, "buildout", "--one", str(gpus),
                               "--time-limit", str(args.time_limit), "--workers",
                               str(args.workers)], capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{gpus:,} GPUs done", file=sys.stderr)
    print(f"buildout, time limit {args.time_limit:g} s, {args.workers} workers")
    print(tabulate(rows, headers="keys", tablefmt="github"))


def buildout_one(gpus: int, time_limit: float, workers: int) -> dict:
    import resource
    import tempfile

    from buildout import plan_text

    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as fh:
        fh.write(plan_text(gpus))
    t = time.perf_counter()
    plan = load_plan(fh.name)
    load_seconds = time.perf_counter() - t
    listed_t = time.perf_counter()
    listed = list_schedule(plan, rules=("release",))
    list_seconds = time.perf_counter() - listed_t
    result = solve(plan, SolveOptions(time_limit=time_limit, workers=workers, seed=0))
    day = 1440 / plan.slot_minutes
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "GPUs": f"{gpus:,}", "tasks": f"{len(plan.tasks):,}", "load s": round(load_seconds, 1),
        "list scheduler s": round(list_seconds, 1),
        "list finish d": round(max(s.finish for s in listed.values()) / day, 1),
        "first verified s": round(result.first_solution_time or -1, 1),
        "status": result.status.value,
        "finish d": round(result.makespan / day, 1) if result.status.has_schedule else None,
        "lower bound d": round((result.makespan_bound or 0) / day, 1),
        "gap %": round(100 * (result.makespan - result.makespan_bound) / result.makespan, 1)
        if result.status.has_schedule and result.makespan_bound else None,
        "wall s": round(result.wall_time, 1), "peak MB": round(peak),
    }


def summary(args, rows) -> str:
    n = len(rows)
    dev = [pct(r["makespan"], r["best_known"]) for r in rows]
    list_dev = [pct(r["list_makespan"], r["best_known"]) for r in rows]
    cpm_dev = [pct(r["makespan"], r["cpm"]) for r in rows]
    table = [
        ("instances", n),
        ("proven optimal", sum(r["status"] == SolveStatus.OPTIMAL.value for r in rows)),
        ("equal to best known", sum(r["makespan"] == r["best_known"] for r in rows)),
        ("mean % above best known", f"{statistics.mean(dev):.2f}"),
        ("mean % above critical-path bound", f"{statistics.mean(cpm_dev):.2f}"),
        ("mean / max seconds", f"{statistics.mean(r['seconds'] for r in rows):.2f} / "
                               f"{max(r['seconds'] for r in rows):.2f}"),
        ("list scheduler: mean % above best known", f"{statistics.mean(list_dev):.2f}"),
        ("list scheduler: equal to best known",
         sum(r["list_makespan"] == r["best_known"] for r in rows)),
        ("rackplan / list scheduler makespan (mean ratio)",
         f"{statistics.mean(r['makespan'] / r['list_makespan'] for r in rows):.3f}"),
    ]
    if PYJOBSHOP:
        pj_dev = [pct(r["pyjobshop_makespan"], r["best_known"]) for r in rows]
        table += [
            ("PyJobShop: proven optimal", sum(r["pyjobshop_status"] == "optimal" for r in rows)),
            ("PyJobShop: equal to best known",
             sum(r["pyjobshop_makespan"] == r["best_known"] for r in rows)),
            ("PyJobShop: mean % above best known", f"{statistics.mean(pj_dev):.2f}"),
            ("PyJobShop: mean / max seconds",
             f"{statistics.mean(r['pyjobshop_seconds'] for r in rows):.2f} / "
             f"{max(r['pyjobshop_seconds'] for r in rows):.2f}"),
            ("rackplan / PyJobShop makespan (mean ratio)",
             f"{statistics.mean(r['makespan'] / r['pyjobshop_makespan'] for r in rows):.4f}"),
        ]
    head = (f"suite {args.suite}, time limit {args.time_limit:g} s, {args.workers} workers"
            + (f", sample {args.sample} (seed 0)" if args.sample else "")
            + (f", only {args.only}" if args.only else "")
            + "".join(f", {p}" for p in args.param))
    return head + "\n" + tabulate(table, headers=["measure", "value"], tablefmt="github")


if __name__ == "__main__":
    main()
