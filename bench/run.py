"""Solver benchmark on PSPLIB: rackplan against the best-known makespans and a priority-rule
list scheduler (the leveling MS Project, P6 and TaskJuggler do), measured in the same run.

    python bench/run.py j30|j60|j90|j120|mm10|mm30 [--time-limit S] [--sample N]
                        [--workers N] [--psplib DIR] [--csv PATH]

mm10 and mm30 are the multi-mode sets (MRCPSP, .mm files with non-renewable resources); an
instance missing from mm30's best-known table, or marked infeasible in mm10's, has no feasible
schedule and must be reported infeasible.

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

import readme  # noqa: E402
from tabulate import tabulate  # noqa: E402

from rackplan.scheduler.bounds import bounds, critical_path_bound  # noqa: E402
from rackplan.scheduler.calendar import Calendars  # noqa: E402
from rackplan.scheduler.cpsat import SolveOptions, solve  # noqa: E402
from rackplan.scheduler.heuristic import list_schedule  # noqa: E402
from rackplan.scheduler.justify import forward_backward  # noqa: E402
from rackplan.scheduler.load import load_plan  # noqa: E402
from rackplan.scheduler.schedule import SolveStatus, objective_value  # noqa: E402
from rackplan.scheduler.verify import verify  # noqa: E402

# suite -> (instance folder, table of optimal/best-known makespans, file pattern)
TABLES = {"j30": ("j30", "j30_opt.txt", "*.sm"), "j60": ("j60", "j60_best.txt", "*.sm"),
          "j90": ("j90", "j90_best.txt", "*.sm"), "j120": ("j120", "j120_best.txt", "*.sm"),
          "mm10": ("mrcpsp/j10", "mrcpsp/j10_opt.txt", "*.mm"),
          "mm30": ("mrcpsp/j30", "mrcpsp/j30_best.txt", "*.mm")}
SUITES = sorted(TABLES) + ["buildout", "random"]


def best_known(folder: Path, suite: str) -> dict[str, tuple[int, int, bool] | None]:
    """instance -> (best makespan, best lower bound, proven optimal), None when infeasible.
    Tables have either `instance ub lb optimal ...` or `instance opt` columns."""
    out: dict[str, tuple[int, int, bool] | None] = {}
    for line in (folder / TABLES[suite][1]).read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        cols = line.split()
        if cols[1] == "infeasible":
            out[cols[0]] = None
        elif len(cols) == 2:
            out[cols[0]] = (int(cols[1]), int(cols[1]), True)
        else:
            out[cols[0]] = (int(cols[1]), int(cols[2]), cols[3] == "1")
    return out


def run_one(path: Path, time_limit: float, workers: int, params=(), hint: bool = True) -> dict:
    plan = load_plan(path)
    cals = Calendars(plan)
    cpm = critical_path_bound(plan, cals)
    t = time.perf_counter()
    listed = list_schedule(plan, cals)
    list_time = time.perf_counter() - t
    if listed is not None and verify(plan, listed):
        raise SystemExit(f"{path}: list schedule failed verification")
    justified = forward_backward(plan, listed, cals) if listed is not None else None
    if justified is not None and verify(plan, justified):
        raise SystemExit(f"{path}: forward-backward improved schedule failed verification")
    result = solve(plan, SolveOptions(time_limit=time_limit, workers=workers, seed=0,
                                      params=params, use_heuristic=hint))
    found = result.status.has_schedule
    row = {"instance": path.stem, "status": result.status.value,
           "makespan": result.makespan if found else None, "bound": result.bound, "cpm": cpm,
           "seconds": round(result.wall_time, 2),
           "list_makespan": max(st.finish for st in listed.values()) if listed else None,
           "list_seconds": round(list_time, 3),
           "justified_makespan": max(st.finish for st in justified.values())
           if justified else None}
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

    from rackplan.scheduler.schedule import make_task

    model = Model()
    res = {rid: model.add_renewable(r.max_capacity, name=rid) for rid, r in
           plan.resources.items()}
    res.update({bid: model.add_consumable(b.total, name=bid) for bid, b in plan.budgets.items()})
    tasks, modes = {}, []  # modes: PyJobShop's mode index -> (task id, our mode index)
    for tid, task in plan.tasks.items():
        tasks[tid] = model.add_task(name=tid)
        for idx, mode in enumerate(task.modes):
            use = {**mode.demands, **mode.spends}
            model.add_mode(tasks[tid], [res[r] for r in use], mode.duration, list(use.values()))
            modes.append((tid, idx))
    for tid, task in plan.tasks.items():
        for link in task.links:
            model.add_end_before_start(tasks[link.pred], tasks[tid], link.lag)
    model.set_objective(weight_makespan=1)
    t = time.perf_counter()
    result = model.solve(time_limit=time_limit, display=False, num_workers=workers)
    seconds = time.perf_counter() - t
    status = result.status.name.lower()
    if not result.best.tasks:
        return {"pyjobshop_makespan": None, "pyjobshop_status": status,
                "pyjobshop_seconds": round(seconds, 2)}
    schedule = {}
    for st in result.best.tasks:
        tid, idx = modes[st.mode]
        schedule[tid] = make_task(plan, cals, tid, st.start, idx)
    if verify(plan, schedule):
        raise SystemExit(f"{plan.file}: PyJobShop's schedule failed rackplan's verifier")
    return {"pyjobshop_makespan": int(result.objective), "pyjobshop_status": status,
            "pyjobshop_seconds": round(seconds, 2)}


def _value(text: str):
    if "," in text:
        return [_value(part) for part in text.split(",") if part]
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
    ap.add_argument("--gpu-hours", type=int, metavar="DAYS",
                    help="buildout suite: maximise GPU-hours online in the first DAYS days")
    ap.add_argument("--n", type=int, default=40, help="random suite: plans (seeds 0..N-1)")
    ap.add_argument("--first-seed", type=int, default=0, metavar="K",
                    help="random suite: seeds K..K+N-1 instead (plans the bounds were not "
                         "tuned on)")
    ap.add_argument("--long", type=float, default=0.0, metavar="S",
                    help="random suite: solve the plans left over 1%% gap again for S seconds, "
                         "to split their gap into schedule and bound")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sample", type=int, default=0, help="random sample of N instances")
    ap.add_argument("--psplib", type=Path, default=ROOT.parent / "shared" / "psplib")
    ap.add_argument("--csv", type=Path)
    ap.add_argument("--seeds", help="random suite: these seeds (comma-separated) instead")
    ap.add_argument("--only", type=Path, help="file listing the instance names to run")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="extra CP-SAT parameter, e.g. use_energetic_reasoning_in_cumulative=1")
    ap.add_argument("--no-peer", action="store_true", help="skip PyJobShop (long runs)")
    ap.add_argument("--no-hint", action="store_true",
                    help="solve without the list scheduler's schedule as a hint")
    ap.add_argument("--readme", action="store_true",
                    help="also write the table into bench/README.md (its block for this command)")
    args = ap.parse_args()
    if args.no_peer:
        global PYJOBSHOP
        PYJOBSHOP = False
    if args.suite == "buildout":
        return buildout(args)
    if args.suite == "random":
        return varied(args)
    table = best_known(args.psplib, args.suite)
    folder, _, pattern = TABLES[args.suite]
    files = sorted((args.psplib / folder).glob(pattern))
    if args.only:
        wanted = set(args.only.read_text().split())
        files = [f for f in files if f.stem in wanted]
    if args.sample:
        files = sorted(random.Random(0).sample(files, args.sample))
    params = tuple((k, _value(v)) for k, v in (p.split("=", 1) for p in args.param))
    rows = []
    for i, path in enumerate(files, 1):
        row = run_one(path, args.time_limit, args.workers, params, not args.no_hint)
        ub, lb, optimal = table.get(path.stem) or (None, None, False)
        row.update(best_known=ub, best_lb=lb, best_is_optimal=int(optimal))
        if ub is None and row["makespan"] is not None:
            raise SystemExit(f"{path}: a schedule for an instance known to be infeasible")
        rows.append(row)
        print(f"[{i}/{len(files)}] {path.stem}: {row['makespan']} (best {ub}) "
              f"{row['status']} {row['seconds']} s", file=sys.stderr)
    out = args.csv or ROOT / "bench" / f"results-{args.suite}.csv"
    with open(out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    table = summary(args, rows)
    print(table)
    if args.readme:
        readme.update(_readme_key(args), table)


def _readme_key(args) -> str:
    """One README block per suite and way of running it (full set, sample, only, parameters)."""
    return " ".join([args.suite, f"{args.time_limit:g}s"]
                    + ([f"sample{args.sample}"] if args.sample else [])
                    + ([f"only:{args.only.name}"] if args.only else [])
                    + (["no-hint"] if args.no_hint else []) + args.param)


def varied(args) -> None:
    """Seeded varied build-outs (bench/varied.py): the gap distribution at the time limit,
    the time to the first verified schedule, and with --long how much of each open gap a
    longer run closes from the schedule side and from the bound side."""
    import tempfile

    from varied import plan_text

    rows = []
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else \
        range(args.first_seed, args.first_seed + args.n)
    for i, seed in enumerate(seeds, 1):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as fh:
            fh.write(plan_text(seed))
        plan = load_plan(fh.name)
        result = solve(plan, SolveOptions(time_limit=args.time_limit, workers=args.workers,
                                          seed=0))
        gap = 100 * (result.gap or 0) if result.status.has_schedule else None
        rows.append({"seed": seed, "tasks": len(plan.tasks), "objective": plan.objective.kind,
                     "status": result.status.value, "gap %": gap,
                     "value": result.objective, "bound": result.bound,
                     "first s": round(result.first_solution_time or -1, 2),
                     "wall s": round(result.wall_time, 1), "path": fh.name})
        print(f"[{i}/{len(seeds)}] seed {seed}: {len(plan.tasks)} tasks "
              f"{result.status.value} "
              f"gap {gap if gap is None else round(gap, 2)}%", file=sys.stderr)
    out = args.csv or ROOT / "bench" / "results-random.csv"
    with open(out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[k for k in rows[0] if k != "path"],
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    firsts = sorted(r["first s"] for r in rows if r["first s"] >= 0)
    summary_rows = [
        ("plans (tasks min-max)", f"{len(rows)} ({min(r['tasks'] for r in rows)}-"
                                  f"{max(r['tasks'] for r in rows)})"),
        ("proven optimal", sum(1 for r in rows if r["status"] == "optimal")),
        ("first verified s median / max", f"{statistics.median(firsts):.2f} / {firsts[-1]:.2f}"),
    ]
    # The gap is relative to the objective: for GPU-hours a small area makes it large, so
    # each objective gets its own line.
    for kind in ("finish", "gpu-hours"):
        gaps = sorted(r["gap %"] for r in rows if r["gap %"] is not None
                      and r["objective"] == kind)
        if gaps:
            summary_rows += [
                (f"{kind}: plans, gap % median / mean / p90 / max",
                 f"{len(gaps)}: {statistics.median(gaps):.2f} / {statistics.mean(gaps):.2f} / "
                 f"{_p90(gaps):.2f} / {gaps[-1]:.2f}"),
                (f"{kind}: plans over 1% / over 3%",
                 f"{sum(g > 1 for g in gaps)} / {sum(g > 3 for g in gaps)}")]
    if args.long:
        summary_rows += _split_gaps(rows, args)
    named = args.seeds or f"{args.first_seed}-{args.first_seed + args.n - 1}"
    title = (f"random (bench/varied.py seeds {named}), "
             f"time limit {args.time_limit:g} s, "
             f"{args.workers} workers")
    table = title + "\n\n" + tabulate(summary_rows, headers=["measure", "value"],
                                       tablefmt="github")
    worst = sorted((r for r in rows if r["gap %"] is not None), key=lambda r: -r["gap %"])[:5]
    table += "\n\nworst: " + ", ".join(f"seed {r['seed']} ({r['tasks']} tasks) "
                                        f"{r['gap %']:.2f}%" for r in worst)
    print(table)
    if args.readme:
        readme.update(f"random n{args.n}{'+' + str(args.first_seed) if args.first_seed else ''} "
                      f"{args.time_limit:g}s", table)


def _p90(xs):
    return xs[min(len(xs) - 1, int(0.9 * len(xs)))]


def _split_gaps(rows, args) -> list[tuple[str, str]]:
    """Each plan left over 1% solved again for --long seconds: how much of its gap the longer
    run closed by a better schedule, how much by a better bound, and what stays open (all in %
    of the first run's value)."""
    sched, bound, left = [], [], []
    for r in rows:
        if r["gap %"] is None or r["gap %"] <= 1:
            continue
        again = solve(load_plan(r["path"]), SolveOptions(time_limit=args.long,
                                                         workers=args.workers, seed=0))
        scale = abs(r["value"]) or 1
        best = min(r["value"], again.objective if again.objective is not None else r["value"])
        lower = max(r["bound"], again.bound if again.bound is not None else r["bound"])
        sched.append(100 * (r["value"] - best) / scale)
        bound.append(100 * (lower - r["bound"]) / scale)
        left.append(100 * (best - lower) / scale)
        print(f"long seed {r['seed']}: schedule {sched[-1]:.2f}% bound {bound[-1]:.2f}% "
              f"open {left[-1]:.2f}%", file=sys.stderr)
    if not sched:
        return [("plans over 1% at the time limit", "none")]
    return [(f"over 1%: re-solved for {args.long:g} s", len(sched)),
            ("  closed by a better schedule, mean %", f"{statistics.mean(sched):.2f}"),
            ("  closed by a better bound, mean %", f"{statistics.mean(bound):.2f}"),
            ("  still open, mean / max %", f"{statistics.mean(left):.2f} / {max(left):.2f}")]


def buildout(args) -> None:
    """Generated build-outs, each solved in a child process (peak memory per size)."""
    import json
    import subprocess

    if args.one:
        print(json.dumps(buildout_one(args.one, args.time_limit, args.workers, args.gpu_hours)))
        return
    rows = []
    for gpus in (int(g) for g in args.gpus.split(",")):
        done = subprocess.run([sys.executable, __file__, "buildout", "--one", str(gpus),
                               "--time-limit", str(args.time_limit), "--workers",
                               str(args.workers)]
                              + (["--gpu-hours", str(args.gpu_hours)] if args.gpu_hours else []),
                              capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{gpus:,} GPUs done", file=sys.stderr)
    objective = (f", objective GPU-hours in the first {args.gpu_hours} days" if args.gpu_hours
                 else "")
    table = (f"buildout, time limit {args.time_limit:g} s, {args.workers} workers{objective}\n\n"
             + tabulate(rows, headers="keys", tablefmt="github"))
    print(table)
    if args.readme:
        readme.update(f"buildout {args.gpus} {args.time_limit:g}s"
                      + (f" gpu-hours{args.gpu_hours}" if args.gpu_hours else ""), table)


def buildout_one(gpus: int, time_limit: float, workers: int, gpu_hours: int | None) -> dict:
    import resource
    import tempfile

    from buildout import plan_text

    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as fh:
        fh.write(plan_text(gpus, gpu_hours))
    t = time.perf_counter()
    plan = load_plan(fh.name)
    load_seconds = time.perf_counter() - t
    listed_t = time.perf_counter()
    listed = list_schedule(plan, rules=("release",))
    list_seconds = time.perf_counter() - listed_t
    result = solve(plan, SolveOptions(time_limit=time_limit, workers=workers, seed=0))
    day = 1440 / plan.slot_minutes
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    row = {
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
    if gpu_hours and result.status.has_schedule:
        row.update(_gpu_hours_columns(plan, result, listed))
    return row


def _gpu_hours_columns(plan, result, listed) -> dict:
    """GPU-hours of the list schedule and the answer, the proven most, and the gap it proves
    against the gap the critical path alone would (every array online at its earliest)."""
    cals = Calendars(plan)
    hours = plan.slot_minutes / 60
    until = result.gpu_until
    naive = -bounds(plan, cals).objective(plan, until)
    return {
        "list GPU-h M": round(-objective_value(plan, listed, until) * hours / 1e6, 2),
        "GPU-h M": round(-result.objective * hours / 1e6, 2),
        "most GPU-h M": round(-result.bound * hours / 1e6, 2),
        "GPU-h gap %": round(100 * result.gap, 1),
        "gap % (critical path)": round(100 * (naive + result.objective) / naive, 1),
    }


def summary(args, rows) -> str:
    feasible = [r for r in rows if r["best_known"] is not None]
    infeasible = [r for r in rows if r["best_known"] is None]
    solved = [r for r in feasible if r["makespan"] is not None]
    listed = [r for r in feasible if r["list_makespan"] is not None]

    table = [
        ("instances (feasible / infeasible)", f"{len(feasible)} / {len(infeasible)}"),
        ("proven optimal", sum(r["status"] == SolveStatus.OPTIMAL.value for r in feasible)),
        ("equal to best known", sum(r["makespan"] == r["best_known"] for r in feasible)),
        ("no schedule within the limit", len(feasible) - len(solved)),
        ("mean % above best known", mean_dev("makespan", solved)),
        ("mean % above critical-path bound",
         f"{statistics.mean(pct(r['makespan'], r['cpm']) for r in solved):.2f}"
         if solved else "-"),
        ("mean / max seconds", f"{statistics.mean(r['seconds'] for r in rows):.2f} / "
                               f"{max(r['seconds'] for r in rows):.2f}"),
        ("list scheduler: schedules found", f"{len(listed)} of {len(feasible)}"),
        ("list scheduler: mean % above best known", mean_dev("list_makespan", listed)),
        ("list scheduler: equal to best known",
         sum(r["list_makespan"] == r["best_known"] for r in listed)),
        ("list scheduler + forward-backward (fallback answer): mean % above best known",
         mean_dev("justified_makespan", listed)),
        ("rackplan / list scheduler makespan (mean ratio)",
         f"{statistics.mean(r['makespan'] / r['list_makespan'] for r in listed):.3f}"
         if listed else "-"),
    ]
    if infeasible:
        table.append(("infeasible instances reported infeasible",
                      f"{sum(r['status'] == SolveStatus.INFEASIBLE.value for r in infeasible)}"
                      f" of {len(infeasible)}"))
    if PYJOBSHOP:
        table += _pyjobshop_rows(feasible, infeasible)
    head = (f"suite {args.suite}, time limit {args.time_limit:g} s, {args.workers} workers"
            + (f", sample {args.sample} (seed 0)" if args.sample else "")
            + (f", only {args.only}" if args.only else "")
            + (", no hint" if args.no_hint else "")
            + "".join(f", {p}" for p in args.param))
    return head + "\n\n" + tabulate(table, headers=["measure", "value"], tablefmt="github")


def mean_dev(key: str, among: list) -> str:
    """Mean % of `key` above the best-known makespan, "-" for no rows."""
    return f"{statistics.mean(pct(r[key], r['best_known']) for r in among):.2f}" \
        if among else "-"


def _pyjobshop_rows(feasible, infeasible) -> list:
    both = [r for r in feasible if r["pyjobshop_makespan"] is not None
            and r["makespan"] is not None]
    pj = [r for r in feasible if r["pyjobshop_makespan"] is not None]
    rows = [
        ("PyJobShop: proven optimal", sum(r["pyjobshop_status"] == "optimal" for r in feasible)),
        ("PyJobShop: equal to best known",
         sum(r["pyjobshop_makespan"] == r["best_known"] for r in feasible)),
        ("PyJobShop: no schedule within the limit", len(feasible) - len(pj)),
        ("PyJobShop: mean % above best known", mean_dev("pyjobshop_makespan", pj)),
        ("PyJobShop: mean / max seconds",
         f"{statistics.mean(r['pyjobshop_seconds'] for r in feasible + infeasible):.2f} / "
         f"{max(r['pyjobshop_seconds'] for r in feasible + infeasible):.2f}"),
        ("rackplan / PyJobShop makespan (mean ratio, both found one)",
         f"{statistics.mean(r['makespan'] / r['pyjobshop_makespan'] for r in both):.4f}"
         if both else "-"),
    ]
    if infeasible:
        rows.append(("PyJobShop: infeasible instances reported infeasible",
                     f"{sum(r['pyjobshop_status'] == 'infeasible' for r in infeasible)} of "
                     f"{len(infeasible)}"))
    return rows


if __name__ == "__main__":
    main()
