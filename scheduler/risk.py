"""Schedule risk: Monte Carlo over the plan's uncertainty, a resource-levelled schedule each time.

Each iteration samples a concrete plan (durations, delivery delays and shorts, risk events;
correlated draws through a Gaussian copula per group), builds its schedule with the list
scheduler under every calendar, crew, delivery and storage limit, and keeps plain numbers: the
finish, each target's date, the GPUs-online curve, the chain that drove the finish, and the
inputs drawn. `summarise` turns the iterations into percentiles with confidence intervals,
target probabilities, criticality and a tornado.

Iteration i draws from its own generator seeded by (seed, i), so a study gives the same
numbers however its iterations are spread over processes or machines (scheduler/executor.py).
"""

from __future__ import annotations

import bisect
import gc
import math
import random
from dataclasses import dataclass, field, replace
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from .calendar import Calendars
from .errors import VerificationError
from .explain import critical_chain
from .heuristic import ListScheduler
from .plan import Plan, Resource, Spread, Storage
from .schedule import Schedule, SolveStatus, forecast
from .source import Source
from .verify import verify

GPU_LEVELS = 20  # the GPUs-online curve: when each 5% of the GPUs is online
MIN_ITERATIONS = 200  # before the stopping rule may stop a study
CHECK_EVERY = 50
STABLE_WIDTH = 0.01  # stop when P80's 95% interval is within 1% of the P80 duration


# -- distributions -----------------------------------------------------------------------------
def quantile(s: Spread, u: float) -> float:
    """The value of a Spread at cumulative probability u (inverse CDF)."""
    a, c, b = s.low, s.likely, s.high
    if b <= a:
        return a
    if s.dist == "pert":
        alpha = 1 + 4 * (c - a) / (b - a)
        beta = 1 + 4 * (b - c) / (b - a)
        return a + (b - a) * _beta_quantile(round(alpha, 6), round(beta, 6), u)
    if u < (c - a) / (b - a):
        return a + math.sqrt(u * (b - a) * (c - a))
    return b - math.sqrt((1 - u) * (b - a) * (b - c))


_GRID = 2048


@lru_cache(maxsize=256)
def _beta_table(alpha: float, beta: float) -> tuple[list[float], list[float]]:
    """The Beta(alpha, beta) CDF on a grid (midpoint rule on the density), for inversion: a
    BetaPERT draw must come from a uniform so that correlated draws stay correlated."""
    xs = [i / _GRID for i in range(_GRID + 1)]
    dens = [((i + 0.5) / _GRID) ** (alpha - 1) * (1 - (i + 0.5) / _GRID) ** (beta - 1)
            for i in range(_GRID)]
    total = sum(dens)
    cdf, run = [0.0], 0.0
    for d in dens:
        run += d / total
        cdf.append(run)
    return xs, cdf


def _beta_quantile(alpha: float, beta: float, u: float) -> float:
    xs, cdf = _beta_table(alpha, beta)
    i = min(max(bisect.bisect_left(cdf, u), 1), _GRID)
    lo, hi = cdf[i - 1], cdf[i]
    return xs[i - 1] + (xs[i] - xs[i - 1]) * ((u - lo) / (hi - lo) if hi > lo else 0.0)


def mean(s: Spread) -> float:
    if s.dist == "pert":
        return (s.low + 4 * s.likely + s.high) / 6
    return (s.low + s.likely + s.high) / 3


# -- sampling ----------------------------------------------------------------------------------
@dataclass
class Draw:
    """One iteration's concrete plan and the inputs drawn for it (for the tornado)."""

    plan: Plan
    inputs: dict[str, float] = field(default_factory=dict)


class Sampler:
    """Turns a plan with uncertainty into concrete plans, one per (seed, iteration)."""

    def __init__(self, plan: Plan, reference: dict | None = None, now: int = 0):
        self.plan = plan
        self.now = now  # a re-forecast's status date: what came before it is fact
        self.unc = plan.uncertainty
        self.reference = reference or {}  # the deterministic schedule: risk windows
        self.spreads = self._spreads()
        self.group_of: dict[str, tuple[str, float]] = {}
        for gid, g in sorted(self.unc.groups.items()) if self.unc else ():
            for tid in sorted(g.tasks):
                self.group_of.setdefault(tid, (gid, g.correlation))
            for did in sorted(g.deliveries):
                self.group_of.setdefault("deliveries." + did, (gid, g.correlation))
        self.batches = self._batches()
        self.table = _DurationTable(plan, self.spreads, self.group_of) if self.spreads else None
        self.finish = max((st.finish for st in self.reference.values()), default=0)
        self.lost: dict[str, list[tuple[int, int, int]]] = {}
        self.held: dict[str, int] = {}  # task -> slots a risk holds it past its release

    def _spreads(self) -> dict[str, tuple[Spread | None, ...]]:
        """Every uncertain mode's range: its own, else its trade's, else the plan's default."""
        out = {}
        for tid, task in self.plan.tasks.items():
            spreads = tuple(self._mode_spread(m) for m in task.modes)
            if any(spreads):
                out[tid] = spreads
        return out

    def _mode_spread(self, mode) -> Spread | None:
        if mode.spread is not None or mode.duration == 0 or self.unc is None:
            return mode.spread
        unc, d = self.unc, mode.duration
        ranges = [unc.trades[k] for rid in mode.demands
                  for k in (self.plan.resources[rid].trade, rid) if k in unc.trades]
        if ranges:  # a task of several trades takes the widest range
            lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
        elif unc.default:
            lo, hi = unc.default
        else:
            return None
        return Spread(d * (1 + lo), float(d), d * (1 + hi), unc.dist)

    def _batches(self) -> dict[str, list[int]]:
        """delivery -> the arrival slots of its batches (trucks), in order."""
        if self.unc is None:
            return {}
        out: dict[str, set[int]] = {did: set() for did in self.unc.deliveries}
        for arrivals in self.unc.arrivals.values():
            for slot, did, _ in arrivals:
                if did in out and slot >= self.now:  # trucks due before it came or are due
                    out[did].add(slot)
        for stored in self.unc.stored.values():
            for slot, _, did in stored:
                if did in out and slot >= self.now:
                    out[did].add(slot)
        return {did: sorted(s) for did, s in sorted(out.items())}

    @property
    def uncertain(self) -> bool:
        return bool(self.spreads) or bool(self.unc and self.unc.any)

    def draw(self, seed: int, iteration: int) -> Draw:
        rng = random.Random(f"rackplan:{seed}:{iteration}")
        gen = np.random.default_rng([seed, iteration])
        self.lost = {}
        self.held = {}
        common = {gid: rng.gauss(0.0, 1.0) for gid in sorted(self.unc.groups)} \
            if self.unc else {}

        def uniform(key: str) -> float:
            member = self.group_of.get(key)
            if member is None:
                return rng.random()
            gid, rho = member
            z = math.sqrt(rho) * common[gid] + math.sqrt(1 - rho) * rng.gauss(0.0, 1.0)
            return min(max(_NORMAL.cdf(z), 1e-12), 1 - 1e-12)

        inputs: dict[str, float] = {}
        durations = self._durations(gen, common, inputs)
        self._risk_events(rng, durations, inputs)
        delays = self._delays(rng, uniform, inputs)
        return Draw(self._concrete(durations, delays), inputs)

    def _durations(self, gen, common, inputs) -> dict[str, list[int]]:
        table = self.table
        if table is None:
            return {}
        drawn = table.draw(gen, common)
        flat = drawn.tolist()
        first = table.first
        out = {tid: flat[first[k]:first[k + 1]] for k, tid in enumerate(table.tids)}
        inputs.update(table.inputs(drawn))
        return out

    def _risk_events(self, rng, durations, inputs) -> None:
        if self.unc is None:
            return
        for rid, risk in sorted(self.unc.risks.items()):
            if risk.resource:
                fired = rng.random() < risk.probability
                lo, hi = risk.window or (0, max(1, self.finish))
                lo, hi = max(lo, self.now), max(hi, self.now + 1)  # the past is done
                at = lo + int(rng.random() * max(1, hi - lo - risk.lasting))
                inputs[f"risk {rid}"] = float(fired)
                if fired:
                    self.lost.setdefault(risk.resource, []).append(
                        (at, at + risk.lasting, risk.loss))
                continue
            hit = 0
            fired = rng.random() < risk.probability
            for tid in risk.tasks:
                if risk.each:
                    fired = rng.random() < risk.probability
                if not fired or tid not in self.plan.tasks or not self._in_window(risk, tid):
                    continue  # (a finished task is past any risk)
                task = self.plan.tasks[tid]
                if risk.late:
                    self.held[tid] = self.held.get(tid, 0) + risk.late
                    hit += 1
                    continue
                durs = durations.setdefault(tid, [m.duration for m in task.modes])
                for m, d in enumerate(durs):
                    if d:
                        durs[m] = d + risk.extra + round(d * risk.extra_share)
                hit += 1
            inputs[f"risk {rid}"] = hit / max(1, len(risk.tasks))

    def _in_window(self, risk, tid) -> bool:
        """A risk tied to a window hits the tasks the deterministic schedule puts in it."""
        if risk.window is None:
            return True
        st = self.reference.get(tid)
        return st is not None and risk.window[0] <= st.start < risk.window[1]

    def _delays(self, rng, uniform, inputs) -> dict[str, dict[int, tuple[int, int]]]:
        """delivery -> {batch arrival slot: (delay, extra delay of its short units)}."""
        out: dict[str, dict[int, tuple[int, int]]] = {}
        for did, slots in self.batches.items():
            risk = self.unc.deliveries[did]
            per: dict[int, tuple[int, int]] = {}
            whole = None
            for slot in slots:
                if whole is None or not risk.whole:
                    late = 0
                    u = uniform("deliveries." + did)
                    if risk.delay is not None and rng.random() < risk.p:
                        late = round(quantile(risk.delay, u))
                    whole = late
                short = risk.short_late if rng.random() < risk.short_p else 0
                per[slot] = (whole, short)
            out[did] = per
            if slots:
                inputs[f"delivery {did}"] = sum(d + s for d, s in per.values()) / len(slots)
        return out

    def _concrete(self, durations, delays) -> Plan:
        plan, unc = self.plan, self.unc
        tasks = dict(plan.tasks)
        for tid, durs in durations.items():
            task = tasks[tid]
            modes = task.modes
            if len(modes) == 1:  # most tasks: no generator, no copy when the draw is the likely
                if modes[0].duration != durs[0]:
                    tasks[tid] = _with(task, modes=(_with(modes[0], duration=durs[0]),))
            elif any(m.duration != d for m, d in zip(modes, durs)):
                tasks[tid] = _with(task, modes=tuple(
                    m if m.duration == d else _with(m, duration=d) for m, d in zip(modes, durs)))
        if delays:
            for tid, arrivals in unc.arrivals.items():
                if tid not in tasks:
                    continue  # finished before the status date
                release = unc.not_before.get(tid, 0)
                moved = False
                for slot, did, from_end in arrivals:
                    late = 0
                    if did in delays:  # (a truck due before the status date: no draw)
                        delay, short = delays[did].get(slot, (0, 0))
                        late = delay + (short if from_end <= unc.deliveries[did].short_units
                                        else 0)
                        moved = moved or late > 0
                    release = max(release, slot + late)
                if moved:  # never sooner than the plan allows (a re-forecast's status date)
                    tasks[tid] = _with(tasks[tid], release=max(release, tasks[tid].release))
        for tid, late in self.held.items():
            tasks[tid] = _with(tasks[tid], release=tasks[tid].release + late)
        return replace(plan, tasks=tasks, resources=self._resources(),
                       storages=self._storages(delays))

    def _resources(self) -> dict[str, Resource]:
        lost = self.lost
        if not lost:
            return self.plan.resources
        out = dict(self.plan.resources)
        for rid, spells in lost.items():
            res = out[rid]
            cuts = sorted({0, *(s for s, _ in res.steps), *(a for a, _, _ in spells),
                           *(b for _, b, _ in spells)})
            steps = []
            for at in cuts:
                cap = res.capacity_at(at)
                for a, b, loss in spells:
                    if a <= at < b:
                        cap = max(0, cap - (loss or cap))
                if not steps or steps[-1][1] != cap:
                    steps.append((at, cap))
            out[rid] = replace(res, steps=tuple(steps))
        return out

    def _storages(self, delays) -> dict[str, Storage]:
        if not delays or not self.unc.stored:
            return self.plan.storages
        out = dict(self.plan.storages)
        for sid, stored in self.unc.stored.items():
            arrivals = []
            for slot, qty, did in stored:
                delay, short = delays.get(did, {}).get(slot, (0, 0))
                missing = min(qty, self.unc.deliveries[did].short_units) if short else 0
                arrivals.append((max(0, slot + delay), qty - missing))
                if missing:
                    arrivals.append((max(0, slot + delay + short), missing))
            out[sid] = replace(out[sid], arrivals=tuple(sorted(a for a in arrivals if a[1])))
        return out


_NORMAL = NormalDist()


class _DurationTable:
    """Every uncertain mode's range as arrays, so an iteration draws 15,000 durations in a few
    numpy calls (one uniform per task: its modes are the same work done two ways)."""

    def __init__(self, plan: Plan, spreads, group_of):
        self.tids = list(spreads)
        self.first = [0]
        low, likely, high, pert, task_of, source = [], [], [], [], [], []
        sources: dict[str, int] = {}
        for k, tid in enumerate(self.tids):
            task = plan.tasks[tid]
            for mode, sp in zip(task.modes, spreads[tid]):
                sp = sp or Spread(mode.duration, mode.duration, mode.duration)
                low.append(sp.low)
                likely.append(sp.likely)
                high.append(sp.high)
                pert.append(sp.dist == "pert")
                task_of.append(k)
                source.append(sources.setdefault(task.source, len(sources)))
            self.first.append(len(low))
        self.low, self.likely, self.high = (np.array(v, dtype=float) for v in (low, likely, high))
        self.task_of = np.array(task_of)
        self.source = np.array(source)
        self.sources = [f"duration {name}" for name in sources]
        self.likely_by_source = np.bincount(self.source[self.first[:-1]],
                                            weights=self.likely[self.first[:-1]],
                                            minlength=len(sources))
        span = np.maximum(self.high - self.low, 1e-9)
        self.peak = (self.likely - self.low) / span  # the triangular CDF at the likely value
        self.shapes = []  # (entries, xs, cdf) per distinct BetaPERT shape
        pert_idx = np.flatnonzero(pert)
        alpha = np.round(1 + 4 * (self.likely - self.low) / span, 6)
        beta = np.round(1 + 4 * (self.high - self.likely) / span, 6)
        keys: dict[tuple[float, float], list[int]] = {}
        for i in pert_idx:
            keys.setdefault((alpha[i], beta[i]), []).append(i)
        for (a, b), idx in keys.items():
            xs, cdf = _beta_table(float(a), float(b))
            self.shapes.append((np.array(idx), np.array(xs), np.array(cdf)))
        self.triangular = np.flatnonzero(~np.array(pert, dtype=bool))
        members = [(k, group_of[tid]) for k, tid in enumerate(self.tids) if tid in group_of]
        self.grouped = np.array([k for k, _ in members], dtype=int)
        self.group_ids = [g for _, (g, _) in members]
        self.rho = np.array([r for _, (_, r) in members], dtype=float)

    def draw(self, gen, common) -> np.ndarray:
        """Whole slots (at least 1) for every entry."""
        u = gen.random(len(self.tids))
        if len(self.grouped):
            z = (np.sqrt(self.rho) * np.array([common[g] for g in self.group_ids])
                 + np.sqrt(1 - self.rho) * gen.standard_normal(len(self.grouped)))
            u[self.grouped] = np.clip(_phi(z), 1e-12, 1 - 1e-12)
        u = u[self.task_of]
        lo, c, hi = self.low, self.likely, self.high
        out = np.empty(len(u))
        t = self.triangular
        ut = u[t]
        left = lo[t] + np.sqrt(ut * (hi[t] - lo[t]) * (c[t] - lo[t]))
        right = hi[t] - np.sqrt((1 - ut) * (hi[t] - lo[t]) * (hi[t] - c[t]))
        out[t] = np.where(ut < self.peak[t], left, right)
        for idx, xs, cdf in self.shapes:
            out[idx] = lo[idx] + (hi[idx] - lo[idx]) * np.interp(u[idx], cdf, xs)
        return np.maximum(1, np.rint(out)).astype(np.int64)

    def inputs(self, drawn) -> dict[str, float]:
        """Each plan statement's drawn work over its likely work (first modes)."""
        firsts = self.first[:-1]
        sums = np.bincount(self.source[firsts], weights=drawn[firsts],
                           minlength=len(self.sources))
        return {name: float(sums[i] / self.likely_by_source[i])
                for i, name in enumerate(self.sources) if self.likely_by_source[i]}


def _phi(z: np.ndarray) -> np.ndarray:
    """The standard normal CDF, vectorised (math.erf per element)."""
    return 0.5 * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))


def _with(obj, **changes):
    """A copy of a frozen dataclass with some fields changed: what dataclasses.replace does,
    without re-running __init__ (15,000 tasks an iteration; replace was a fifth of it)."""
    new = object.__new__(obj.__class__)
    state = new.__dict__
    state.update(obj.__dict__)
    state.update(changes)
    return new


def uncertain(plan: Plan) -> bool:
    """Whether a risk study of the plan has anything to sample."""
    return Sampler(plan).uncertain


# -- one iteration -----------------------------------------------------------------------------
class Runner:
    """Everything an iteration reuses: the calendars, the scheduler's structure of the plan
    (order, blocks; only durations, releases and capacities change between iterations) and the
    sampler."""

    def __init__(self, plan: Plan, rule: str | None = None, now: int = 0, done_gpus: int = 0):
        self.plan = plan
        self.cals = Calendars(plan)
        self.base = ListScheduler(plan, self.cals)
        if rule is None:  # the study's own runner picks it, and keeps its schedule
            rule, reference = choose_rule(plan, self.base)
        else:
            reference = self.base.run(rule) or {}
        self.rule = rule
        self.sampler = Sampler(plan, reference, now)
        self.reference = reference
        self.done_gpus = done_gpus  # a re-forecast: GPUs online before the status date
        self.total_gpus = sum(t.gpus for t in plan.tasks.values()) + done_gpus
        # The plan and its structures live as long as the study: out of the collector's
        # sight, so each iteration's garbage does not rescan them (a full collection over
        # the Colossus plan was a third of some iterations).
        gc.collect()
        gc.freeze()

    def iteration(self, seed: int, i: int, check: bool = False) -> dict:
        """Plain data about iteration i (no plan objects: they stay in the worker)."""
        draw = self.sampler.draw(seed, i)
        tasks = self.base.for_plan(draw.plan).run(self.rule)
        if tasks is None:
            return {"i": i, "finish": None, "inputs": draw.inputs}
        if check:
            problems = verify(draw.plan, tasks, targets=False)
            if problems:
                raise VerificationError([f"risk iteration {i} (seed {seed}): {problems[0]}"])
        schedule = Schedule(draw.plan, SolveStatus.FEASIBLE, tasks)
        chain = critical_chain(schedule, limit=100_000, cals=self.cals)
        crews = sorted({r.split(" ")[2] for r in (s.reason for s in chain)
                        if r.startswith("waits for ") and "(busy with" in r})
        return {
            "i": i,
            "finish": schedule.makespan,
            "targets": {tid: forecast(draw.plan, tasks, t)
                        for tid, t in self.plan.targets.items()},
            "gpus": self._gpu_curve(draw.plan, tasks),
            "critical": [s.task for s in chain],
            "crews": crews,
            "inputs": draw.inputs,
            "verified": check,
        }

    def _gpu_curve(self, plan, tasks) -> list[int]:
        """The slot at which each 1/GPU_LEVELS of the GPUs is online."""
        if not self.total_gpus:
            return []
        online = sorted((st.finish, plan.tasks[t].gpus) for t, st in tasks.items()
                        if plan.tasks[t].gpus)
        out, total, k = [], self.done_gpus, 1
        while k <= GPU_LEVELS and total * GPU_LEVELS >= k * self.total_gpus:
            out.append(self.sampler.now)  # online by the status date
            k += 1
        for slot, gpus in online:
            total += gpus
            while k <= GPU_LEVELS and total * GPU_LEVELS >= k * self.total_gpus:
                out.append(slot)
                k += 1
        return out


# -- the study ---------------------------------------------------------------------------------
def percentile(sorted_values: list[int], p: float) -> int:
    """The p-quantile (nearest rank) of sorted values."""
    n = len(sorted_values)
    return sorted_values[min(n - 1, max(0, math.ceil(p * n) - 1))]


def interval(sorted_values: list[int], p: float) -> tuple[int, int]:
    """A distribution-free 95% confidence interval of the p-quantile: the order statistics
    around rank n*p, +-1.96 binomial standard deviations."""
    n = len(sorted_values)
    half = 1.96 * math.sqrt(n * p * (1 - p))
    lo = max(0, math.floor(n * p - half) - 1)
    hi = min(n - 1, math.ceil(n * p + half) - 1)
    return sorted_values[lo], sorted_values[hi]


def stable(finishes: list[int]) -> bool:
    """The stopping rule: at least MIN_ITERATIONS, and P80's 95% confidence interval no
    wider than 1% of the P80 finish (counted from the project start)."""
    if len(finishes) < MIN_ITERATIONS:
        return False
    values = sorted(finishes)
    lo, hi = interval(values, 0.8)
    return hi - lo <= STABLE_WIDTH * max(1, percentile(values, 0.8))


QUANTILES = (0.1, 0.5, 0.8, 0.9)


def summarise(plan: Plan, results: list[dict], deterministic: dict, rule: str,
              seed: int, stopped_early: bool) -> dict:
    """The study as plain data (slots; the exports turn them into dates)."""
    ok = [r for r in results if r["finish"] is not None]
    n = len(ok)
    finishes = sorted(r["finish"] for r in ok)
    out: dict = {
        "iterations": len(results), "scheduled": n, "seed": seed, "rule": rule,
        "stopped_early": stopped_early,
        "verified": sum(1 for r in ok if r.get("verified")),
    }
    if not n:
        return out
    det_finish = deterministic["finish"]
    out["finish"] = _distribution(finishes)
    out["deterministic"] = {
        "finish": det_finish,
        "probability": sum(1 for f in finishes if f <= det_finish) / n,
    }
    out["targets"] = [_target(plan, t, [r["targets"][t.id] for r in ok],
                              deterministic["targets"].get(t.id))
                      for t in plan.targets.values()]
    out["criticality"] = _criticality(plan, ok)
    out["trades"] = _trades(plan, ok)
    out["tornado"] = _tornado(ok)
    out["gpus"] = _gpu_percentiles(plan, ok, deterministic.get("gpus_total"))
    out["histogram"] = finishes
    return out


def _distribution(values: list[int]) -> dict:
    return {f"p{round(q * 100)}": {"value": percentile(values, q),
                                   "interval": list(interval(values, q))}
            for q in QUANTILES} | {"mean": sum(values) / len(values),
                                   "min": values[0], "max": values[-1]}


def _target(plan, target, reached, det) -> dict:
    n = len(reached)
    met = sum(1 for r in reached if r is not None and r <= target.due)
    known = sorted(r for r in reached if r is not None)
    out = {"id": target.id, "label": target.label, "due": target.due, "hard": target.hard,
           "probability": met / n, "deterministic": det}
    if len(known) == n:
        out |= _distribution(known)
    return out


def _criticality(plan, results, top: int = 50) -> list[dict]:
    counts: dict[str, int] = {}
    for r in results:
        for tid in r["critical"]:
            counts[tid] = counts.get(tid, 0) + 1
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [{"task": tid, "index": c / len(results)} for tid, c in order]


def _trades(plan, results) -> list[dict]:
    """Per trade: the share of iterations in which its work is on the driving chain, and in
    which its crews (not precedence) held that chain back."""
    trade_of = {rid: r.trade or rid for rid, r in plan.resources.items()}
    on, bound = {}, {}
    for r in results:
        seen = {trade_of[rid] for tid in r["critical"]
                for rid in plan.tasks[tid].modes[0].demands}
        for t in seen:
            on[t] = on.get(t, 0) + 1
        for t in {trade_of[c] for c in r["crews"] if c in trade_of}:
            bound[t] = bound.get(t, 0) + 1
    n = len(results)
    trades = sorted(set(trade_of.values()))
    return sorted(({"trade": t, "critical": on.get(t, 0) / n, "crew_bound": bound.get(t, 0) / n}
                   for t in trades), key=lambda d: (-d["critical"], -d["crew_bound"],
                                                    d["trade"]))


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2
        i = j + 1
    return ranks


def _spearman(xs: list[float], ys: list[float]) -> float:
    rx, ry = _ranks(xs), _ranks(ys)
    n = len(xs)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / math.sqrt(vx * vy) if vx and vy else 0.0


def _tornado(results, top: int = 15) -> list[dict]:
    """The inputs that move the finish most: rank correlation with the finish, and the swing
    (median finish when the input is in its top third minus its bottom third)."""
    finishes = [r["finish"] for r in results]
    names = sorted({k for r in results for k in r["inputs"]})
    rows = []
    for name in names:
        xs = [r["inputs"].get(name, 0.0) for r in results]
        if len(set(xs)) < 2:
            continue
        order = sorted(range(len(xs)), key=lambda i: (xs[i], i))
        third = max(1, len(order) // 3)
        low = sorted(finishes[i] for i in order[:third])
        high = sorted(finishes[i] for i in order[-third:])
        rows.append({"input": name, "correlation": _spearman(xs, finishes),
                     "swing": percentile(high, 0.5) - percentile(low, 0.5)})
    rows.sort(key=lambda d: (-abs(d["swing"]), -abs(d["correlation"]), d["input"]))
    return rows[:top]


def _gpu_percentiles(plan, results, total: int | None = None) -> list[dict]:
    total = total or sum(t.gpus for t in plan.tasks.values())
    curves = [r["gpus"] for r in results if r.get("gpus")]
    if not total or not curves:
        return []
    out = []
    for k in range(GPU_LEVELS):
        at = sorted(c[k] for c in curves)
        out.append({"gpus": math.ceil(total * (k + 1) / GPU_LEVELS),
                    "p50": percentile(at, 0.5), "p80": percentile(at, 0.8)})
    return out


# -- running a study ---------------------------------------------------------------------------
CHUNK = 10  # iterations per work item
VERIFY_EVERY = 25  # the verifier checks every 25th iteration (all of them with check="all")
_RUNNERS: dict = {}


def _runner_args(source: Source, rule: str) -> tuple:
    """(plan, rule, status date, GPUs already online) for a Runner: with progress, the work
    left and what is done."""
    plan, again = source.begin()
    if again is None:
        return plan, rule, 0, 0
    done = sum(t.gpus for tid, t in again.plan.tasks.items() if tid not in plan.tasks)
    return plan, rule, again.progress.status_date, done


def run_chunk(job: dict) -> list[dict]:
    """A work item: some iterations of one study (runs in a worker process)."""
    key = (job["source"], job["rule"])
    runner = _RUNNERS.get(key)
    if runner is None:
        _RUNNERS.clear()  # one study at a time per worker
        runner = _RUNNERS[key] = Runner(*_runner_args(job["source"], job["rule"]))
    every = 1 if job["check"] == "all" else VERIFY_EVERY if job["check"] == "sample" else 0
    return [runner.iteration(job["seed"], i, check=bool(every) and i % every == 0)
            for i in job["iterations"]]


def choose_rule(plan: Plan, scheduler: ListScheduler) -> tuple[str, dict]:
    """The priority rule every iteration levels with, and its schedule of the deterministic
    plan: the rule that schedules it best (the rules `schedule` tries), so the distribution and
    the deterministic forecast come from the same method."""
    from .heuristic import default_rules
    from .schedule import gpu_until, objective_value

    best = None
    for rule in default_rules(plan):
        tasks = scheduler.run(rule)
        if tasks is None:
            continue
        until = gpu_until(plan, max(t.finish for t in tasks.values()))
        value = objective_value(plan, tasks, until)
        if best is None or value < best[0]:
            best = (value, rule, tasks)
    return (best[1], best[2]) if best else ("release", {})


def study(source: Source, plan: Plan, *, iterations: int = 1000, seed: int = 0,
          workers: int | None = None, cluster: str | None = None, check: str = "sample",
          until_stable: bool = True, progress=None) -> dict:
    """Run a risk study; the summary as plain data (slots). `progress(done, total, p80)` is
    told as iterations finish (in iteration order)."""
    from . import executor

    runner = (Runner(*_runner_args(source, None)) if source.progress else Runner(plan))
    rule = runner.rule
    deterministic = {
        "gpus_total": runner.total_gpus,
        "finish": max((st.finish for st in runner.reference.values()), default=0),
        "targets": {tid: forecast(plan, runner.reference, t) for tid, t in plan.targets.items()},
    }
    jobs = [{"source": source, "rule": rule, "seed": seed, "check": check,
             "iterations": list(range(lo, min(lo + CHUNK, iterations)))}
            for lo in range(0, iterations, CHUNK)]
    state = {"prefix": 0, "checked": 0, "stop": None}
    chunks: list = [None] * len(jobs)

    def on_result(i, result) -> bool:
        chunks[i] = result
        while state["prefix"] < len(jobs) and chunks[state["prefix"]] is not None:
            state["prefix"] += 1
        done = min(iterations, state["prefix"] * CHUNK)
        finishes = [r["finish"] for c in chunks[:state["prefix"]] for r in c
                    if r["finish"] is not None]
        if progress:
            p80 = percentile(sorted(finishes), 0.8) if finishes else None
            progress(done, iterations, p80)
        if not until_stable:
            return False
        # Checkpoints in order, each on exactly the first k iterations: the same stop
        # whatever order the workers finish in.
        while state["checked"] + CHECK_EVERY <= done:
            state["checked"] += CHECK_EVERY
            k = state["checked"]
            if k < iterations and stable([r["finish"] for c in chunks for r in (c or ())
                                          if r["i"] < k and r["finish"] is not None]):
                state["stop"] = k
                return True
        return False

    interrupted = False
    try:
        executor.run(run_chunk, jobs, workers=workers, cluster=cluster, on_result=on_result)
    except KeyboardInterrupt:  # Ctrl-C: the iterations finished in order so far
        interrupted = True
        state["stop"] = state["prefix"] * CHUNK
    stop = min(iterations, state["stop"] or iterations)
    results = sorted((r for c in chunks if c for r in c if r["i"] < stop), key=lambda r: r["i"])
    out = summarise(plan, results, deterministic, rule, seed,
                    state["stop"] is not None and not interrupted)
    out["interrupted"] = interrupted
    return out
