"""A local search over the order in which arrays come online, for objectives that value GPUs
online (gpu-hours, soft GPU targets).

The list scheduler's "online" rule ranks each GPU task by its earliest finish and every other
task by the best rank of the GPU tasks it leads to, so it builds the arrays one after another.
Which array goes first, and where work shared by many arrays (a hall's energising, its cooling
loop) falls between them, is a trade-off the rule cannot see: on a varied plan where one
electrician energises three halls and powers their racks, energising the second hall while the
first hall's racks wait for their cooling loop brought 8% more GPU-hours than any rule's
schedule, and more than CP-SAT found in 60 s. Here the ranks are searched: swap two GPU tasks,
move one, or give a shared task a rank of its own; each candidate is one pass of the list
scheduler, kept if no worse (ties let the search drift along plateaus); after a run of
candidates without a gain the search kicks off again from the best ranks.
"""

from __future__ import annotations

import random
import time

from .calendar import Calendars
from .heuristic import ListScheduler
from .plan import Plan
from .schedule import ScheduledTask, objective_value

MAX_PASSES = 3000  # list-scheduler passes per run of the search
STALE = 150  # passes without a gain before a kick from the best ranks
CONVERGED = 600  # passes without a new best: stop, or begin again
RUNS = 4  # runs of the search at most (a plan it cannot improve does not spend its time)


def rank_search(plan: Plan, cals: Calendars, seed: dict[str, ScheduledTask], until: int,
                deadline: float, rng_seed: int = 0) -> dict[str, ScheduledTask]:
    """The best schedule found by ranking the plan's GPU tasks (starting from the order in
    which `seed` brings them online) and the tasks they share, or `seed` if none beats it.
    Schedules come from the list scheduler (crews, calendars, storage and lags kept) and are
    not verified here. A pass begins only while the time the first one took is left. A
    search that stops finding better ranks begins again from the seed's order with other
    random moves while time is left: on a varied plan whose one pipefitter lays three 90 h
    loops, the first run settled 7% below the GPU-hours of the second and third."""
    gpu = sorted((t for t in plan.tasks if plan.tasks[t].gpus),
                 key=lambda t: (seed[t].finish, seed[t].start))
    if not gpu:
        return seed
    search = _Search(plan, cals, gpu, until, rng_seed)
    best, best_value = seed, objective_value(plan, seed, until)
    began = time.monotonic()
    first_value, tasks = search.evaluate(gpu, {}, deadline)
    took = time.monotonic() - began
    if tasks is not None and first_value < best_value:
        best, best_value = tasks, first_value
    for run in range(1, RUNS + 1):
        tasks, value = _descend(search, (gpu, {}), first_value, deadline, took)
        if tasks is not None and value < best_value:
            best, best_value = tasks, value
        if time.monotonic() + took > deadline:
            break
        search.rng = random.Random(rng_seed * RUNS + run)
    return best


def _descend(search: _Search, start: tuple, start_value, deadline: float, took: float):
    """(schedule, objective) of the best ranks one run of the search finds from `start` (its
    objective `start_value`), until the deadline or CONVERGED passes without a new best;
    (None, None) if it finds nothing better than the start."""
    best, best_value = None, start_value
    current, current_value = start, start_value
    best_ranks, stale, since_best = current, 0, 0
    for _ in range(MAX_PASSES):
        if time.monotonic() + took > deadline or since_best >= CONVERGED:
            break
        stale, since_best = stale + 1, since_best + 1
        if stale > STALE:  # a kick: a few moves away from the best
            order, shared = list(best_ranks[0]), dict(best_ranks[1])
            for _ in range(search.rng.randint(2, 5)):
                search.move(order, shared)
            stale = 0
        else:
            order, shared = list(current[0]), dict(current[1])
            search.move(order, shared)
        value, tasks = search.evaluate(order, shared, deadline)
        if tasks is None or current_value is not None and value > current_value:
            continue
        current, current_value = (order, shared), value
        if best_value is None or value < best_value:
            best, best_value, best_ranks, stale, since_best = tasks, value, current, 0, 0
    return best, best_value


class _Search:
    def __init__(self, plan: Plan, cals: Calendars, gpu: list[str], until: int, rng_seed: int):
        self.plan, self.until = plan, until
        self.scheduler = ListScheduler(plan, cals)
        self.rng = random.Random(rng_seed)
        first = self.ranks(gpu, {})
        succ = self.scheduler.succ
        # Tasks that lead to GPU tasks of different ranks: where they fall is a choice.
        self.shared = [t for t in self.scheduler.order if not plan.tasks[t].gpus
                       and len({first[s] for s, _ in succ[t]}) > 1]

    def ranks(self, order: list[str], shared: dict[str, int]) -> dict[str, int]:
        """GPU tasks ranked by their place in `order`; a shared task by its own rank if it has
        one; every other task by the best rank of the tasks after it."""
        rank = {t: i for i, t in enumerate(order)}
        succ, last = self.scheduler.succ, len(order)
        for tid in reversed(self.scheduler.order):
            if tid not in rank:
                rank[tid] = shared[tid] if tid in shared else min(
                    (rank[s] for s, _ in succ[tid]), default=last)
        return rank

    def move(self, order: list[str], shared: dict[str, int]) -> None:
        """One random move, in place: swap two GPU tasks, move one, or rank a shared task."""
        rng, n = self.rng, len(order)
        if self.shared and (n < 2 or rng.random() < 0.5):
            shared[rng.choice(self.shared)] = rng.randrange(n + 1)
        elif n >= 2:
            i, j = rng.randrange(n), rng.randrange(n)
            if rng.random() < 0.5:
                order[i], order[j] = order[j], order[i]
            else:
                order.insert(j, order.pop(i))

    def evaluate(self, order, shared, deadline):
        """(objective, schedule) of the list schedule with these ranks; (None, None) if the
        pass found none."""
        tasks = self.scheduler.run("ranked", deadline, ranks=self.ranks(order, shared))
        if tasks is None:
            return None, None
        return objective_value(self.plan, tasks, self.until), tasks
