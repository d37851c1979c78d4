"""The validated plan: frozen data, all times already in integer slots from the project start.

Datetimes exist only at the edges: `Plan.start`, `Plan.slot_minutes` and `Plan.timezone` convert back.
Nothing here knows about the solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import pendulum


class LinkType(str, Enum):
    FS = "FS"  # successor starts after predecessor finishes
    SS = "SS"
    FF = "FF"
    SF = "SF"


@dataclass(frozen=True)
class Link:
    """A dependency `pred -> succ`. Lags are elapsed slots; `max_lag` None means unbounded."""

    pred: str
    type: LinkType = LinkType.FS
    lag: int = 0
    max_lag: int | None = None
    # The lag counted in this calendar's working time ("4 working hours after"); None: elapsed.
    lag_calendar: str | None = None


@dataclass(frozen=True)
class Spread:
    """An uncertain amount of time in slots: `low` <= `likely` <= `high`, triangular or BetaPERT
    ("pert"). Deterministic scheduling uses `likely`; `rackplan risk` samples it."""

    low: float
    likely: float
    high: float
    dist: str = "triangular"


@dataclass(frozen=True)
class Mode:
    """One way to do a task: `duration` slots of work using `demands` {resource: units} while it
    runs and spending `spends` {budget: amount} once if this mode is chosen."""

    duration: int
    demands: dict[str, int] = field(default_factory=dict)
    spends: dict[str, int] = field(default_factory=dict)
    spread: Spread | None = None  # duration = { min, likely, max }: `duration` is the likely


@dataclass(frozen=True)
class Task:
    id: str
    name: str
    modes: tuple[Mode, ...]
    calendar: str | None  # None: runs in elapsed time (through nights and holidays)
    links: tuple[Link, ...] = ()
    release: int = 0  # earliest start slot (deliveries, not_before)
    release_reason: str = ""  # e.g. "delivery 'racks' unit 12"
    gpus: int = 0  # GPUs that come online when this task finishes
    fills: dict[str, int] = field(default_factory=dict)  # storage -> units added at finish
    empties: dict[str, int] = field(default_factory=dict)  # storage -> units removed at start
    source: str = ""  # the plan field that defined it, e.g. "templates.rack.cable"
    unit: str = ""  # hierarchy path of the unit it belongs to, "" for site tasks
    interruptible: bool = True  # False: works in one unbroken span of its calendar
    # A delivery whose expedite would release this task earlier, and that earlier release.
    expedite: str = ""
    early_release: int = 0

    @property
    def is_milestone(self) -> bool:
        return all(m.duration == 0 for m in self.modes)


@dataclass(frozen=True)
class Resource:
    id: str
    calendar: str | None
    steps: tuple[tuple[int, int], ...]  # (from_slot, capacity), sorted, first from 0
    trade: str = ""
    cost_per_hour: float = 0.0  # per unit of capacity, for each working hour on site
    cost_per_day: float = 0.0  # per unit of capacity, for each day it works
    sizing: tuple[int, int] | None = None  # capacity = { min, max }: `rackplan crews` chooses
    # ... in multiples of `size_step` above min, beyond min only from slot `size_lead` on (a
    # hiring lead time), and with `size_ramp` a second size from a date the solver picks.
    size_step: int = 1
    size_lead: int = 0
    size_ramp: bool = False

    @property
    def max_capacity(self) -> int:
        return max(c for _, c in self.steps)

    def capacity_at(self, slot: int) -> int:
        cap = self.steps[0][1]
        for start, c in self.steps:
            if start > slot:
                break
            cap = c
        return cap

    def profile(self, horizon: int) -> list[tuple[int, int, int]]:
        """Capacity as [from_slot, to_slot, capacity] steps up to `horizon`."""
        out = []
        for i, (start, cap) in enumerate(self.steps):
            end = self.steps[i + 1][0] if i + 1 < len(self.steps) else max(horizon, start)
            out.append((start, end, cap))
        return out


@dataclass(frozen=True)
class Budget:
    """A non-renewable resource: the modes chosen may spend at most `total` over the project
    (overtime hours, crane-rental days, an expediting fund; PSPLIB's non-renewable resources)."""

    id: str
    total: int
    unit: str = ""
    cost_per_unit: float = 0.0  # money per unit spent (an overtime hour, a crane day)


@dataclass(frozen=True)
class Storage:
    id: str
    capacity: int  # from the start
    initial: int = 0
    arrivals: tuple[tuple[int, int], ...] = ()  # (slot, units) delivered straight into storage
    changes: tuple[tuple[int, int], ...] = ()  # (from_slot, capacity), sorted: a second tent

    @property
    def steps(self) -> tuple[tuple[int, int], ...]:
        """Capacity as (from_slot, capacity) steps, the first from 0."""
        return ((0, self.capacity),) + tuple(c for c in self.changes if c[0] > 0)

    @property
    def max_capacity(self) -> int:
        return max(c for _, c in self.steps)

    def capacity_at(self, slot: int) -> int:
        cap = self.capacity
        for start, c in self.steps:
            if start > slot:
                break
            cap = c
        return cap


@dataclass(frozen=True)
class Target:
    """A finish target (all tasks or some) or a GPU target (`gpus` online) due at slot `due`."""

    id: str
    due: int
    hard: bool
    tasks: tuple[str, ...] = ()  # finish target: these tasks finish by `due` (empty: all tasks)
    gpus: int = 0  # GPU target: this many GPUs online by `due`
    penalty: int = 1  # objective weight per slot late (soft targets)
    label: str = ""
    count: int = 0  # finish target: reached when this many of `tasks` finish (0: all of them)
    within: str = ""  # GPU target: the unit whose GPUs count (its tasks are in `tasks`)

    @property
    def kind(self) -> str:
        return "gpus" if self.gpus else "finish"


@dataclass(frozen=True)
class CalendarSpec:
    """Working time: weekdays (0=Mon) x shifts (minute ranges, may pass midnight), minus holidays."""

    id: str
    weekdays: frozenset[int]
    shifts: tuple[tuple[int, int], ...]  # (start_minute, end_minute); end may exceed 1440
    holidays: frozenset[str]  # ISO dates, local
    off: tuple[tuple[int, int], ...] = ()  # extra non-working slot ranges [from, to)
    # Weekdays with shifts of their own (a half Saturday): (weekday, shifts), sorted.
    day_shifts: tuple[tuple[int, tuple[tuple[int, int], ...]], ...] = ()

    def shifts_on(self, weekday: int) -> tuple[tuple[int, int], ...]:
        """The shifts that start on a weekday (0=Mon): its own, else the common ones if it is
        a working day, else none."""
        for day, shifts in self.day_shifts:
            if day == weekday:
                return shifts
        return self.shifts if weekday in self.weekdays else ()


@dataclass(frozen=True)
class Objective:
    kind: str = "finish"  # "finish" | "gpu-hours" | "cost"
    until: int | None = None  # gpu-hours counted up to this slot


@dataclass(frozen=True)
class DeliveryRisk:
    """A delivery's delay (with probability `p`, each batch, or the whole delivery when
    `whole`) and its chance of a short batch: the batch's last `short_units` units come
    `short_late` slots later."""

    p: float = 0.0
    delay: Spread | None = None
    whole: bool = False
    short_p: float = 0.0
    short_units: int = 0
    short_late: int = 0


@dataclass(frozen=True)
class Risk:
    """An entry of the risk register: with `probability`, either extra work on `tasks`
    (`extra` slots, or `extra_share` of each duration; `each`: every task draws on its own)
    or `tasks` held `late` slots past their release (a utility date missed), or `resource`
    losing `loss` units (0: all) for `lasting` slots, striking within `window`."""

    id: str
    probability: float
    tasks: tuple[str, ...] = ()
    extra: int = 0
    extra_share: float = 0.0
    late: int = 0
    each: bool = False
    resource: str = ""
    loss: int = 0
    lasting: int = 0
    window: tuple[int, int] | None = None  # [from, to) slots


@dataclass(frozen=True)
class Group:
    """Tasks and deliveries whose draws move together (one vendor, one trade): each draw is
    a mix of the group's common factor and its own, with this correlation."""

    id: str
    correlation: float
    tasks: frozenset[str] = frozenset()
    deliveries: frozenset[str] = frozenset()


@dataclass
class Uncertainty:
    """Everything a risk study samples, beside each mode's own `spread`."""

    default: tuple[float, float] | None = None  # (-0.1, 0.3): -10%..+30% of every duration
    dist: str = "triangular"
    trades: dict[str, tuple[float, float]] = field(default_factory=dict)
    deliveries: dict[str, DeliveryRisk] = field(default_factory=dict)
    risks: dict[str, Risk] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    # task -> [(arrival slot, delivery, unit's place from the end of its batch: 1 = last)]
    arrivals: dict[str, tuple[tuple[int, str, int], ...]] = field(default_factory=dict)
    not_before: dict[str, int] = field(default_factory=dict)
    # storage -> [(arrival slot, units, delivery)] delivered straight into it
    stored: dict[str, tuple[tuple[int, int, str], ...]] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return bool(self.default or self.trades or self.deliveries or self.risks)


@dataclass
class Plan:
    name: str
    file: str
    start: pendulum.DateTime
    timezone: str
    slot_minutes: int
    calendars: dict[str, CalendarSpec]
    resources: dict[str, Resource]
    storages: dict[str, Storage]
    tasks: dict[str, Task]  # in plan order (hierarchy order)
    targets: dict[str, Target]
    objective: Objective = field(default_factory=Objective)
    levels: tuple[str, ...] = ()
    budgets: dict[str, Budget] = field(default_factory=dict)
    fixed_costs: dict[str, float] = field(default_factory=dict)  # delivery -> its cost
    # delivery -> (slots earlier, cost): paid once, every unit arrives that much sooner; only
    # the cost objective weighs it (other objectives keep the delivery dates).
    expedites: dict[str, tuple[int, float]] = field(default_factory=dict)
    # What `rackplan risk` samples (scheduler/uncertainty.py); None when the plan says nothing.
    uncertainty: Uncertainty | None = None

    def release_of(self, tid: str, expedited=frozenset()) -> int:
        """A task's release, earlier if its delivery is expedited."""
        task = self.tasks[tid]
        return task.early_release if task.expedite and task.expedite in expedited \
            else task.release

    def slot_to_datetime(self, slot: int) -> pendulum.DateTime:
        return self.start.add(minutes=slot * self.slot_minutes)

    @property
    def values_gpus_online(self) -> bool:
        """Whether when GPUs come online matters, not only the finish: a gpu-hours objective or
        a soft GPU target."""
        return self.objective.kind == "gpu-hours" or any(
            t.gpus and not t.hard for t in self.targets.values())

    def successors(self) -> dict[str, list[tuple[str, Link]]]:
        out: dict[str, list[tuple[str, Link]]] = {tid: [] for tid in self.tasks}
        for task in self.tasks.values():
            for link in task.links:
                out[link.pred].append((task.id, link))
        return out


def delivery_of(task) -> str:
    """The delivery whose unit releases a task ('' if none does)."""
    key = release_statement(task) if task.release_reason else ""
    return key.removeprefix("deliveries.") if key.startswith("deliveries.") else ""


def release_statement(task) -> str:
    """The plan statement behind a task's release: its delivery, or its own not_before."""
    if task.release_reason == "not_before":
        return f"{task.source}.not_before"
    return task.release_reason.split(" unit ")[0]
