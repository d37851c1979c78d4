"""Solve a plan: list-scheduling heuristic, then CP-SAT seeded with it; verify what comes out.

The solver runs in a worker thread so the caller's thread stays free to report progress and to
turn Ctrl-C into `stop_search()` (CP-SAT holds the interpreter otherwise). Infeasible or timed out
is a status on the returned Schedule, never an exception.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from ..bounds import bounds
from ..calendar import Calendars
from ..crew_order import crew_order_search
from ..crew_walk import walk_floor
from ..errors import VerificationError
from ..heuristic import left_justify, rule_schedules
from ..joint_bound import joint_floor, split_floor
from ..justify import forward_backward
from ..modes import unrunnable
from ..paid_modes import spend_on_chain
from ..plan import Plan
from ..rank_search import rank_search
from ..schedule import Schedule, SolveStatus, gpu_until, make_task, objective_value
from ..target_cost import reach_floor
from ..verify import verify
from .model import RackplanModel

Progress = Callable[[float, "int | None", "int | None"], None]


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    use_heuristic: bool = True
    log: bool = False
    first_solution: bool = False  # any schedule will do (rackplan check): stop at the first
    params: tuple[tuple[str, object], ...] = ()  # extra CP-SAT parameters (benchmark tuning)
    gap_limit: float = 0.0  # stop once within this fraction of the proven bound (0.01 = 1%)


class _Watch(cp_model.CpSolverSolutionCallback):
    def __init__(self, started: float):
        super().__init__()
        self.started = started
        self.best: int | None = None
        self.bound: int | None = None
        self.first: float | None = None
        self.interrupted = False
        self.replay_deadline: float | None = None
        self.exact = True  # CP-SAT's bound is a bound of the plan (not of a shortened horizon)

    def on_solution_callback(self) -> None:
        self.best = int(self.objective_value)
        self.new_bound(self.best_objective_bound)
        if self.first is None:
            self.first = time.monotonic() - self.started

    def new_bound(self, value: float) -> None:
        if self.exact:
            self.bound = _higher(self.bound, int(value))


@dataclass
class _Best:
    """The best verified schedule known so far, kept as the solve goes, so that Ctrl-C at any
    moment (not only during CP-SAT's search) still returns it."""

    started: float
    tasks: dict | None = None
    found: dict | None = None  # CP-SAT's answer, not yet verified
    expedited: frozenset[str] = frozenset()  # the deliveries CP-SAT's answer expedites
    until: int | None = None
    lower: int | None = None
    floor: int | None = None

    def result(self, plan: Plan) -> Schedule:
        candidates = [(t, e) for t, e in ((self.found, self.expedited),
                                          (self.tasks, frozenset())) if t is not None]
        until = self.until if self.until is not None else gpu_until(plan, 0)
        for tasks, rush in sorted(candidates,
                                  key=lambda c: objective_value(plan, c[0], until, c[1])):
            if tasks is self.tasks or not verify(plan, tasks, rush):
                return Schedule(plan, SolveStatus.FEASIBLE, tasks,
                                objective_value(plan, tasks, until, rush), self.floor,
                                self.lower, "cp-sat" if tasks is self.found else "heuristic",
                                time.monotonic() - self.started, gpu_until=until,
                                interrupted=True, expedited=rush)
        return Schedule(plan, SolveStatus.UNKNOWN, bound=self.floor, makespan_bound=self.lower,
                        wall_time=time.monotonic() - self.started, gpu_until=self.until,
                        interrupted=True)


def solve(plan: Plan, options: SolveOptions = SolveOptions(),
          progress: Progress | None = None) -> Schedule:
    """The best verified schedule found within the options' limits. Ctrl-C (KeyboardInterrupt)
    stops it and returns the best verified schedule found so far, marked interrupted."""
    best = _Best(time.monotonic())
    try:
        return _solve(plan, options, progress, best)
    except KeyboardInterrupt:
        return best.result(plan)


def _solve(plan: Plan, options: SolveOptions, progress: Progress | None, best: _Best
           ) -> Schedule:
    started = best.started
    # The time limit is the whole call's: the list schedule gets half, CP-SAT what is left
    # less a reserve for justifying and verifying its answer.
    deadline = started + options.time_limit
    reserve = 0.05 * options.time_limit
    cals = Calendars(plan)
    if unrunnable(plan, cals):
        # A task whose every mode needs more crew than is ever left for it: no schedule.
        return Schedule(plan, SolveStatus.INFEASIBLE, source="bounds",
                        wall_time=time.monotonic() - started)
    seed_tasks = hint = listed_at = None
    listed: list = []
    improving = 0.0  # what improving the best list schedule took
    budget = options.time_limit / 2  # for the list schedules and their improvement
    if options.use_heuristic:
        try:
            listed = rule_schedules(plan, cals, time_budget=budget)
        except KeyboardInterrupt as exc:
            partial = getattr(exc, "schedule", None)
            if partial is not None and not verify(plan, partial):
                best.tasks = partial
            raise
        seed_tasks = hint = listed[0][2] if listed else None
        if seed_tasks is not None and not verify(plan, seed_tasks):
            best.tasks = hint
            listed_at = time.monotonic() - started  # the first verified schedule
            seed_tasks = _improved(plan, cals, seed_tasks, started + budget,
                                   options.time_limit / 10)
            improving = time.monotonic() - started - listed_at
    seed_ok = seed_tasks is not None and not verify(plan, seed_tasks)
    if seed_ok:
        best.tasks = seed_tasks
    bounding = time.monotonic()
    bound_horizon = max(st.finish for st in seed_tasks.values()) if seed_ok and seed_tasks \
        else None
    proven = bounds(_soonest(plan), cals, bound_horizon)
    bounding = time.monotonic() - bounding  # a pass of the bounds, for the joint bound's budget
    lower = proven.finish
    seed_time = time.monotonic() - started
    first_time = seed_time if listed_at is None else listed_at
    # CP-SAT gets the list schedule before forward-backward improvement, as horizon and hint:
    # with the improved one it ended worse on PSPLIB (MRCPSP J30's 27 hardest at 10 s: 9 at
    # best known against 13; a J120 sample at 10 s: 3.19% above best known against 2.45%).
    # No second verification: the verified seed is no longer than the list schedule, so the
    # list schedule's finish is a safe horizon whenever the seed checked out.
    horizon, exact = _horizon(plan, cals, hint, seed_ok, lower)
    until = gpu_until(plan, horizon)
    if horizon < lower:
        # A hard date for everything before the proven earliest finish: nothing to search.
        return Schedule(plan, SolveStatus.INFEASIBLE, makespan_bound=lower, source="bounds",
                        wall_time=time.monotonic() - started, gpu_until=until)
    floor = proven.objective(plan, until)  # no schedule scores lower
    best.until, best.lower, best.floor = until, lower, floor
    if seed_ok and options.first_solution:
        value = objective_value(plan, seed_tasks, until)
        return Schedule(plan, SolveStatus.FEASIBLE, seed_tasks, value, floor, lower,
                        "heuristic", seed_time, first_time, until)
    if seed_ok and len(listed) > 1 and objective_value(plan, seed_tasks, until) > floor:
        seed_tasks = best.tasks = _other_rules(plan, cals, listed, seed_tasks, until,
                                               started + budget, options.time_limit / 20,
                                               improving)
    ranking = min(started + budget, time.monotonic() + options.time_limit / 5)
    if seed_ok and plan.values_gpus_online and objective_value(plan, seed_tasks, until) > floor \
            and time.monotonic() + first_time / max(1, len(listed)) < ranking:
        # Which array goes first, and where the work they share falls: a fifth of the time,
        # if a list-scheduler pass fits in it (as long as one rule's took).
        seed_tasks = best.tasks = _searched(
            plan, cals, seed_tasks, until, ranking,
            lambda tasks, by: rank_search(plan, cals, tasks, until, by, options.seed))
    ordering = min(started + budget, time.monotonic() + options.time_limit / 10)
    if seed_ok and plan.objective.kind != "gpu-hours" \
            and not _close(objective_value(plan, seed_tasks, until), floor, options) \
            and time.monotonic() + first_time / max(1, len(listed)) < ordering:
        # Which task takes a crew first, where the chains wait for one: a tenth of the time
        # (not where the gap limit is already met: the user asked for no more). Not for
        # gpu-hours, where the rank search orders the arrays: on two such varied plans it
        # found nothing in its tenth, and one CP-SAT had proven at 47 s went unproven.
        seed_tasks = best.tasks = _searched(
            plan, cals, seed_tasks, until, ordering,
            lambda tasks, by: crew_order_search(plan, cals, tasks, until, by))
    if seed_ok and (value := objective_value(plan, seed_tasks, until)) > floor:
        # What the finish costs the soft targets: an eighth of the time at most (the latest
        # ends of the halls' loops take walks), and a pass of the bounds begins only while
        # one more fits before the reserve.
        floor = best.floor = joint_floor(plan, cals, proven, floor, value, min(
            time.monotonic() + options.time_limit / 8, deadline - reserve - bounding))
        # What the target costs the finish: another eighth at most.
        floor = best.floor = reach_floor(plan, cals, proven, floor, value, bound_horizon, min(
            time.monotonic() + options.time_limit / 8, deadline - reserve - bounding))
        if plan.values_gpus_online and value > floor:
            # When the halls' cooling loops and energising finish: another tenth at most, a
            # fifth for GPU-hours, where the joint bound took nothing (its passes are what
            # the time buys: seed 142's floor, -2,995,074 in 6 s, is -2,980,352 in 12).
            share = options.time_limit / (5 if plan.objective.kind == "gpu-hours" else 10)
            floor = best.floor = split_floor(
                _soonest(plan), cals, proven, floor, value, until, bound_horizon,
                min(time.monotonic() + share, deadline - reserve) - bounding)
            # One crew's loops and racks followed together: a tenth more at most.
            floor = best.floor = walk_floor(
                plan, cals, proven, floor, value, until,
                min(time.monotonic() + options.time_limit / 10, deadline - reserve))
    if seed_ok:
        value = objective_value(plan, seed_tasks, until)
        if _close(value, floor, options):
            # The heuristic meets the proven bound (or is close enough): nothing to search.
            return Schedule(plan, SolveStatus.OPTIMAL if value <= floor else SolveStatus.FEASIBLE,
                            seed_tasks, value, min(value, floor), lower, "heuristic",
                            time.monotonic() - started, first_time, until)
    if time.monotonic() > deadline - reserve:
        # No time left to build and search a model: the list schedule is the answer.
        return _without_search(plan, seed_tasks, seed_ok, floor, lower, first_time, until,
                               started)
    built = RackplanModel(plan, cals, horizon, until).build()
    # Proven bounds as constraints: CP-SAT prunes with them and stops once it meets them.
    if plan.objective.kind == "finish":
        built.model.add(built.makespan >= lower)
    built.model.add(built.objective >= floor)
    if hint is not None:
        # Where GPUs online count, the searched seed: two varied plans ended 0.3% and 0.8%
        # better with it than with the plain list schedule (see the PSPLIB note above).
        built.add_hint(seed_tasks if seed_ok and plan.values_gpus_online else hint)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.05, deadline - reserve - time.monotonic())
    params.num_workers = options.workers
    params.random_seed = options.seed
    params.log_search_progress = options.log
    params.stop_after_first_solution = options.first_solution
    params.relative_gap_limit = options.gap_limit
    for name, value in options.params:
        if isinstance(value, (list, tuple)):  # a repeated field, e.g. subsolvers
            getattr(params, name).extend(value)
        else:
            setattr(params, name, value)
    # Ctrl-C is ours: the caller's thread turns it into stop_search(). CP-SAT's own SIGINT
    # handler raced with Python's and crashed the process (std::bad_function_call).
    params.catch_sigint_signal = False
    # Expanding a reservoir creates a Boolean per pair of events: quadratic, fatal at scale.
    params.expand_reservoir_constraints = False
    # Probing in presolve spent ~25 s of wall time on a 15k-task plan for little gain.
    params.cp_model_probing_level = 0
    watch = _Watch(started)
    # Past a shortened horizon CP-SAT's bound holds only for schedules that end by it: the
    # floor from scheduler/bounds.py is the only proven bound then.
    watch.exact = exact
    if seed_ok:
        # Report the heuristic's verified schedule at once; CP-SAT only improves on it.
        watch.best = objective_value(plan, seed_tasks, until)
        watch.bound = floor
        if progress:
            progress(time.monotonic() - started, watch.best, watch.bound)
    status = _run(solver, built.model, watch, started, progress)
    watch.replay_deadline = deadline
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        best.found = {tid: make_task(plan, cals, tid, s, m)
                      for tid, (s, m) in built.read(solver).items()}
        best.expedited = built.expedited(solver)
    result = _result(plan, cals, built, solver, status, watch, seed_tasks, seed_ok, first_time,
                     until, lower, floor, best.found, best.expedited)
    result.wall_time = time.monotonic() - started
    result.interrupted = watch.interrupted
    if result.status.has_schedule:
        problems = verify(plan, result.tasks, result.expedited)
        if problems:
            raise VerificationError(problems)
    return result


def _improved(plan, cals, tasks: dict, deadline: float, spend_time: float) -> dict:
    """A list schedule after forward-backward improvement, then with paid modes moved onto
    its chains (for `spend_time` at most: CP-SAT may move the budget as well)."""
    better = forward_backward(plan, tasks, cals, deadline)
    return spend_on_chain(plan, better, cals, min(deadline, time.monotonic() + spend_time))


def _other_rules(plan, cals, listed, seed: dict, until: int, deadline: float,
                 spend_time: float, took: float) -> dict:
    """The seed, or a better verified schedule from improving the other rules' list schedules
    too, when the seed has not met the proven bound: a schedule that tied or lost before can
    win after (a varied plan's "online" schedule tied the best at 1,723, then reached the
    proven bound of 1,435 once its overtime moved to the last array; the best one's could
    not). Each is begun only if the time improving the seed `took` is left before `deadline`
    (a plan of 100k tasks would spend the budget on it)."""
    best, best_value = seed, objective_value(plan, seed, until)
    seen = {hash(tuple((st.start, st.mode) for st in listed[0][2].values()))}
    for _, _, tasks in listed[1:]:
        key = hash(tuple((st.start, st.mode) for st in tasks.values()))
        if key in seen or time.monotonic() + took > deadline or verify(plan, tasks):
            continue
        seen.add(key)
        better = _improved(plan, cals, tasks, deadline, spend_time)
        value = objective_value(plan, better, until)
        if value < best_value and not verify(plan, better):
            best, best_value = better, value
    return best


def _close(value: int, floor: int, options: SolveOptions) -> bool:
    """Whether a schedule scoring `value` meets the floor or is within the gap limit of it."""
    return value <= floor or value - floor <= options.gap_limit * abs(value)


def _searched(plan, cals, seed: dict, until: int, deadline: float, search) -> dict:
    """The seed, or a better verified schedule from a search `search(seed, deadline)` over
    the orders the list scheduler takes (scheduler/rank_search.py, crew_order.py), improved
    as the seed was."""
    found = search(seed, deadline)
    if found is seed:
        return seed
    found = _improved(plan, cals, found, deadline, deadline - time.monotonic())
    if objective_value(plan, found, until) < objective_value(plan, seed, until) and not verify(
            plan, found):
        return found
    return seed


def _soonest(plan: Plan) -> Plan:
    """The plan with every delivery the cost objective may expedite arriving as soon as paid
    for: the bounds hold for it, so they hold whatever is expedited."""
    if plan.objective.kind != "cost" or not plan.expedites:
        return plan
    tasks = {tid: replace(t, release=t.early_release) if t.expedite else t
             for tid, t in plan.tasks.items()}
    return replace(plan, tasks=tasks)


def _without_search(plan, seed, seed_ok, floor, lower, seed_time, until, started) -> Schedule:
    """The answer when the time limit leaves no time for CP-SAT: the verified list schedule,
    or no schedule found in time."""
    if seed_ok:
        value = objective_value(plan, seed, until)
        return Schedule(plan, SolveStatus.FEASIBLE, seed, value, floor, lower, "heuristic",
                        time.monotonic() - started, seed_time, until)
    return Schedule(plan, SolveStatus.UNKNOWN, bound=floor, makespan_bound=lower,
                    wall_time=time.monotonic() - started, gpu_until=until)


def _higher(bound: int | None, new: int) -> int:
    """The better of two lower bounds (objectives may be negative: never `bound or 0`)."""
    return new if bound is None else max(bound, new)


def _justified(plan, cals, found, until, deadline):
    """CP-SAT places tasks off the critical chain anywhere their slack allows; replaying its
    order as early as possible gives the schedule a planner expects (and sometimes a better
    one); forward-backward improvement follows where it applies (on the J60 instances
    checked it never shortened CP-SAT's schedule: a safeguard). Each step is kept only if
    verified and no worse by the objective."""
    moved = left_justify(plan, found, cals, deadline)
    if moved is None or verify(plan, moved):
        moved = found
    elif objective_value(plan, moved, until) > objective_value(plan, found, until):
        moved = found
    better = forward_backward(plan, moved, cals, deadline)
    if better is not moved and verify(plan, better):
        return moved
    return better


def _horizon(plan, cals, seed, seed_ok, lower) -> tuple[int, bool]:
    """(horizon, exact): a finish no optimal schedule exceeds, the heuristic's objective when it
    is feasible (exact), or half as long again as the heuristic's finish where that objective
    is far longer (not exact).

    Soft targets make the objective the finish plus penalty x lateness, so with a penalty of
    1,000 the exact horizon is a thousand times the schedule: the model's start domains grow
    with it (a 1,500-task plan took minutes and 9 GB to build). A shorter horizon keeps the
    search to schedules that end by it; the proven bound then comes from bounds.py only."""
    if seed is not None and seed_ok and plan.objective.kind == "finish":
        until = gpu_until(plan, lower)
        exact = max(objective_value(plan, seed, until), lower, 1)
        finish = max(st.finish for st in seed.values())
        short = max(finish + finish // 2, finish + 1440 // plan.slot_minutes, lower, 1)
        return (exact, True) if exact <= short else (short, False)
    return _loose_horizon(plan, cals, seed, lower), True


def _loose_horizon(plan, cals, seed, lower) -> int:
    """A finish every schedule worth having ends by, without a feasible list schedule."""
    total = max((t.release for t in plan.tasks.values()), default=0)
    for task in plan.tasks.values():
        cal = cals.get(task.calendar)
        longest = max(m.duration for m in task.modes)
        total += cal.finish(cal.next_working(0), longest) + 1 if longest else 0
        total += sum(link.lag for link in task.links)
    if seed is not None:
        total = min(total, 3 * max(st.finish for st in seed.values()))
    dues = [t.due for t in plan.targets.values()]
    horizon = max(total, lower, max(dues, default=0), 1)
    # A hard "everything by" date ends every feasible schedule: a shorter horizon is a smaller
    # model (the 1M-GPU gpu-hours plan: 122 days instead of three times the list schedule's).
    every = [t.due for t in plan.targets.values()
             if t.hard and not t.tasks and not t.gpus and not t.count]
    return min([horizon] + [max(due, 1) for due in every])


def _run(solver, model, watch, started, progress) -> int:
    """Solve in a thread; report progress each second; Ctrl-C stops the search, keeps the best."""
    box: dict = {"interrupted": False}

    def work():
        try:
            solver.best_bound_callback = watch.new_bound
        except AttributeError:  # older OR-Tools: bound comes with solutions only
            pass
        box["status"] = solver.solve(model, watch)

    thread = threading.Thread(target=work, daemon=True)
    last, begun = 0.0, False
    while True:
        # Ctrl-C may land anywhere in here, the thread's start included: every step is inside
        # the handler, and once pressed the search is told to stop on every turn (a stop
        # asked before the solver began would otherwise be lost).
        try:
            if not begun:
                begun = True
                _start(thread)
            if box["interrupted"]:
                solver.stop_search()
            if not thread.is_alive():
                break
            thread.join(0.1)
            elapsed = time.monotonic() - started
            if progress and elapsed >= 1.0 and elapsed - last >= 1.0:
                last = elapsed
                progress(elapsed, watch.best, watch.bound)
        except KeyboardInterrupt:
            box["interrupted"] = True
            solver.stop_search()
    watch.interrupted = box["interrupted"]
    return box.get("status", cp_model.UNKNOWN)


def _start(thread: threading.Thread) -> None:
    """Start a thread with Ctrl-C held back meanwhile: a KeyboardInterrupt raised inside
    threading's own lock handling breaks the lock ("release unlocked lock"); held back, the
    press arrives a moment later, once the thread runs."""
    block = getattr(signal, "pthread_sigmask", None)
    if block is None or threading.current_thread() is not threading.main_thread():
        thread.start()
        return
    old = block(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        thread.start()
    finally:
        block(signal.SIG_SETMASK, old)


def _result(plan, cals, built, solver, status, watch, seed, seed_ok, seed_time, until,
            lower, floor, found, rush=frozenset()) -> Schedule:
    if status == cp_model.MODEL_INVALID:
        raise VerificationError([f"CP-SAT rejected the model: {built.model.validate()}"])
    bound = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN):
        bound = int(solver.best_objective_bound) if status != cp_model.UNKNOWN else watch.bound
    if not watch.exact:
        # Proofs within a shortened horizon say nothing of schedules that end after it.
        bound = None
        status = cp_model.FEASIBLE if status == cp_model.OPTIMAL else status
        status = cp_model.UNKNOWN if status == cp_model.INFEASIBLE else status
    bound = _higher(bound, floor)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if not rush:  # the replay knows only the delivery dates as planned
            found = _justified(plan, cals, found, until, watch.replay_deadline)
        value = objective_value(plan, found, until, rush)
        if seed_ok and objective_value(plan, seed, until) < value:
            found, value, rush = seed, objective_value(plan, seed, until), frozenset()
        optimal = status == cp_model.OPTIMAL or (bound is not None and value <= bound)
        return Schedule(plan, SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE, found,
                        value, value if optimal else bound, lower, "cp-sat", 0.0,
                        min(seed_time if seed_ok else 1e9, watch.first or 1e9), until,
                        expedited=rush)
    if status == cp_model.INFEASIBLE:
        return Schedule(plan, SolveStatus.INFEASIBLE, makespan_bound=lower, source="cp-sat",
                        gpu_until=until)
    if seed_ok:
        value = objective_value(plan, seed, until)
        return Schedule(plan, SolveStatus.FEASIBLE, seed, value, bound, lower, "heuristic", 0.0,
                        seed_time, until)
    return Schedule(plan, SolveStatus.UNKNOWN, bound=bound, makespan_bound=lower,
                    gpu_until=until)
