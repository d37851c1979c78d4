"""Lower bounds on the finish that hold for every schedule: the calendar-aware critical path,
each crew's workload, and the flow-line bound that chains the steps of identical units through
the crews that do them."""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass

from .calendar import Calendars
from .heuristic import dependency_order, earliest_finishes, tails, topological_order
from .plan import LinkType, Plan
from .schedule import reached_at


def critical_path_bound(plan: Plan, cals: Calendars) -> int:
    """Earliest possible finish ignoring resources and storage (releases, lags, calendars kept)."""
    return max(earliest_finishes(plan, cals)[1].values(), default=0)


def lower_bound(plan: Plan, cals: Calendars, horizon: int | None = None) -> int:
    """The best of the critical-path bound, each crew's energy bound and, given a horizon (a
    finish some schedule reaches), the flow-line bound."""
    return bounds(plan, cals, horizon).finish


@dataclass(frozen=True)
class Bounds:
    """What no schedule beats: its finish, when GPUs can come online, when soft targets can be
    reached."""

    finish: int  # slots
    online: list[tuple[int, int]]  # (slot, GPUs): see _online_order
    reach: dict[str, int]  # soft target -> the earliest slot it can be reached

    def objective(self, plan: Plan, until: int) -> int:
        """A lower bound on the objective the model minimises (schedule.objective_value), the
        gpu-hours objective counted up to `until`."""
        penalty = sum(plan.targets[t].penalty * max(0, slot - plan.targets[t].due)
                      for t, slot in self.reach.items())
        if plan.objective.kind == "gpu-hours":
            return penalty - sum(gpus * max(0, until - slot) for slot, gpus in self.online)
        return self.finish + penalty


def bounds(plan: Plan, cals: Calendars, horizon: int | None = None) -> Bounds:
    """Lower bounds on the finish and the objective. Given a horizon (a finish some schedule
    reaches) the flow-line bound joins in, and its order statistics bound when GPUs can come
    online, so a gpu-hours objective or a soft GPU target is bounded as well as the finish."""
    start, finish = earliest_finishes(plan, cals)
    tail = after_finish(plan, tails(plan, topological_order(plan)))
    best = max([max(finish.values(), default=0)]
               + [energy_bound(plan, cals, rid, start, tail) for rid in plan.resources])
    flow = None
    if horizon is not None and (horizon > best or plan.values_gpus_online):
        flow = FlowBound(plan, cals, horizon, start, tail)
        best = max(best, flow.bound())
    online = _online_order(plan, flow, finish)
    reach = {t.id: _earliest_reach(t, best, finish, online, flow)
             for t in plan.targets.values() if not t.hard}
    return Bounds(best, online, reach)


def _online_order(plan: Plan, flow: FlowBound | None, finish: dict[str, int]
                  ) -> list[tuple[int, int]]:
    """(slot, GPUs) pairs such that no schedule has more GPUs online by any slot than the pairs
    up to it, nor more GPU-slots before any date. Per step of identical units (e.g. every
    array's acceptance) the k-th finish is at least F[k] (the flow line's order statistics, or
    the k-th earliest critical-path finish), and the k earliest finishers bring at most the k
    largest GPU counts online; the pairs take the largest counts first."""
    by_group: dict[str, list[str]] = defaultdict(list)
    for task in plan.tasks.values():
        if task.gpus:
            by_group[task.source or task.id].append(task.id)
    out = []
    for g, tids in by_group.items():
        ks = flow.F.get(g) if flow is not None and len(flow.groups[g]) == len(tids) else None
        slots = ks or sorted(finish[t] for t in tids)
        gpus = sorted((plan.tasks[t].gpus for t in tids), reverse=True)
        out.extend(zip(slots, gpus))
    return sorted(out)


def _earliest_reach(target, finish_bound: int, finish: dict[str, int],
                    online: list[tuple[int, int]], flow: FlowBound | None) -> int:
    """No schedule reaches the target sooner."""
    if target.gpus:
        reached = reached_at(online, target.gpus)
        return 0 if reached is None else reached  # never reached: validation reports it
    if not target.tasks:
        return finish_bound
    reach = max(finish[t] for t in target.tasks)
    if flow is not None:
        wanted = set(target.tasks)
        for g, tids in flow.groups.items():
            if g in flow.F and wanted.issuperset(tids):
                reach = max(reach, flow.F[g][-1])
    return reach


def after_finish(plan: Plan, tail: dict[str, int]) -> dict[str, int]:
    """Slots the project runs on, at least, after each task finishes: the longest tail of a
    finish-to-start successor (lag + its own tail) or a finish-to-finish lag."""
    out = {tid: 0 for tid in plan.tasks}
    for task in plan.tasks.values():
        for link in task.links:
            if link.type == LinkType.FS:
                out[link.pred] = max(out[link.pred], link.lag + tail[task.id])
            elif link.type == LinkType.FF:
                out[link.pred] = max(out[link.pred], link.lag)
    return out


def energy_bound(plan: Plan, cals: Calendars, rid: str, start: dict[str, int],
                 after: dict[str, int]) -> int:
    """No schedule ends before crew `rid` has done all its work: from the earliest start of any
    of its tasks, W crew-slots at capacity C take W/C of its working time, and the shortest
    chain after any of its tasks still follows."""
    users = [t for t in plan.tasks.values() if any(rid in m.demands for m in t.modes)]
    if not users:
        return 0
    res = plan.resources[rid]
    work = sum(min(m.duration * m.demands.get(rid, 0) for m in t.modes) for t in users)
    slots = -(-work // max(1, res.max_capacity))
    calendars = {t.calendar for t in users}
    cal = cals.get(res.calendar if calendars == {res.calendar} else None)
    first = min(start[t.id] for t in users)
    return cal.finish(cal.next_working(first), slots) + min(after[t.id] for t in users)


class FlowBound:
    """Order statistics of the starts and finishes of each step of identical units.

    A group is the tasks one plan line made (a template step for every rack). For group G, S[k]
    and F[k] bound from below the k-th earliest start and finish over its tasks, in any
    schedule:
    - S[k] >= the k-th earliest critical-path start;
    - if each task of G needs its own predecessors in group H (disjoint sets, e.g. each rack's
      power-on needs that rack's cable), k of G cannot start before the r_k-th finish of H,
      r_k being the k smallest sets together; if each needs one shared predecessor (racks after
      their hall's cooling loop), r_k is the fewest predecessors that cover k tasks;
    - F[k] >= S[k] + the shortest duration, in working time;
    - crew R doing G (and the steps before it in the same unit on R, e.g. uncrate then position):
      of the first k finishers, at least k-j+1 started at or after S[j] and did all their work
      on R after it, so F[k] >= the time R's capacity (working time, capacity steps) delivers
      (k-j+1) x their energy from S[j] on, for every j: a fluid queue gives all k at once.
    The finish is at least F[n] of every group plus the shortest chain after it.
    """

    def __init__(self, plan: Plan, cals: Calendars, horizon: int, start: dict[str, int],
                 after: dict[str, int]):
        self.plan, self.cals, self.horizon = plan, cals, horizon
        self.es, self.after = start, after
        self.group_of: dict[str, str] = {}
        self.groups: dict[str, list[str]] = defaultdict(list)
        for task in plan.tasks.values():
            key = task.source or task.id
            self.group_of[task.id] = key
            self.groups[key].append(task.id)
        self.S: dict[str, list[int]] = {}
        self.F: dict[str, list[int]] = {}
        self._prefix: dict[tuple[str, str | None], list[int]] = {}

    def bound(self) -> int:
        best = 0
        for g in self._group_order():
            tids = self.groups[g]
            self.S[g] = self._starts(g, tids)
            self.F[g] = self._finishes(g, tids)
            best = max(best, self.F[g][-1] + min(self.after[t] for t in tids))
        return min(best, self.horizon)

    def _group_order(self) -> list[str]:
        """Groups in dependency order; groups on a cycle of groups are left out (the bound
        stays valid, only weaker)."""
        preds: dict[str, set[str]] = {g: set() for g in self.groups}
        for task in self.plan.tasks.values():
            g = self.group_of[task.id]
            preds[g].update(self.group_of[lk.pred] for lk in task.links
                            if self.group_of[lk.pred] != g)
        succs: dict[str, list[str]] = {g: [] for g in self.groups}
        for g, ps in preds.items():
            for p in sorted(ps):
                succs[p].append(g)
        return dependency_order(self.groups, succs)

    def _starts(self, g: str, tids: list[str]) -> list[int]:
        starts = sorted(self.es[t] for t in tids)
        by_pred: dict[tuple[str, LinkType], dict[str, list[str]]] = defaultdict(dict)
        lags: dict[tuple[str, LinkType], int] = {}
        for t in tids:
            for lk in self.plan.tasks[t].links:
                h = self.group_of[lk.pred]
                if h == g or h not in self.F or lk.type not in (LinkType.FS, LinkType.SS):
                    continue
                key = (h, lk.type)
                by_pred[key].setdefault(t, []).append(lk.pred)
                lags[key] = min(lags.get(key, lk.lag), lk.lag)
        for (h, kind), sets in by_pred.items():
            if len(sets) < len(tids):
                continue  # some tasks of g do not wait for h
            needed = _needed(list(sets.values()))
            if needed is None:
                continue
            source = self.F[h] if kind == LinkType.FS else self.S[h]
            for k in range(len(starts)):
                starts[k] = max(starts[k], source[needed[k] - 1] + lags[(h, kind)])
        for k in range(1, len(starts)):
            starts[k] = max(starts[k], starts[k - 1])
        return starts

    def _finishes(self, g: str, tids: list[str]) -> list[int]:
        tasks = [self.plan.tasks[t] for t in tids]
        calendars = {t.calendar for t in tasks}
        one = len(calendars) == 1
        # Mixed calendars: elapsed time finishes no later than any calendar would.
        cal = self.cals.get(next(iter(calendars)) if one else None)
        shortest = min(m.duration for t in tasks for m in t.modes)
        starts = self.S[g]
        finishes = [cal.finish(cal.next_working(s), shortest) if shortest else s for s in starts]
        if one and shortest:  # crews work only in this calendar: their energy bounds apply
            for rid in self._crews(tasks):
                for k, f in enumerate(self._fluid(g, rid, cal)):
                    finishes[k] = max(finishes[k], f)
        for k in range(1, len(finishes)):
            finishes[k] = max(finishes[k], finishes[k - 1])
        return finishes

    def _crews(self, tasks) -> list[str]:
        """Resources every mode of every task uses."""
        common = None
        for t in tasks:
            for m in t.modes:
                common = set(m.demands) if common is None else common & set(m.demands)
        return sorted(common or ())

    def _fluid(self, g: str, rid: str, cal) -> list[int]:
        """F[k] from crew `rid`'s capacity, with the same unit's earlier steps on `rid`."""
        chain = self._chain(g, rid)
        energy = sum(min(min(m.duration * m.demands[rid] for m in self.plan.tasks[t].modes)
                         for t in self.groups[h]) for h in chain)
        releases = self.S[chain[-1]]
        prefix = self._capacity_prefix(rid, cal)
        out, level = [], 0
        for s in releases:
            level = max(level, prefix[min(s, self.horizon)]) + energy
            out.append(min(bisect.bisect_left(prefix, level), self.horizon))
        return out

    def _chain(self, g: str, rid: str) -> list[str]:
        """g, then each earlier step of the same units that also uses `rid`, linked one to one."""
        chain = [g]
        while True:
            tids = self.groups[chain[-1]]
            preds = {}
            for t in tids:
                for lk in self.plan.tasks[t].links:
                    h = self.group_of[lk.pred]
                    if lk.type == LinkType.FS and h != chain[-1] and h in self.F and \
                            all(rid in m.demands for m in self.plan.tasks[lk.pred].modes):
                        preds.setdefault(h, []).append((t, lk.pred))
            # One to one: every task has exactly one predecessor there, each a different one.
            step = next((h for h, pairs in preds.items() if len(pairs) == len(tids)
                         and len({t for t, _ in pairs}) == len(tids)
                         and len({p for _, p in pairs}) == len(tids)
                         and len(self.groups[h]) == len(tids)), None)
            if step is None or step in chain:
                return chain
            chain.append(step)

    def _capacity_prefix(self, rid: str, cal) -> list[int]:
        """prefix[t] = crew-slots `rid` offers in working slots before t."""
        key = (rid, cal.id)
        if key not in self._prefix:
            res = self.plan.resources[rid]
            prefix = [0]
            for t in range(self.horizon):
                prefix.append(prefix[-1] + (res.capacity_at(t) if cal.is_working(t) else 0))
            self._prefix[key] = prefix
        return self._prefix[key]


def _needed(sets: list[list[str]]) -> list[int] | None:
    """needed[k-1]: the fewest predecessors that must be done before k of the tasks can start,
    for disjoint predecessor sets or a single shared predecessor each; None otherwise."""
    members = [p for ps in sets for p in ps]
    if len(set(members)) == len(members):
        out, total = [], 0
        for size in sorted(len(ps) for ps in sets):
            total += size
            out.append(total)
        return out
    if all(len(ps) == 1 for ps in sets):
        fanout = defaultdict(int)
        for ps in sets:
            fanout[ps[0]] += 1
        out, covered, used = [], 0, 0
        for n in sorted(fanout.values(), reverse=True):
            used += 1
            covered += n
            out.extend([used] * n)
        return out
    return None
