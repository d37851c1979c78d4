"""Crew sizing (`rackplan crews`): the cheapest crew sizes that meet the hard targets or a date,
with capacities as CP-SAT variables — the resource availability cost problem (RACP) — and the
proven bound on that cost.

Each resource with `capacity = { min, max }` gets an integer variable in place of its capacity;
a unit of crew costs its pay over the window up to the deadline (scheduler/cost.py: working
hours and days on site), or 1 where no price is given, so the least crews are chosen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from ..calendar import Calendars
from ..cost import crew_table
from ..errors import VerificationError
from ..plan import Objective, Plan
from ..schedule import Schedule, SolveStatus, make_task
from ..verify import verify
from .model import RackplanModel
from .solve import SolveOptions


@dataclass
class CrewSizes:
    """The answer: a status, sizes per sized resource, their cost (cents) and its proven lower
    bound, and the schedule on the plan with those sizes."""

    status: SolveStatus
    deadline: int
    sizes: dict[str, int] = field(default_factory=dict)
    unit_cents: dict[str, int] = field(default_factory=dict)
    cost: int | None = None
    bound: int | None = None
    schedule: Schedule | None = None
    wall_time: float = 0.0
    ramps: dict[str, tuple[int, int]] = field(default_factory=dict)  # crew -> (date, size)

    @property
    def gap(self) -> float | None:
        if self.cost is None or self.bound is None or not self.cost:
            return None
        return max(0.0, (self.cost - self.bound) / self.cost)


def _smallest_by_list(plan: Plan, ranged, deadline: int, until: float,
                      floors: dict[str, int] | None = None):
    """Sizes the list scheduler can meet the date with, each crew in turn cut to the smallest
    that still works (binary search down to its proven floor, the others as they are), and
    that schedule: CP-SAT's starting point, far cheaper than every crew at its largest on a
    big plan. Every crew at its floor is tried first (when it works, nothing is cheaper).
    (None, None) if even the largest sizes miss the date."""
    floors = floors or {}
    from ..heuristic import ListScheduler, default_rules
    from ..schedule import forecast

    cals = Calendars(plan)
    base = ListScheduler(sized(plan, {rid: hi for rid, (_, hi) in ranged.items()}), cals)
    hard = [t for t in plan.targets.values() if t.hard]

    def works(sizes):
        """A list schedule with these sizes that makes the date and the hard targets (the
        plan's structure reused: each probe only re-runs the rules)."""
        trial = sized(plan, sizes)
        scheduler = base.for_plan(trial)
        for rule in default_rules(trial):
            if time.monotonic() > until:
                return None
            tasks = scheduler.run(rule, until)
            if (tasks is not None and max(st.finish for st in tasks.values()) <= deadline
                    and all((forecast(trial, tasks, t) or deadline + 1) <= t.due
                            for t in hard)):
                return tasks
        return None

    least = {rid: floors.get(rid, lo) for rid, (lo, _) in ranged.items()}
    best = works(least)
    if best is not None and not verify(sized(plan, least), best):
        return least, best
    sizes = {rid: hi for rid, (_, hi) in ranged.items()}
    best = works(sizes)
    if best is None:
        return None, None
    for rid, (lo, hi) in ranged.items():
        step = plan.resources[rid].size_step
        k_lo, k_hi = (least[rid] - lo) // step, (hi - lo) // step  # sizes lo + k * step
        while k_lo < k_hi and time.monotonic() < until:
            mid = (k_lo + k_hi) // 2
            tasks = works({**sizes, rid: lo + mid * step})
            if tasks is None:
                k_lo = mid + 1
            else:
                k_hi, best = mid, tasks
        sizes[rid] = lo + k_hi * step
    if verify(sized(plan, sizes), best):  # the seed must be a valid hint
        return None, None
    return sizes, best


def _size_floors(plan: Plan, ranged, deadline: int, cals: Calendars, until: float
                 ) -> dict[str, int]:
    """The least size of each crew that the finish bounds (critical path, crew workloads,
    flow line: scheduler/bounds.py) do not rule out for the date, every other crew at its
    largest — a relaxation, so the floor is proven. CP-SAT alone kept the minimum sizes as
    its bound on Colossus (21% gap at 100 days) where one crew fewer is out by 5 days."""
    from ..bounds import lower_bound

    largest = {rid: hi for rid, (_, hi) in ranged.items()}
    floors = {}
    for rid, (lo, hi) in ranged.items():
        step = plan.resources[rid].size_step
        size = lo
        while size < hi and time.monotonic() < until:
            trial = sized(plan, {**largest, rid: size})
            if lower_bound(trial, cals, deadline + 1) <= deadline:
                break
            size += step
        floors[rid] = size
    return floors


def deadline_of(plan: Plan, by: str | None) -> int:
    """The date the crews must make, in slots: `by` as a target id, a duration from the start
    ('100d') or a date; by default the plan's hard date for everything. ValueError (with the
    fix) when there is none."""
    from ..units import ValueProblem, parse_datetime, to_slots

    if by is None:
        dues = [t.due for t in plan.targets.values()
                if t.hard and not t.tasks and not t.gpus and not t.count]
        if not dues:
            raise ValueError("the plan has no hard date for everything; give --by DATE, "
                             "--by DURATION (e.g. 100d) or --by TARGET")
        return min(dues)
    if by in plan.targets:
        return plan.targets[by].due
    try:
        return to_slots(by, plan.slot_minutes)
    except ValueProblem:
        pass
    try:
        moment = parse_datetime(by, plan.timezone)
    except ValueProblem:
        raise ValueError(f"--by {by!r} is not a target of the plan ({', '.join(plan.targets)}),"
                         " a duration such as 100d, or a date such as 2024-08-15") from None
    return int((moment - plan.start).total_seconds() // 60 // plan.slot_minutes)


def sized(plan: Plan, sizes: dict[str, int], ramps: dict | None = None) -> Plan:
    """The plan with the chosen crew sizes as fixed capacities: min until a crew's lead time,
    its size from then, and its second size from its ramp date (`ramps` {crew: (date,
    size)})."""
    resources = {}
    for rid, r in plan.resources.items():
        if rid in sizes:
            r = replace(r, steps=capacity_steps(r, sizes[rid], (ramps or {}).get(rid)),
                        sizing=None)
        resources[rid] = r
    return replace(plan, resources=resources)


def capacity_steps(res, size: int, ramp=None) -> tuple[tuple[int, int], ...]:
    """(from slot, capacity) steps of a sized crew."""
    lo = res.sizing[0] if res.sizing else size
    steps = [(0, lo), (res.size_lead, size)] if res.size_lead else [(0, size)]
    if ramp is not None:
        at, later = ramp
        steps = [st for st in steps if st[0] < at] + [(at, later)]
    out: list[tuple[int, int]] = []
    for at, cap in steps:
        if out and out[-1][0] == at:
            out[-1] = (at, cap)
        elif not out or out[-1][1] != cap:
            out.append((at, cap))
    return tuple(out)


class _CrewVars:
    """One sized crew in the model: its size (min + k * step), its capacity for the
    cumulative, the units it lacks before its lead time and across its ramp date as blocking
    intervals, and what it costs.

    With a ramp the crew has `size` units from its lead time (or the start) to a change date
    the solver picks on a grid (at most about 24 dates up to the deadline), then `later`;
    each unit costs its pay over the part of the window it is there (the running pay table
    at the grid dates: a product of a size and a date, linearised by one copy of each size
    per date)."""

    GRID = 24

    def __init__(self, m, plan: Plan, cals: Calendars, rid: str, deadline: int, price: int):
        res = plan.resources[rid]
        lo, hi = res.sizing
        self.lo, self.hi, self.step = lo, hi, res.size_step
        self.lead = min(res.size_lead, deadline)
        self.size = self._sized_var(m, f"{rid}.size")
        self.later = self._sized_var(m, f"{rid}.later") if res.size_ramp else self.size
        self.cap = self.size if not res.size_ramp else m.new_int_var(lo, hi, f"{rid}.cap")
        self.rid = rid
        self.blocks: list = []
        self.dates: list[int] = []
        self.picks: list = []
        self.copies: list = []  # (size, later) per ramp date: each the size if that date
        if not self.lead and not res.size_ramp:
            self.cost = price * self.size
            return
        # Pay per unit up to each slot (one unit-slot where the crew has no price).
        table = crew_table(replace(plan, resources={**plan.resources, rid: replace(
            res, steps=((0, 1),))}), cals, rid, deadline)
        if not table[deadline]:
            table = list(range(deadline + 1))
        lead = self.lead
        if lead:
            self.blocks.append((m.new_fixed_size_interval_var(0, lead, f"{rid}.lead"),
                                self.cap - lo))
        self.cost = lo * table[lead]
        if not res.size_ramp:
            self.cost += self.size * (table[deadline] - table[lead])
            return
        m.add(self.cap >= self.size)
        m.add(self.cap >= self.later)
        every = max(1, -(-(deadline - lead) // self.GRID))
        self.dates = list(range(lead, deadline + 1, every))
        self.picks = [m.new_bool_var(f"{rid}.ramp@{d}") for d in self.dates]
        m.add_exactly_one(self.picks)
        at = m.new_int_var_from_domain(cp_model.Domain.from_values(self.dates), f"{rid}.ramp")
        m.add(at == sum(d * b for d, b in zip(self.dates, self.picks)))
        self.at = at
        horizon = max(deadline, 1) * 4 + 1
        # Cumulative demands must be one variable each: the units missing either side.
        short = [m.new_int_var(0, hi - lo, f"{rid}.short{i}") for i in (1, 2)]
        m.add(short[0] == self.cap - self.size)
        m.add(short[1] == self.cap - self.later)
        self.blocks.append((m.new_interval_var(lead, at - lead, at, f"{rid}.before"), short[0]))
        self.blocks.append((m.new_interval_var(at, horizon - at, horizon, f"{rid}.after"),
                            short[1]))
        for d, b in zip(self.dates, self.picks):
            first, second = (m.new_int_var(0, hi, f"{rid}.{name}@{d}")
                             for name in ("size", "later"))
            self.copies.append((first, second))
            for var, size in ((first, self.size), (second, self.later)):
                m.add(var == size).only_enforce_if(b)
                m.add(var == 0).only_enforce_if(~b)
            self.cost += first * (table[d] - table[lead]) + second * (table[deadline] - table[d])

    def _sized_var(self, m, name: str):
        """A size: min plus a whole number of hiring steps, up to max."""
        sizes = range(self.lo, self.hi + 1, self.step)
        return m.new_int_var_from_domain(cp_model.Domain.from_values(list(sizes)), name)

    def energy(self, m, plan: Plan, cals: Calendars, deadline: int) -> None:
        """The crew's work must fit in what its units offer by the deadline: sum of units x
        working slots of its tasks (the least any mode needs) <= units on site x working
        slots of the crew's calendar, from the first release on. A linear cut CP-SAT's
        cumulative with a variable capacity does not give its bound (the Colossus bound was
        just the minimum sizes)."""
        rid = self.rid
        res = plan.resources[rid]
        users = [t for t in plan.tasks.values() if any(rid in md.demands for md in t.modes)]
        if not users:
            return
        work = sum(min(md.demands.get(rid, 0) * md.duration for md in t.modes) for t in users)
        # Work happens in the tasks' calendars; the crew's own when all its tasks keep it.
        calendars = {t.calendar for t in users}
        cal = cals.get(res.calendar if calendars == {res.calendar} else None)
        first = min(t.release for t in users)

        def offered(lo: int, hi: int) -> int:
            lo, hi = max(lo, first), max(hi, first)
            return cal.working_in(lo, hi) if hi > lo else 0

        lead = self.lead
        supply = self.lo * offered(0, lead)
        if not self.picks:
            m.add(supply + self.size * offered(lead, deadline) >= work)
            return
        m.add(supply + sum(f * offered(lead, d) + g * offered(d, deadline)
                           for d, (f, g) in zip(self.dates, self.copies)) >= work)

    def hint(self, m, size: int) -> None:
        m.add_hint(self.size, size)
        if self.picks:
            m.add_hint(self.later, size)
            m.add_hint(self.cap, size)
            for i, b in enumerate(self.picks):
                m.add_hint(b, i == 0)

    def ramp(self, solver) -> tuple[int, int] | None:
        """(change date, later size), None without a ramp or when the size stays."""
        if not self.picks:
            return None
        later, at = solver.value(self.later), solver.value(self.at)
        return (at, later) if later != solver.value(self.size) and at < self.dates[-1] \
            else None


def unit_cents(plan: Plan, cals: Calendars, rid: str, deadline: int) -> int:
    """What one unit of a crew costs over the window up to the deadline (1 if unpriced)."""
    one = replace(plan, resources={**plan.resources, rid: replace(
        plan.resources[rid], steps=((0, 1),))})
    cents = crew_table(one, cals, rid, deadline)[deadline]
    return cents or 1


def size_crews(plan: Plan, deadline: int, options: SolveOptions = SolveOptions(),
               best_schedule: bool = True) -> CrewSizes:
    """The cheapest sizes of the ranged crews such that every hard target is met and everything
    finishes by `deadline` (slots); with `best_schedule`, the schedule is then improved for
    the plan's own objective with the sizes fixed."""
    started = time.monotonic()
    original = plan
    # Crew cost is what is weighed here: the plan's own objective (and the options only it
    # prices, such as expediting a delivery) stays out.
    plan = replace(plan, objective=Objective())
    cals = Calendars(plan)
    ranged = {rid: r.sizing for rid, r in plan.resources.items() if r.sizing}
    prices = {rid: unit_cents(plan, cals, rid, deadline) for rid in ranged}
    result = CrewSizes(SolveStatus.UNKNOWN, deadline, unit_cents=prices)
    built = RackplanModel(plan, cals, max(deadline, 1), deadline)
    m = built.model
    crews = {rid: _CrewVars(m, plan, cals, rid, deadline, prices[rid]) for rid in ranged}
    floors = _size_floors(plan, ranged, deadline, cals, started + options.time_limit * 0.15)
    for rid, floor in floors.items():
        m.add(crews[rid].cap >= floor)
    for rid, c in crews.items():
        c.energy(m, plan, cals, deadline)
    built.sizing = {rid: c.cap for rid, c in crews.items()}
    built.sizing_blocks = {rid: c.blocks for rid, c in crews.items()}
    built.build()
    m.add(built.makespan <= deadline)
    m.minimize(sum(c.cost for c in crews.values()))
    # The list seed is most of the answer on big plans (CP-SAT rarely improves on it there)
    # and takes moments on small ones: up to 60% of the time.
    sizes, seed = _smallest_by_list(plan, ranged, deadline, started + options.time_limit * 0.6,
                                    floors)
    if seed is not None:
        built.add_hint(seed)
        for rid, c in crews.items():
            c.hint(m, sizes[rid])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, options.time_limit
                                                - (time.monotonic() - started))
    solver.parameters.num_workers = options.workers
    solver.parameters.random_seed = options.seed
    solver.parameters.catch_sigint_signal = False
    solver.parameters.cp_model_probing_level = 0
    status = solver.solve(m)
    result.wall_time = time.monotonic() - started
    if status == cp_model.INFEASIBLE:
        result.status = SolveStatus.INFEASIBLE
        return result
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return result
    result.sizes = {rid: solver.value(c.size) for rid, c in crews.items()}
    result.ramps = {rid: c.ramp(solver) for rid, c in crews.items() if c.ramp(solver)}
    result.cost = int(solver.objective_value)
    result.bound = int(solver.best_objective_bound)
    result.status = SolveStatus.OPTIMAL if status == cp_model.OPTIMAL else SolveStatus.FEASIBLE
    final = sized(plan, result.sizes, result.ramps)
    tasks = {tid: make_task(final, cals, tid, s, mode)
             for tid, (s, mode) in built.read(solver).items()}
    problems = verify(final, tasks)
    if problems:
        raise VerificationError(problems)
    result.schedule = Schedule(final, SolveStatus.FEASIBLE, tasks,
                               max(st.finish for st in tasks.values()), source="cp-sat",
                               wall_time=result.wall_time, gpu_until=deadline)
    if best_schedule:
        result.schedule = _best_with(sized(original, result.sizes, result.ramps),
                                     result.schedule, options, started) or result.schedule
    result.wall_time = time.monotonic() - started
    return result


def _best_with(plan: Plan, fallback: Schedule, options: SolveOptions, started: float):
    """The sizes fixed, the plan's own objective (the earliest finish, by default) with what
    is left of the time (a quarter of the limit at most): the sizing model only asks for
    *a* schedule by the date, and a PM reading it expects the best one those crews allow.
    None if nothing better was found."""
    from .solve import solve

    left = options.time_limit - (time.monotonic() - started)
    budget = min(left, max(2.0, options.time_limit / 4))
    if budget < 1.0:
        return None
    better = solve(plan, replace(options, time_limit=budget))
    if not better.status.has_schedule or better.makespan > fallback.makespan:
        return None
    return better


def frontier_dates(plan: Plan, deadline: int, points: int) -> list[int]:
    """`points` dates evenly spaced from the earliest the plan could finish with the largest
    crews (its critical path) to `deadline`."""
    from ..heuristic import earliest_finishes

    earliest = max(earliest_finishes(plan, Calendars(plan))[1].values(), default=0)
    earliest = min(earliest, deadline)
    return sorted({round(earliest + (deadline - earliest) * i / max(1, points - 1))
                   for i in range(points)})


def frontier(plan: Plan, deadline: int, points: int, options: SolveOptions, *,
             source=None, cluster: str | None = None) -> list[CrewSizes]:
    """Cost against finish: the cheapest sizes at each of `frontier_dates`, each answer
    verified; the time limit is shared. With `source` (the plan as text) the dates are sized
    in parallel on the executor (local processes, or a Dask cluster), each with its share of
    the time and of the CP-SAT workers; their answers come back without schedules."""
    dates = frontier_dates(plan, deadline, points)
    if source is not None:
        from .. import executor

        pool = len(dates) if cluster else min(len(dates), executor.default_workers())
        rounds = -(-len(dates) // pool)
        jobs = [{"source": source, "deadline": date, "options": replace(
            options, time_limit=max(0.5, options.time_limit / rounds),
            workers=max(1, options.workers // pool))} for date in dates]
        return executor.run(size_point, jobs, workers=pool, cluster=cluster)
    started, out = time.monotonic(), []
    for i, date in enumerate(dates):
        left = options.time_limit - (time.monotonic() - started)
        out.append(size_crews(plan, date, replace(options, time_limit=max(
            0.5, left / (len(dates) - i)))))
    return out


def size_point(job: dict) -> CrewSizes:
    """A work item of the frontier (runs in a worker): one date sized, verified there, and
    returned without its schedule (plain data)."""
    answer = size_crews(job["source"].load(), job["deadline"], job["options"],
                        best_schedule=False)
    answer.schedule = None
    return answer


__all__ = ["CrewSizes", "deadline_of", "frontier", "frontier_dates", "size_crews", "size_point",
           "sized"]
