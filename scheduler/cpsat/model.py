"""CP-SAT model of a plan: variables, constraints and objective, one method per family.

Time is integer slots from the project start. A task that works in a calendar pauses outside it, so
its elapsed length depends on its start; the starts are grouped by that length (`length_groups`) and
one Boolean per group picks it — exact, and a handful of literals per task instead of an element
constraint over the horizon. A task holds its resources over its whole span; tasks sharing a
calendar pause together, so spans overlap exactly when their work does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ..bounds import after_finish
from ..calendar import Calendars
from ..cost import crew_cents, crew_table, expedite_cents, spend_cents
from ..heuristic import earliest_finishes, topological_order
from ..modes import usable_modes
from ..plan import LinkType, Plan, release_statement
from ..schedule import ScheduledTask, counted, forecast


@dataclass
class TaskVars:
    start: cp_model.IntVar
    end: cp_model.IntVar
    modes: list  # per mode: presence literal (or True for a single mode)
    groups: list  # per mode: {length: literal} (empty when the length is fixed)
    intervals: list  # per mode: interval variable (None for milestones)


@dataclass
class RackplanModel:
    plan: Plan
    cals: Calendars
    horizon: int
    gpu_until: int
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    tasks: dict[str, TaskVars] = field(default_factory=dict)
    makespan: cp_model.IntVar | None = None
    objective: cp_model.LinearExprT | None = None  # what the model minimises
    lateness: dict[str, cp_model.IntVar] = field(default_factory=dict)
    reach: dict[str, cp_model.IntVar] = field(default_factory=dict)
    reached: dict[str, dict[str, cp_model.IntVar]] = field(default_factory=dict)
    # Auxiliary variables and how to compute them from a schedule, so hints are complete.
    derived: list = field(default_factory=list)
    # With relax=True every plan statement that can be dropped is guarded by a literal
    # (statement id -> literal), for explaining infeasibility with assumptions.
    relax: bool = False
    statements: dict[str, cp_model.IntVar] = field(default_factory=dict)
    usable: dict[str, tuple[int, ...]] = field(default_factory=dict)  # modes worth choosing
    cliques: list[list[str]] = field(default_factory=list)  # tasks that run one at a time
    expedites: dict[str, cp_model.IntVar] = field(default_factory=dict)  # delivery -> paid?
    # Crew sizing (crews.py): resource -> its capacity as a variable, set before build().
    sizing: dict[str, cp_model.IntVar] = field(default_factory=dict)
    # ... and the units a sized crew does not have over time (before its lead time, on the
    # other side of its ramp date): [(interval, demand)] beside its tasks in the cumulative.
    sizing_blocks: dict[str, list] = field(default_factory=dict)

    def statement(self, key: str) -> cp_model.IntVar:
        if key not in self.statements:
            self.statements[key] = self.model.new_bool_var(f"holds:{key}")
        return self.statements[key]

    def build(self) -> RackplanModel:
        self.usable = usable_modes(self.plan, exact=not self.relax)
        self._task_variables()
        self._precedences()
        self._capacities()
        self._disjunctions()
        self._budgets()
        self._storages()
        self._makespan()
        self._targets()
        self._objective()
        return self

    # -- variables --------------------------------------------------------------------------------
    def _task_variables(self) -> None:
        for task in self.plan.tasks.values():
            self.tasks[task.id] = self._task_vars(task)

    def _task_vars(self, task) -> TaskVars:
        m, h = self.model, self.horizon
        # With a price on expediting (the cost objective) a task may start from its expedited
        # release; its normal one holds unless its delivery is expedited (`_expedite`).
        release = 0 if self.relax else (task.early_release if self._can_expedite(task)
                                        else task.release)
        if task.is_milestone:
            # A release past the horizon leaves no start: the model is infeasible, not invalid.
            start = m.new_int_var(min(release, h), h, f"{task.id}.start")
            if release > h:
                m.add(start >= release)
            self._release(task, start)
            return TaskVars(start, start, [True], [{}], [None])
        cal = self.cals.get(task.calendar)
        free = None
        if self.relax and task.calendar is not None:
            # Dropping the calendar statement lets the task run in elapsed time.
            free = m.new_bool_var(f"{task.id}.elapsed")
            m.add_implication(free, self.statement(f"calendars.{task.calendar}").Not())
            start = m.new_int_var(0, h, f"{task.id}.start")
            m.add_linear_expression_in_domain(start, cp_model.Domain.from_intervals(
                [list(iv) for iv in cal.working_intervals(h)] or [[h, h]])
            ).only_enforce_if(free.Not())
        else:
            starts = [(max(a, release), b) for a, b in cal.working_intervals(h) if b >= release]
            start = m.new_int_var_from_domain(cp_model.Domain.from_intervals(starts or [[h, h]]),
                                              f"{task.id}.start")
        self._release(task, start)
        end = m.new_int_var(0, h, f"{task.id}.end")
        single = len(task.modes) == 1
        lits, groups, intervals = [], [], []
        for idx, mode in enumerate(task.modes):
            present = True if single else m.new_bool_var(f"{task.id}.mode{idx}")
            by_length = {length: spans for length, spans in
                         cal.length_groups(mode.duration, h).items()
                         if spans[-1][1] >= release
                         and (task.interruptible or length == mode.duration)}
            if not task.interruptible:
                self._unbroken(start, present, by_length.get(mode.duration))
            if free is not None:
                size, group_lits = self._relaxed_size(task.id, idx, by_length, start, present,
                                                      free, mode.duration)
            else:
                size, group_lits = self._size(task.id, idx, by_length, start, present)
            name = f"{task.id}.m{idx}"
            if single:
                interval = m.new_interval_var(start, size, end, name)
            else:
                interval = m.new_optional_interval_var(start, size, end, present, name)
            lits.append(present)
            groups.append(group_lits)
            intervals.append(interval)
        if not single:
            m.add_exactly_one(lits)
            usable = self.usable.get(task.id, range(len(lits)))
            for idx, lit in enumerate(lits):
                if idx not in usable:
                    m.add(lit == 0)  # never needed (scheduler/modes.py)
        return TaskVars(start, end, lits, groups, intervals)

    def _unbroken(self, start, present, spans) -> None:
        """A task that must not pause starts only where its work runs without a break: the
        starts whose elapsed length equals the work."""
        m = self.model
        if not spans:  # no such start before the horizon: the mode cannot run
            if present is True:
                m.add(start > self.horizon)
            else:
                m.add(present == 0)
            return
        ct = m.add_linear_expression_in_domain(
            start, cp_model.Domain.from_intervals([list(sp) for sp in spans]))
        if present is not True:
            ct.only_enforce_if(present)

    def _can_expedite(self, task) -> bool:
        return bool(task.expedite) and self.plan.objective.kind == "cost" and not self.relax

    def _expedite(self, task, start) -> None:
        if not self._can_expedite(task):
            return
        lit = self.expedites.get(task.expedite)
        if lit is None:
            lit = self.expedites[task.expedite] = self.model.new_bool_var(
                f"deliveries.{task.expedite}.expedited")
        self.model.add(start >= task.release).only_enforce_if(lit.Not())

    def _release(self, task, start) -> None:
        self._expedite(task, start)
        if self.relax and task.release > 0:
            m = self.model
            m.add(start >= task.release).only_enforce_if(self.statement(release_statement(task)))

    def _relaxed_size(self, tid, idx, by_length, start, present, free, duration):
        """Like _size, plus the option of working in elapsed time when the calendar is dropped."""
        m = self.model
        lits = self._length_literals(tid, idx, by_length, start)
        free_here = m.new_bool_var(f"{tid}.m{idx}.free")
        m.add_implication(free_here, free)
        values = sorted(set(by_length) | {duration, 0})
        size = m.new_int_var_from_domain(cp_model.Domain.from_values(values), f"{tid}.m{idx}.size")
        m.add(size == sum(length * lit for length, lit in lits.items()) + duration * free_here)
        m.add(sum(lits.values()) + free_here == (1 if present is True else present))
        m.add(free_here == 0).only_enforce_if(free.Not())
        if present is not True:
            m.add(free_here <= present)
        return size, lits

    def _length_literals(self, tid, idx, by_length, start) -> dict:
        """One literal per elapsed length, each allowing only the starts that give it."""
        lits = {}
        for length, spans in sorted(by_length.items()):
            lit = self.model.new_bool_var(f"{tid}.m{idx}.len{length}")
            self.model.add_linear_expression_in_domain(
                start, cp_model.Domain.from_intervals([list(sp) for sp in spans])
            ).only_enforce_if(lit)
            lits[length] = lit
        return lits

    def _size(self, tid, idx, by_length, start, present):
        """The elapsed size: a constant when every start gives the same length, else one literal
        per length with the starts that produce it."""
        m = self.model
        if len(by_length) == 1:
            return next(iter(by_length)), {}
        lits = self._length_literals(tid, idx, by_length, start)
        lengths = sorted(by_length)
        size = m.new_int_var_from_domain(cp_model.Domain.from_values([0] + lengths),
                                         f"{tid}.m{idx}.size")
        m.add(size == sum(length * lit for length, lit in lits.items()))
        self.derived.append((size, lambda ts: ts[tid].finish - ts[tid].start
                             if ts[tid].mode == idx else 0))
        if present is True:
            m.add_exactly_one(lits.values())
        else:
            m.add(sum(lits.values()) == present)
        return size, lits

    # -- constraints ------------------------------------------------------------------------------
    def _precedences(self) -> None:
        m = self.model
        for task in self.plan.tasks.values():
            succ = self.tasks[task.id]
            for link in task.links:
                pred = self.tasks[link.pred]
                there = pred.end if link.type in (LinkType.FS, LinkType.FF) else pred.start
                here = succ.start if link.type in (LinkType.FS, LinkType.SS) else succ.end
                if link.lag_calendar is not None and link.lag:
                    m.add(here >= there + self._working_lag(task.id, link, there))
                else:
                    m.add(here >= there + link.lag)
                if link.max_lag is not None:
                    ct = m.add(here <= there + link.max_lag)
                    if self.relax:
                        ct.only_enforce_if(self.statement(f"{task.source}.after"))

    def _working_lag(self, tid, link, there):
        """The elapsed length of a lag in working time, which depends on when it begins: one
        literal per length, each allowing the `there` values that give it (as task lengths)."""
        m = self.model
        groups = self.cals.get(link.lag_calendar).lag_groups(link.lag, self.horizon)
        if len(groups) == 1:
            return next(iter(groups))
        name = f"{link.pred}->{tid}.lag"
        lits = {}
        for length, spans in sorted(groups.items()):
            lit = m.new_bool_var(f"{name}{length}")
            m.add_linear_expression_in_domain(
                there, cp_model.Domain.from_intervals([list(sp) for sp in spans])
            ).only_enforce_if(lit)
            lits[length] = lit
            pred_end = link.type in (LinkType.FS, LinkType.FF)
            self.derived.append((lit, lambda ts, p=link.pred, n=length, end=pred_end, cal=(
                self.cals.get(link.lag_calendar)), d=link.lag:
                int(cal.finish(ts[p].finish if end else ts[p].start, d)
                    - (ts[p].finish if end else ts[p].start) == n)))
        m.add_exactly_one(lits.values())
        return sum(length * lit for length, lit in lits.items())

    def _capacities(self) -> None:
        by_resource: dict[str, tuple[list, list, list]] = {r: ([], [], [])
                                                          for r in self.plan.resources}
        for task in self.plan.tasks.values():
            tv = self.tasks[task.id]
            uses: dict[str, list[tuple[int, int]]] = {}
            for idx, mode in enumerate(task.modes):
                for rid, amount in mode.demands.items():
                    uses.setdefault(rid, []).append((idx, amount))
            for rid, modes in uses.items():
                intervals, demands, peaks = by_resource[rid]
                if len(modes) == 1:
                    intervals.append(tv.intervals[modes[0][0]])
                    demands.append(modes[0][1])
                else:
                    interval, demand = self._shared_use(task.id, tv, rid, modes)
                    intervals.append(interval)
                    demands.append(demand)
                peaks.append(max(q for _, q in modes))
        for rid, (intervals, demands, peaks) in by_resource.items():
            if not intervals:
                continue
            res = self.plan.resources[rid]
            top = res.max_capacity
            # Capacity that changes over time: block the missing units with fixed intervals.
            for lo, hi, cap in res.profile(self.horizon):
                if cap < top and hi > lo:
                    intervals.append(self.model.new_fixed_size_interval_var(
                        lo, hi - lo, f"{rid}.reduced@{lo}"))
                    demands.append(top - cap)
                    peaks.append(top - cap)
            if rid in self.sizing:
                for interval, demand in self.sizing_blocks.get(rid, ()):
                    intervals.append(interval)
                    demands.append(demand)
                self.model.add_cumulative(intervals, demands, self.sizing[rid])
            elif sum(peaks) > top:
                self.model.add_cumulative(intervals, demands,
                                          self._capacity(f"resources.{rid}", top, sum(peaks)))

    def _disjunctions(self) -> None:
        """No-overlap constraints over cliques of tasks no two of which can run at once, because
        together they ask some crew for more than it has or one must finish before the other
        starts. Redundant with the cumulatives and links, but edge-finding over such a clique
        sees what no single cumulative does (Baptiste and Le Pape's redundant disjunctive
        constraints). Built only for small plans (MAX_CLIQUE_TASKS), where they pay."""
        if self.relax:
            return  # a dropped capacity statement would still be enforced here
        tasks = [t for t in self.plan.tasks.values()
                 if all(m.duration > 0 for m in t.modes)]  # zero-length modes overlap anything
        if not 3 <= len(tasks) <= MAX_CLIQUE_TASKS:
            return
        least = {t.id: self._least_demands(t) for t in tasks}
        tops = {rid: r.max_capacity for rid, r in self.plan.resources.items()}
        before = _fs_ancestors(self.plan)
        ids = [t.id for t in tasks]
        crews: dict[str, set[str]] = {tid: set() for tid in ids}  # resource conflicts
        order: dict[str, set[str]] = {tid: set() for tid in ids}  # precedence
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if any(q + least[b].get(r, 0) > tops[r] for r, q in least[a].items()):
                    crews[a].add(b)
                    crews[b].add(a)
                elif b in before[a] or a in before[b]:
                    order[a].add(b)
                    order[b].add(a)
        self.cliques = _cliques(ids, crews, order)
        for clique in self.cliques:
            self.model.add_no_overlap([iv for tid in clique for iv in self.tasks[tid].intervals])

    def _least_demands(self, task) -> dict[str, int]:
        """What the task asks of each crew whichever usable mode it runs in."""
        idxs = self.usable.get(task.id, range(len(task.modes)))
        modes = [task.modes[i] for i in idxs]
        return {rid: min(m.demands.get(rid, 0) for m in modes)
                for rid in modes[0].demands if all(m.demands.get(rid, 0) for m in modes)}

    def _shared_use(self, tid, tv, rid, modes):
        """One interval for all of a task's modes that use `rid`, its demand set by the mode
        chosen (as PyJobShop does): one interval per task in the crew's cumulative, not one
        per mode."""
        m = self.model
        used = m.new_bool_var(f"{tid}.uses.{rid}")
        m.add(used == sum(tv.modes[idx] for idx, _ in modes))
        span = m.new_int_var(0, self.horizon, f"{tid}.span.{rid}")
        m.add(span == tv.end - tv.start)
        interval = m.new_optional_interval_var(tv.start, span, tv.end, used, f"{tid}.{rid}")
        idxs = {idx for idx, _ in modes}
        self.derived.append((used, lambda ts, i=idxs: int(ts[tid].mode in i)))
        self.derived.append((span, lambda ts: ts[tid].finish - ts[tid].start))
        demand = m.new_int_var(0, max(q for _, q in modes), f"{tid}.demand.{rid}")
        m.add(demand == sum(q * tv.modes[idx] for idx, q in modes))  # cumulative: affine only
        self.derived.append((demand, lambda ts: dict(modes).get(ts[tid].mode, 0)))
        return interval, demand

    def _budgets(self) -> None:
        """The modes chosen spend at most each budget's total."""
        for bid, budget in self.plan.budgets.items():
            terms, fixed = [], 0
            for task in self.plan.tasks.values():
                tv = self.tasks[task.id]
                for mode, lit in zip(task.modes, tv.modes):  # a milestone has one literal
                    amount = mode.spends.get(bid, 0)
                    if amount and lit is True:
                        fixed += amount
                    elif amount:
                        terms.append(amount * lit)
            ct = self.model.add(sum(terms) + fixed <= budget.total)
            if self.relax:
                ct.only_enforce_if(self.statement(f"budgets.{bid}"))

    def _storages(self) -> None:
        for sid, storage in self.plan.storages.items():
            pairs = self._stays(sid)
            if pairs is not None and not storage.arrivals and storage.initial == 0:
                self._storage_as_cumulative(sid, storage, pairs)
            else:
                self._storage_as_reservoir(sid, storage)

    def _stays(self, sid):
        """(filler, emptier, units) per unit when each unit's fill precedes its own empty, so the
        level is the number of stays [fill end, empty start) in progress — a cumulative, which
        propagates far better than a reservoir (CP-SAT expands those quadratically)."""
        by_unit: dict[str, tuple[list, list]] = {}
        for task in self.plan.tasks.values():
            if sid in task.fills:
                by_unit.setdefault(task.unit, ([], []))[0].append(task)
            if sid in task.empties:
                by_unit.setdefault(task.unit, ([], []))[1].append(task)
        pairs = []
        for fills, empties in by_unit.values():
            if len(fills) != 1 or len(empties) != 1:
                return None
            f, e = fills[0], empties[0]
            if f.fills[sid] != e.empties[sid] or not _precedes(self.plan, f.id, e.id):
                return None
            pairs.append((f.id, e.id, f.fills[sid]))
        return pairs

    def _storage_as_cumulative(self, sid, storage, pairs) -> None:
        intervals, demands = [], []
        for fill, empty, qty in pairs:
            lo, hi = self.tasks[fill].end, self.tasks[empty].start
            size = self.model.new_int_var(0, self.horizon, f"{sid}.stay.{fill}")
            self.derived.append((size, lambda ts, f=fill, e=empty: ts[e].start - ts[f].finish))
            intervals.append(self.model.new_interval_var(lo, size, hi, f"{sid}.stay.{fill}"))
            demands.append(qty)
        top = storage.max_capacity
        peak = sum(demands)
        # Capacity that changes over time: block the missing room with fixed stays.
        for lo, hi, cap in _steps(storage.steps, self.horizon):
            if cap < top and hi > lo:
                intervals.append(self.model.new_fixed_size_interval_var(
                    lo, hi - lo, f"{sid}.reduced@{lo}"))
                demands.append(top - cap)
        if peak > min(c for _, c in storage.steps):
            self.model.add_cumulative(intervals, demands,
                                      self._capacity(f"storage.{sid}", top, sum(demands)))

    def _capacity(self, key: str, capacity: int, most: int):
        """The capacity, or in relax mode a variable that may exceed it if the statement is
        dropped (enough for every demand at once)."""
        if not self.relax:
            return capacity
        var = self.model.new_int_var(capacity, max(capacity, most), f"{key}.capacity")
        self.model.add(var == capacity).only_enforce_if(self.statement(key))
        return var

    def _storage_as_reservoir(self, sid, storage) -> None:
        times, changes = [0], [storage.initial]
        for slot, qty in storage.arrivals:
            times.append(slot)
            changes.append(qty)
        for task in self.plan.tasks.values():
            tv = self.tasks[task.id]
            if sid in task.fills:
                times.append(tv.end)
                changes.append(task.fills[sid])
            if sid in task.empties:
                times.append(tv.start)
                changes.append(-task.empties[sid])
        if len(times) > 1:
            top = storage.max_capacity
            self.model.add_reservoir_constraint(times, changes, 0, top)
            if len(storage.steps) > 1:
                # Less room at times: the same events plus phantom units that fill the room
                # taken away, all under the largest capacity.
                phantom = [(lo, top - cap) for lo, _, cap in _steps(storage.steps, self.horizon)]
                deltas = [(lo, q - (phantom[i - 1][1] if i else 0))
                          for i, (lo, q) in enumerate(phantom)]
                self.model.add_reservoir_constraint(
                    times + [lo for lo, _ in deltas], changes + [q for _, q in deltas], 0, top)

    def _makespan(self) -> None:
        self.makespan = self.model.new_int_var(0, self.horizon, "makespan")
        covered = {link.pred for t in self.plan.tasks.values() for link in t.links
                   if link.type in (LinkType.FS, LinkType.FF) and link.lag >= 0}
        for tid, tv in self.tasks.items():
            if tid not in covered:
                self.model.add(self.makespan >= tv.end)
        self._mode_energy()

    def _mode_energy(self) -> None:
        """Each crew's work, in the modes chosen, fits in its capacity times the window from its
        tasks' earliest start to the finish less the shortest tail after them. Redundant, but
        this linear form lets CP-SAT's LP bound the finish through the mode choice (the
        cumulative sees each mode's interval separately). On PSPLIB's multi-mode J30 it raised
        CP-SAT's bound by up to 14 periods on the hardest instances. (A linear span >= work per
        task was tried too, and slowed the search.)"""
        plan = self.plan
        if self.relax or not any(len(t.modes) > 1 for t in plan.tasks.values()):
            return
        start, _ = earliest_finishes(plan, self.cals)
        after = after_finish(plan)
        for rid, res in plan.resources.items():
            terms, fixed, users = [], 0, []
            for task in plan.tasks.values():
                for mode, lit in zip(task.modes, self.tasks[task.id].modes):
                    work = mode.duration * mode.demands.get(rid, 0)
                    if work and lit is True:
                        fixed += work
                    elif work:
                        terms.append(work * lit)
                    if work:
                        users.append(task.id)
            if terms:
                window = (self.makespan - min(start[t] for t in users)
                          - min(after[t] for t in users))
                self.model.add(sum(terms) + fixed <= res.max_capacity * window)

    def _targets(self) -> None:
        m = self.model
        for target in self.plan.targets.values():
            spec = counted(self.plan, target)
            if spec is not None:
                reach = self._counted_reach(target, *spec)
            elif not target.tasks:
                reach = self.makespan
            else:
                reach = m.new_int_var(0, self.horizon, f"{target.id}.reach")
                m.add_max_equality(reach, [self.tasks[t].end for t in target.tasks])
                self.derived.append((reach, lambda ts, ids=target.tasks:
                                     max(ts[t].finish for t in ids)))
            self.reach[target.id] = reach
            if target.hard:
                ct = m.add(reach <= target.due)
                if self.relax:
                    ct.only_enforce_if(self.statement(f"targets.{target.id}"))
            else:
                late = m.new_int_var(0, self.horizon, f"{target.id}.late")
                m.add(late >= reach - target.due)
                self.lateness[target.id] = late

    def _counted_reach(self, target, weights: dict[str, int], need: int):
        """The slot by which the target is reached: enough of its tasks (by weight: GPUs, or 1
        each for a count) finish by it."""
        m = self.model
        reach = m.new_int_var(0, self.horizon, f"{target.id}.reach")
        lits = {}
        for tid in weights:
            lit = m.new_bool_var(f"{target.id}.by.{tid}")
            m.add(self.tasks[tid].end <= reach).only_enforce_if(lit)
            lits[tid] = lit
        m.add(sum(weights[t] * lit for t, lit in lits.items()) >= need)
        self.reached[target.id] = lits
        return reach

    def _objective(self) -> None:
        m = self.model
        penalty = sum(self.plan.targets[t].penalty * late for t, late in self.lateness.items())
        if self.plan.objective.kind == "cost":
            self.objective = self._cents() + 100 * penalty
        elif self.plan.objective.kind == "gpu-hours":
            until = self.gpu_until
            terms = []
            for task in self.plan.tasks.values():
                if task.gpus:
                    capped = m.new_int_var(0, until, f"{task.id}.online_by")
                    m.add_min_equality(capped, [self.tasks[task.id].end, until])
                    self.derived.append((capped, lambda ts, t=task.id: min(ts[t].finish, until)))
                    terms.append(task.gpus * (capped - until))
            self.objective = sum(terms) + penalty
        else:
            self.objective = self.makespan + penalty
        m.minimize(self.objective)

    def _cents(self):
        """Cost in cents (scheduler/cost.py): each paid crew's pay as a table over the finish
        (monotone: a longer job pays more hours), plus the modes' spending and fixed costs."""
        m, plan = self.model, self.plan
        terms, fixed = [], round(100 * sum(plan.fixed_costs.values()))
        for rid, res in plan.resources.items():
            if not res.cost_per_hour and not res.cost_per_day:
                continue
            table = crew_table(plan, self.cals, rid, self.horizon)
            pay = m.new_int_var(0, table[-1], f"{rid}.pay")
            m.add_element(self.makespan, table, pay)
            self.derived.append((pay, lambda ts, r=rid: crew_cents(
                plan, self.cals, r, max(st.finish for st in ts.values()))))
            terms.append(pay)
        for task in plan.tasks.values():
            for idx, lit in enumerate(self.tasks[task.id].modes):
                cents = spend_cents(plan, task.id, idx)
                if cents and lit is True:
                    fixed += cents
                elif cents:
                    terms.append(cents * lit)
        for did, lit in self.expedites.items():
            terms.append(expedite_cents(plan, did) * lit)
        return sum(terms) + fixed

    # -- hints and solutions ----------------------------------------------------------------------
    def add_hint(self, tasks: dict[str, ScheduledTask]) -> None:
        m = self.model
        for tid, st in tasks.items():
            tv = self.tasks[tid]
            m.add_hint(tv.start, st.start)
            if tv.end is not tv.start:
                m.add_hint(tv.end, st.finish)
            for idx, lit in enumerate(tv.modes):
                if lit is not True:
                    m.add_hint(lit, idx == st.mode)
                for length, glit in tv.groups[idx].items():
                    m.add_hint(glit, idx == st.mode and length == st.finish - st.start)
        m.add_hint(self.makespan, max(st.finish for st in tasks.values()))
        for lit in self.expedites.values():
            m.add_hint(lit, False)  # hints come from schedules on the delivery dates
        for target in self.plan.targets.values():
            reached = forecast(self.plan, tasks, target)
            if reached is None:
                continue
            if target.id in self.reached:
                m.add_hint(self.reach[target.id], reached)
                for tid, lit in self.reached[target.id].items():
                    m.add_hint(lit, tasks[tid].finish <= reached)
            if target.id in self.lateness:
                m.add_hint(self.lateness[target.id], max(0, reached - target.due))
        for var, value in self.derived:
            m.add_hint(var, value(tasks))

    def expedited(self, solver: cp_model.CpSolver) -> frozenset[str]:
        """The deliveries the solution pays to expedite."""
        return frozenset(d for d, lit in self.expedites.items() if solver.boolean_value(lit))

    def read(self, solver: cp_model.CpSolver) -> dict[str, tuple[int, int]]:
        """{task: (start, mode)} from a solver that has a solution."""
        out = {}
        for tid, tv in self.tasks.items():
            mode = 0
            for idx, lit in enumerate(tv.modes):
                if lit is not True and solver.boolean_value(lit):
                    mode = idx
            out[tid] = (solver.value(tv.start), mode)
        return out


# Cliques pay on small plans and cost on larger ones: on PSPLIB J30 (32 tasks) they proved 3 of
# the 12 hardest at 5 s where none were proven without them; on J60 (62 tasks) 1 of 8 instances
# otherwise proven near the 10 s limit against 6 without them (bench/README.md).
MAX_CLIQUE_TASKS = 40
MAX_CLIQUES = 10


def _steps(steps, horizon: int) -> list[tuple[int, int, int]]:
    """Capacity steps as [from, to, capacity) up to the horizon."""
    out = []
    for i, (lo, cap) in enumerate(steps):
        hi = steps[i + 1][0] if i + 1 < len(steps) else max(horizon, lo)
        out.append((lo, hi, cap))
    return out


def _fs_ancestors(plan: Plan) -> dict[str, set[str]]:
    """{task: the tasks that must finish before it starts} through FS links with lag >= 0."""
    out: dict[str, set[str]] = {}
    for tid in topological_order(plan):
        mine: set[str] = set()
        for link in plan.tasks[tid].links:
            if link.type == LinkType.FS and link.lag >= 0:
                mine.add(link.pred)
                mine |= out[link.pred]
        out[tid] = mine
    return out


def _cliques(ids, crews, order) -> list[list[str]]:
    """The largest greedy maximal cliques of the conflict graph (crew conflicts or precedence),
    each grown from a task with crew conflicts, preferring tasks with the most of them; only
    cliques of three or more with at least two crew conflicts are worth a constraint."""
    pos = {t: i for i, t in enumerate(ids)}

    def rank(t):  # most conflicts first; ties in plan order (never in set order: hashing varies)
        return (-len(crews[t]), -len(order[t]), pos[t])

    seen, out = set(), []
    for seed in sorted((t for t in ids if crews[t]), key=rank):
        clique = [seed]
        common = crews[seed] | order[seed]
        for cand in sorted(common, key=rank):
            if cand in common:
                clique.append(cand)
                common &= crews[cand] | order[cand]
        key = frozenset(clique)
        conflicts = sum(len(crews[t] & key) for t in clique) // 2
        if len(clique) >= 3 and conflicts >= 2 and key not in seen:
            seen.add(key)
            out.append(clique)
    # Each no-overlap costs propagation time: all of them (20-30 on a J60 instance) lost proofs
    # that the largest ten keep (bench/README.md, "What was tried").
    return sorted(out, key=len, reverse=True)[:MAX_CLIQUES]


def _precedes(plan: Plan, first: str, last: str) -> bool:
    """Whether `last` cannot start before `first` finishes (a chain of FS links with lag >= 0)."""
    seen, stack = set(), [last]
    while stack:
        tid = stack.pop()
        for link in plan.tasks[tid].links:
            if link.type == LinkType.FS and link.lag >= 0 and link.pred not in seen:
                if link.pred == first:
                    return True
                seen.add(link.pred)
                stack.append(link.pred)
    return False
