"""Plan file (TOML) -> validated `Plan`, templates expanded over the site hierarchy.

Every problem is collected with its field path, so one run reports all of them. The cross-cutting
checks (references, cycles, capacities) live in `validate.py`.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import pendulum

from . import uncertainty, units
from .errors import PlanInvalid, Problem, did_you_mean
from .plan import (
    Budget,
    CalendarSpec,
    Objective,
    Plan,
    Resource,
    Storage,
    Target,
)

DEFAULT_MAX_TASKS = 250_000
# Every date and duration lies within this many days of the project start: a build-out takes
# months, so a value beyond it is a typo ('99999w'), and the model's time axis stays bounded.
MAX_SPAN_DAYS = 3660
MAX_INT = 10**9  # counts, capacities and amounts: past this CP-SAT's 64-bit sums could overflow
TOP_KEYS = {"project", "calendars", "resources", "budgets", "storage", "deliveries", "levels", "tasks",
            "templates", "targets", "objective", "scenarios", "uncertainty", "risks"}
PROJECT_KEYS = {"name", "start", "timezone", "resolution", "max_tasks"}
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CALENDAR_KEYS = {"days", "shifts", "holidays", "off", *WEEKDAY_KEYS}
RESOURCE_KEYS = {"capacity", "calendar", "changes", "trade", "cost_per_hour", "cost_per_day"}
BUDGET_KEYS = {"total", "unit", "cost_per_unit"}
STORAGE_KEYS = {"capacity", "initial", "changes"}
DELIVERY_KEYS = {"item", "quantity", "first", "per_day", "batches", "into", "to", "calendar",
                 "cost", "expedite", "delay", "short"}
LEVEL_KEYS = {"name", "count", "id", "total", "gpus"}
TASK_KEYS = {"name", "duration", "uses", "spends", "modes", "after", "elapsed", "calendar", "needs",
             "not_before", "gpus", "online", "fills", "empties", "interruptible"}
LINK_KEYS = {"task", "type", "lag", "max_lag", "working", "lag_calendar"}
TARGET_KEYS = {"finish", "gpus", "by", "hard", "penalty", "name", "count", "within"}
OBJECTIVE_KEYS = {"kind", "until"}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
SCOPED = ("resources", "storage")  # under [templates.LEVEL]: per-unit crews and storage
_PATTERN = re.compile(r"\{(A|a|0*1|0)\}")


def load_plan(path: str | Path, *, max_tasks: int | None = None, sets=(),
              scenario: str | None = None) -> Plan:
    """Read, validate and expand a plan file; raise `PlanInvalid` with every problem found.
    `scenario` applies `[scenarios.NAME]`, then `sets` ([(PATH, VALUE)], from --set) apply on
    top (scheduler/overrides.py)."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanInvalid(file, [Problem("unreadable", "", f"cannot read the plan: {exc}")])
    if path.suffix.lower() in (".sm", ".mm"):
        from .psplib import plan_from_psplib

        return plan_from_psplib(file, text)
    return plan_from_toml(file, text, max_tasks=max_tasks, sets=sets, scenario=scenario)


def plan_from_toml(file: str, text: str, *, max_tasks: int | None = None, sets=(),
                   scenario: str | None = None) -> Plan:
    data = parse_toml(file, text)
    if scenario is not None or sets:
        data = _overridden(file, data, list(sets), scenario)
    ctx = Ctx(file, text)
    plan = _Builder(ctx, data, max_tasks).build()
    if ctx.problems:
        raise PlanInvalid(file, ctx.located())
    assert plan is not None
    return plan


def _overridden(file: str, data: dict, sets, scenario: str | None) -> dict:
    from . import overrides

    problems = []
    if scenario is not None:
        named, problems = overrides.scenario_sets(data, scenario)
        data, more = overrides.apply(data, named, f"scenarios.{scenario}")
        problems += more
    data, more = overrides.apply(data, sets, "--set")
    problems += more
    if problems:
        raise PlanInvalid(file, problems)
    return data


def parse_toml(file: str, text: str) -> dict:
    """The plan file as TOML data, or PlanInvalid with the syntax error's line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanInvalid(file, [_toml_problem(exc)]) from None
    except RecursionError:
        raise PlanInvalid(file, [Problem("toml", "", "invalid TOML: tables or arrays nested too "
                                         "deeply; a plan needs at most a few levels")]) from None


def _toml_problem(exc: tomllib.TOMLDecodeError) -> Problem:
    msg = str(exc)
    match = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    line = int(match.group(1)) if match else None
    col = int(match.group(2)) if match else None
    msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
    return Problem("toml", "", f"invalid TOML: {msg}", line, col)


@dataclass
class Ctx:
    """Collects problems; deduplicates the copies a template would make once per unit."""

    file: str
    text: str
    problems: list[Problem] = field(default_factory=list)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def error(self, code: str, where: str, message: str) -> None:
        if (where, message) not in self._seen:
            self._seen.add((where, message))
            self.problems.append(Problem(code, where, message))

    def located(self) -> list[Problem]:
        """The problems with their lines; a template's problem repeated for each unit (the
        same field, a message naming another unit's task) is said once, with the count."""
        groups: dict[tuple[str, str], list[Problem]] = {}
        for p in self.problems:
            key = (p.code, p.where) if p.where.startswith("templates.") else (p.code, id(p))
            groups.setdefault(key, []).append(p)  # type: ignore[arg-type]
        out = []
        for same in groups.values():
            p = same[0]
            message = p.message
            if len(same) > 1:
                message += f" (and {len(same) - 1:,} more like it in other units)"
            out.append(Problem(p.code, p.where, message, p.line or locate(self.text, p.where),
                               p.column))
        return out


def locate(text: str, where: str) -> int | None:
    """Best-effort line of a dotted field path in TOML text (header, then key below it)."""
    parts = [p for p in re.split(r"\.(?![^\[]*\])", where) if p]
    lines = text.splitlines()
    for n in range(len(parts), 0, -1):
        header = r"\.".join(rf"\"?{re.escape(p)}\"?" for p in parts[:n])
        pat = re.compile(rf"^\s*\[\[?\s*{header}\s*[\].]")
        for i, line in enumerate(lines):
            if pat.match(line):
                if n == len(parts):
                    return i + 1
                name = parts[n].split("[")[0]
                key = re.compile(rf"^\s*\"?{re.escape(name)}\"?\s*=")
                for j in range(i + 1, len(lines)):
                    if lines[j].lstrip().startswith("["):
                        break
                    if key.match(lines[j]):
                        return j + 1
                return i + 1
    return None


@dataclass
class Level:
    name: str
    count: int
    pattern: str
    total: int | None
    gpus: int | None


@dataclass
class Unit:
    path: str  # "" for the site
    level: int  # -1 for the site
    parent: Unit | None
    children: list[Unit] = field(default_factory=list)

    def ancestors(self):
        unit = self.parent
        while unit is not None:
            yield unit
            unit = unit.parent


@dataclass
class RawTask:
    """A task before references are resolved."""

    id: str
    step: str
    unit: Unit
    table: dict
    source: str


class _Builder:
    def __init__(self, ctx: Ctx, data: dict, max_tasks: int | None):
        self.ctx = ctx
        self.data = data
        self.max_tasks = max_tasks
        self.tz = "UTC"
        self.fixed_costs: dict[str, float] = {}
        self.expedites: dict[str, tuple[int, float]] = {}
        self.start = pendulum.datetime(2000, 1, 1)
        self.slot = 60
        self.stored: dict[str, tuple] = {}

    # -- small typed getters ------------------------------------------------------------------
    def keys(self, table, allowed: set[str], where: str) -> bool:
        if not isinstance(table, dict):
            self.ctx.error("type", where, "must be a table")
            return False
        for key in table:
            if key not in allowed:
                self.ctx.error("unknown_key", f"{where}.{key}" if where else key,
                               f"unknown key{did_you_mean(key, allowed)}; allowed: "
                               + ", ".join(sorted(allowed)))
        return True

    def int_(self, table, key, where, *, default=None, minimum=0, maximum=MAX_INT):
        value = table.get(key, default)
        if value is None:
            self.ctx.error("missing", f"{where}.{key}", "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.ctx.error("value", f"{where}.{key}", f"must be a whole number >= {minimum}, "
                           f"got {value!r}")
            return None
        if value > maximum:
            self.ctx.error("value", f"{where}.{key}", f"{value:,} is more than the limit of "
                           f"{maximum:,}")
            return None
        return value

    def money(self, table, key, where) -> float:
        """An amount of money >= 0 (whole or decimal), 0 if absent."""
        value = table.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                0 <= value <= 1e12):
            self.ctx.error("value", f"{where}.{key}", f"must be an amount >= 0, got {value!r}")
            return 0.0
        return float(value)

    def name_(self, table, key, where, known: dict, kind: str):
        """A reference by name to one of `known` (a calendar, a storage), or None."""
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.ctx.error("type", f"{where}.{key}", f"must be the name of a {kind}, got "
                           f"{value!r}")
            return None
        if value not in known:
            self.ctx.error("unknown_ref", f"{where}.{key}", f"unknown {kind} "
                           f"'{value}'{did_you_mean(value, known)}")
            return None
        return value

    def bool_(self, table, key, where, default=False) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.ctx.error("type", f"{where}.{key}", f"must be true or false, got {value!r}")
            return default
        return value

    @property
    def max_slots(self) -> int:
        return MAX_SPAN_DAYS * 1440 // self.slot

    def slots(self, value, where, *, allow_zero=True):
        try:
            slots = units.to_slots(value, self.slot, allow_zero=allow_zero)
        except units.ValueProblem as exc:
            self.ctx.error("duration", where, str(exc))
            return None
        if slots > self.max_slots:
            self.ctx.error("duration", where, f"{value!r} is longer than {MAX_SPAN_DAYS:,} days, "
                           "the longest span a plan may cover")
            return None
        return slots

    def when(self, value, where) -> int | None:
        """A date (absolute) or a duration from the project start, as a slot (rounded up)."""
        if isinstance(value, str) and units._DURATION.match(value):
            return self.slots(value, where)
        try:
            moment = units.parse_datetime(value, self.tz)
            seconds = (moment - self.start).total_seconds()
        except units.ValueProblem as exc:
            self.ctx.error("date", where, str(exc))
            return None
        except (OverflowError, ValueError):
            self.ctx.error("date", where, f"{_shown(value)} is out of range; give a date within "
                           f"{MAX_SPAN_DAYS:,} days of the project start")
            return None
        slot_seconds = self.slot * 60
        slot = -int(-seconds // slot_seconds)
        if abs(slot) > self.max_slots:
            side = "after" if slot > 0 else "before"
            self.ctx.error("date", where, f"{_shown(value)} is more than {MAX_SPAN_DAYS:,} days "
                           f"{side} the project start ({self.start.to_date_string()}); check "
                           "the year")
            return None
        return slot

    def ident(self, name: str, where: str) -> bool:
        if not _ID.match(name):
            self.ctx.error("id", where, f"'{name}' is not a valid id; use letters, digits, '-', "
                           "'_' and '.'")
            return False
        return True

    # -- sections -------------------------------------------------------------------------------
    def build(self) -> Plan | None:
        self.keys(self.data, TOP_KEYS, "")
        if not self._project():
            return None
        calendars = self._calendars()
        resources = self._resources(calendars)
        budgets = self._budgets(resources)
        storages = self._storages()
        levels = self._levels()
        raw = self._expand(levels)
        if raw is None:
            return None
        self._scoped(levels, calendars, resources, storages)
        deliveries = self._deliveries(storages, calendars)
        storages = self._storages_with_arrivals(storages, deliveries)
        from .validate import Resolver

        resolver = Resolver(self, levels, raw, calendars, resources, storages, deliveries,
                            budgets)
        tasks = resolver.tasks()
        resolver.built = tasks
        targets = self._targets(resolver)
        objective = self._objective()
        risk = uncertainty.load(self, resolver, resources, set(self._section("deliveries")))
        risk.arrivals = {tid: tuple(b) for tid, b in resolver.batches.items()}
        risk.not_before = dict(resolver._not_before)
        risk.stored = self.stored
        plan = Plan(
            name=self.name, file=self.ctx.file, start=self.start, timezone=self.tz,
            slot_minutes=self.slot, calendars=calendars, resources=resources, storages=storages,
            tasks=tasks, targets=targets, objective=objective,
            levels=tuple(level.name for level in levels), budgets=budgets,
            fixed_costs=self.fixed_costs, expedites=self.expedites, uncertainty=risk,
        )
        if not self.ctx.problems:
            from .validate import check_plan

            check_plan(self.ctx, plan)
        return plan

    def _project(self) -> bool:
        table = self.data.get("project")
        if table is None:
            self.ctx.error("missing", "project", "is required: give at least name and start")
            return False
        if not self.keys(table, PROJECT_KEYS, "project"):
            return False
        self.name = table.get("name")
        if not isinstance(self.name, str) or not self.name.strip():
            self.ctx.error("missing", "project.name", "is required: a non-empty string")
            self.name = "unnamed"
        self.tz = table.get("timezone", "UTC")
        try:
            # pendulum also takes a number as an offset in hours (5 -> UTC+05:00): not in a
            # plan, where the zone decides daylight saving and local dates.
            if not isinstance(self.tz, str):
                raise TypeError(self.tz)
            pendulum.timezone(self.tz)
        except Exception:  # noqa: BLE001 - pendulum raises several kinds for a bad name
            self.ctx.error("timezone", "project.timezone",
                           f"unknown time zone {self.tz!r}; use an IANA name like "
                           "'America/Chicago' or 'UTC'")
            self.tz = "UTC"
        resolution = table.get("resolution", "1h")
        try:
            self.slot = units.parse_minutes(resolution)
            if not 15 <= self.slot <= 1440 or 1440 % self.slot:
                raise units.ValueProblem(
                    f"{resolution!r} is not allowed; use 15min, 30min, 1h, 2h, 3h, 4h, 6h, 8h, "
                    "12h or 1d")
        except units.ValueProblem as exc:
            self.ctx.error("resolution", "project.resolution", str(exc))
            self.slot = 60
        if "start" not in table:
            self.ctx.error("missing", "project.start", "is required, e.g. 2024-05-06T06:00:00")
            return False
        try:
            self.start = units.parse_datetime(table["start"], self.tz)
        except (units.ValueProblem, OverflowError, ValueError) as exc:
            self.ctx.error("date", "project.start", str(exc) if isinstance(
                exc, units.ValueProblem) else f"{_shown(table['start'])} is out of range")
            return False
        if not 1970 <= self.start.year <= 2200:
            self.ctx.error("date", "project.start", f"{_shown(table['start'])} is not a plausible "
                           "project start; give a date between 1970 and 2200")
            return False
        self.max_tasks = self.max_tasks or self.int_(
            table, "max_tasks", "project", default=DEFAULT_MAX_TASKS, minimum=1
        ) or DEFAULT_MAX_TASKS
        return True

    def _section(self, name: str) -> dict:
        table = self.data.get(name, {})
        if not isinstance(table, dict):
            self.ctx.error("type", name, "must be a table of named entries")
            return {}
        return {k: v for k, v in table.items() if self.ident(k, f"{name}.{k}")}

    def _calendars(self) -> dict[str, CalendarSpec]:
        out = {}
        for cid, table in self._section("calendars").items():
            where = f"calendars.{cid}"
            if not self.keys(table, CALENDAR_KEYS, where):
                continue
            before = len(self.ctx.problems)
            spec = CalendarSpec(
                id=cid,
                weekdays=frozenset(self._list(table, "days", where, units.parse_weekday,
                                              ["mon", "tue", "wed", "thu", "fri"])),
                shifts=tuple(self._list(table, "shifts", where, units.parse_clock_range,
                                        ["00:00-24:00"])),
                holidays=frozenset(self._list(table, "holidays", where, units.parse_date, [])),
                off=tuple(self._off(table.get("off", []), f"{where}.off")),
                day_shifts=tuple((i, tuple(self._list(table, day, where,
                                                       units.parse_clock_range, [])))
                                 for i, day in enumerate(WEEKDAY_KEYS) if day in table),
            )
            if not any(spec.shifts_on(d) for d in range(7)) and len(self.ctx.problems) == before:
                self.ctx.error("value", where, "has no working time (no days or no shifts); "
                               "give at least one day and one shift")
            self._check_shift_slots(spec, where)
            out[cid] = spec
        return out

    def _check_shift_slots(self, spec: CalendarSpec, where: str) -> None:
        """Shifts start and end on slot boundaries: a slot works whole or not at all, so a shift
        of 06:00-06:01 at 1 h slots would silently become a full hour of work."""
        offset = self.start.hour * 60 + self.start.minute
        named = [("shifts", spec.shifts)] + [(WEEKDAY_KEYS[d], s) for d, s in spec.day_shifts]
        for key, shifts in named:
            for i, (a, b) in enumerate(shifts):
                if (a - offset) % self.slot or (b - offset) % self.slot:
                    self.ctx.error("value", f"{where}.{key}[{i}]", "does not start and end on "
                                   f"the project's {units.fmt_minutes(self.slot)} slots; round "
                                   "it to whole slots or use a finer project.resolution")

    def _list(self, table, key, where, parse, default):
        values = table.get(key, default)
        if not isinstance(values, list):
            self.ctx.error("type", f"{where}.{key}", "must be a list")
            return []
        out = []
        for i, value in enumerate(values):
            try:
                out.append(parse(value))
            except units.ValueProblem as exc:
                self.ctx.error("value", f"{where}.{key}[{i}]", str(exc))
        return out

    def _off(self, periods, where):
        if not isinstance(periods, list):
            self.ctx.error("type", where, "must be a list of {from = ..., to = ...}")
            return
        for i, period in enumerate(periods):
            if self.keys(period, {"from", "to"}, f"{where}[{i}]"):
                lo = self.when(period.get("from"), f"{where}[{i}].from")
                hi = self.when(period.get("to"), f"{where}[{i}].to")
                if lo is not None and hi is not None:
                    if hi <= lo:
                        self.ctx.error("value", f"{where}[{i}]", "'to' must be after 'from'")
                    yield (lo, hi)

    def _resources(self, calendars) -> dict[str, Resource]:
        out = {}
        for rid, table in self._section("resources").items():
            resource = self._resource(rid, rid, table, f"resources.{rid}", calendars)
            if resource is not None:
                out[rid] = resource
        return out

    def _resource(self, rid, name, table, where, calendars) -> Resource | None:
        if not self.keys(table, RESOURCE_KEYS, where):
            return None
        sizing = self._sizing(table, where)
        if isinstance(table.get("capacity"), dict):  # a size to choose (problems said there)
            cap = sizing[1] if sizing else 1
        else:
            cap = self.int_(table, "capacity", where, maximum=1_000_000)
        cal = self.name_(table, "calendar", where, calendars, "calendar")
        steps = {0: cap or 0, **self._changes(table, where)}
        trade = table.get("trade", name)
        if not isinstance(trade, str):
            self.ctx.error("type", f"{where}.trade", f"must be a string, got {trade!r}")
            trade = name
        res = Resource(rid, cal, tuple(sorted(steps.items())), str(trade),
                       self.money(table, "cost_per_hour", where),
                       self.money(table, "cost_per_day", where), sizing)
        return self._hiring(res, table["capacity"], f"{where}.capacity") if sizing else res

    def _hiring(self, res: Resource, value: dict, where: str) -> Resource:
        """`step` (crews come in teams of this many above min), `from` (units above min only
        from this date or duration: a lead time), `ramp = true` (a second size from a date
        the solver picks)."""
        lo, hi = res.sizing
        step = self.int_(value, "step", where, default=1, minimum=1, maximum=1_000_000) or 1
        if step > 1 and (hi - lo) % step:
            self.ctx.error("value", f"{where}.step", f"max {hi} is not min {lo} plus a whole "
                           f"number of steps of {step}; make max {lo + (hi - lo) // step * step}"
                           f" or {lo + -(-(hi - lo) // step) * step}")
        lead = 0
        if "from" in value:
            lead = self.when(value["from"], f"{where}.from") or 0
            if lead < 0:
                self.ctx.error("value", f"{where}.from", "is before the project start")
                lead = 0
        ramp = self.bool_(value, "ramp", where)
        return replace(res, size_step=step, size_lead=lead, size_ramp=ramp)

    def _sizing(self, table, where) -> tuple[int, int] | None:
        """`capacity = { min = 4, max = 40 }`: a crew size for `rackplan crews` to choose (the
        other commands schedule with the largest)."""
        value = table.get("capacity")
        if not isinstance(value, dict):
            return None
        cw = f"{where}.capacity"
        if not self.keys(value, {"min", "max", "step", "from", "ramp"}, cw):
            return None
        lo = self.int_(value, "min", cw, minimum=0, maximum=1_000_000)
        hi = self.int_(value, "max", cw, minimum=1, maximum=1_000_000)
        if lo is None or hi is None:
            return None
        if lo > hi:
            self.ctx.error("value", f"{cw}.min", f"{lo} is more than max {hi}")
            return None
        if table.get("changes"):
            self.ctx.error("value", f"{where}.changes", "a crew whose size is chosen (capacity "
                           "= { min, max }) has one size for the job; drop 'changes' or fix "
                           "the capacity")
            return None
        return lo, hi

    def _scoped(self, levels, calendars, resources, storages) -> None:
        """`[templates.LEVEL.resources.NAME]` and `[templates.LEVEL.storage.NAME]`: a crew, a
        dock or a staging area per unit of a level, with ids like `hall-A/dock`; tasks inside
        the unit use it as `"LEVEL:NAME"`."""
        templates = self._section("templates")
        units_at = {lv.name: [] for lv in levels}
        stack = list(self.site.children)
        while stack:
            unit = stack.pop()
            units_at[levels[unit.level].name].append(unit.path)
            stack.extend(unit.children)
        for level in levels:
            table = templates.get(level.name, {})
            if not isinstance(table, dict):
                continue  # said in _expand
            for kind, out in (("resources", resources), ("storage", storages)):
                section = table.get(kind, {})
                if not isinstance(section, dict):
                    self.ctx.error("type", f"templates.{level.name}.{kind}", "must be a table of "
                                   f"named entries, e.g. [templates.{level.name}.{kind}.dock]")
                    continue
                for name, spec in section.items():
                    where = f"templates.{level.name}.{kind}.{name}"
                    if not self.ident(name, where):
                        continue
                    for path in sorted(units_at[level.name]):
                        uid = f"{path}/{name}"
                        made = (self._resource(uid, name, spec, where, calendars)
                                if kind == "resources" else self._storage(uid, spec, where))
                        if made is not None:
                            out[uid] = made

    def _changes(self, table, where, minimum: int = 0) -> dict[int, int]:
        """`changes = [{ from = ..., capacity = N }]`: {from slot: capacity} (a change before
        the start applies from the start)."""
        steps: dict[int, int] = {}
        changes = table.get("changes", [])
        if not isinstance(changes, list):
            self.ctx.error("type", f"{where}.changes", "must be a list of {from, capacity}")
            return steps
        for i, change in enumerate(changes):
            cw = f"{where}.changes[{i}]"
            if self.keys(change, {"from", "capacity"}, cw):
                at = self.when(change.get("from"), f"{cw}.from")
                c = self.int_(change, "capacity", cw, minimum=minimum, maximum=1_000_000)
                if at is not None and c is not None:
                    steps[max(at, 0)] = c
        return steps

    def _budgets(self, resources) -> dict[str, Budget]:
        out = {}
        for bid, table in self._section("budgets").items():
            where = f"budgets.{bid}"
            if bid in resources:
                self.ctx.error("value", where, f"'{bid}' is already a resource; give the budget "
                               "another name")
            elif self.keys(table, BUDGET_KEYS, where):
                total = self.int_(table, "total", where)
                out[bid] = Budget(bid, total or 0, str(table.get("unit", "")),
                                  self.money(table, "cost_per_unit", where))
        return out

    def _storages(self) -> dict[str, Storage]:
        out = {}
        for sid, table in self._section("storage").items():
            storage = self._storage(sid, table, f"storage.{sid}")
            if storage is not None:
                out[sid] = storage
        return out

    def _storage(self, sid, table, where) -> Storage | None:
        if not self.keys(table, STORAGE_KEYS, where):
            return None
        cap = self.int_(table, "capacity", where, minimum=1)
        initial = self.int_(table, "initial", where, default=0)
        if cap is not None and initial is not None and initial > cap:
            self.ctx.error("value", f"{where}.initial", f"{initial} exceeds the capacity {cap}")
        steps = self._changes(table, where, minimum=0)
        cap = steps.pop(0, cap or 1)  # a change at the start replaces the capacity
        return Storage(sid, cap or 1, initial or 0, changes=tuple(sorted(steps.items())))

    def _deliveries(self, storages, calendars) -> dict[str, dict]:
        """item -> {"pools": {places: [(arrival slot, delivery), ...] per unit, in order},
        "source": the first delivery of it, "into": {storage: [(slot, units)]},
        "to": {places: where they were written}}. `places` is the tuple of unit ids a delivery
        is routed to (`to`), () for the whole site; the routes are checked once the units are
        known (validate.py)."""
        by_item: dict[str, dict] = {}
        for did, table in self._section("deliveries").items():
            where = f"deliveries.{did}"
            if not self.keys(table, DELIVERY_KEYS, where):
                continue
            item = table.get("item", did)
            if not isinstance(item, str):
                self.ctx.error("type", f"{where}.item", f"must be an item name, got {item!r}")
                continue
            cal = self.name_(table, "calendar", where, calendars, "calendar")
            if "cost" in table:
                self.fixed_costs[did] = self.money(table, "cost", where)
            if "expedite" in table:
                self._expedite(did, table["expedite"], f"{where}.expedite")
            arrivals = self._arrivals(table, where, calendars.get(cal) if cal else None)
            if arrivals is None:
                continue  # refused as too big: no follow-on shortage on top of it
            into = self.name_(table, "into", where, storages, "storage")
            entry = by_item.setdefault(item, {"pools": {}, "source": where, "into": {},
                                              "to": {}})
            route = self._route(table.get("to"), f"{where}.to", entry)
            for slot, qty, batch_route, batch_where in arrivals:
                places = route if batch_route is None else batch_route
                if batch_route is not None:
                    entry["to"].setdefault(batch_route, batch_where)
                entry["pools"].setdefault(places, []).extend([(slot, where)] * qty)
                if into:
                    entry["into"].setdefault(into, []).append((slot, qty, did))
            for arrived in entry["pools"].values():
                arrived.sort()
        return by_item

    def _expedite(self, did, table, where) -> None:
        """`expedite = { earlier = "2d", cost = 5000 }`: paying `cost` brings every unit of the
        delivery `earlier` sooner (air freight)."""
        if not self.keys(table, {"earlier", "cost"}, where):
            return
        if "earlier" not in table:
            self.ctx.error("missing", f"{where}.earlier", "is required, e.g. '2d'")
            return
        earlier = self.slots(table["earlier"], f"{where}.earlier", allow_zero=False)
        if earlier is not None:
            self.expedites[did] = (earlier, self.money(table, "cost", where))

    def _route(self, value, where, entry) -> tuple[str, ...]:
        """`to = "hall-B"` or a list of unit ids: the units a delivery (or a batch) is for."""
        if value is None:
            return ()
        places = value if isinstance(value, list) else [value]
        if not places or not all(isinstance(p, str) and p for p in places):
            self.ctx.error("type", where, f"must be a unit id or a list of them, e.g. 'hall-B', "
                           f"got {value!r}")
            return ()
        route = tuple(sorted(set(places)))
        entry["to"].setdefault(route, where)
        return route

    def _arrivals(self, table, where, calendar=None) -> list | None:
        """[(slot, units, route or None)] of a delivery, None if refused as too big."""
        if "batches" in table:
            out = []
            batches = table["batches"]
            if not isinstance(batches, list):
                self.ctx.error("type", f"{where}.batches", "must be a list of {at, quantity}")
                return []
            for i, batch in enumerate(batches):
                bw = f"{where}.batches[{i}]"
                if self.keys(batch, {"at", "quantity", "to"}, bw):
                    at = self.when(batch.get("at"), f"{bw}.at")
                    qty = self.int_(batch, "quantity", bw, minimum=1)
                    route = (self._route(batch["to"], f"{bw}.to", {"to": {}})
                             if "to" in batch else None)
                    if at is not None and qty is not None:
                        out.append((at, qty, route, f"{bw}.to"))
            return self._bounded(out, f"{where}.batches")
        qty = self.int_(table, "quantity", where, minimum=1)
        per_day = self.int_(table, "per_day", where, minimum=1)
        if "first" not in table:
            self.ctx.error("missing", f"{where}.first", "is required (or give batches)")
            return []
        first = self.when(table["first"], f"{where}.first")
        if None in (qty, per_day, first):
            return []
        if self._bounded([(first, qty)], f"{where}.quantity") is None:
            return None
        day = 1440 // self.slot if self.slot <= 1440 else 1
        out: list = []
        slot, left = first, qty
        while left > 0:
            # A delivery calendar: trucks come only on its working days.
            for _ in range(400):
                if calendar is None or self._works_on(calendar, slot):
                    break
                slot += day
            else:
                self.ctx.error("value", f"{where}.calendar", "has no working day in 400 days "
                               "after 'first'")
                return []
            out.append((slot, min(per_day, left), None, ""))
            left -= per_day
            slot += day
        return out

    def _works_on(self, spec: CalendarSpec, slot: int) -> bool:
        """Whether the local date of `slot` is a working day of a calendar."""
        date = self.start.add(minutes=slot * self.slot).date()
        return bool(spec.shifts_on(date.weekday())) and date.isoformat() not in spec.holidays

    def _bounded(self, arrivals, where) -> list[tuple[int, int]] | None:
        """Every unit delivered becomes a release date: bounded like the tasks that need them
        (50,000,000 racks took 9 s and 1.7 GB to refuse later)."""
        total = sum(a[1] for a in arrivals)
        if total > self.max_tasks:
            self.ctx.error("too_big", where, f"{total:,} units is more than the limit of "
                           f"{self.max_tasks:,} (project.max_tasks); a delivery brings at most "
                           "one unit per task that needs it")
            return None
        return arrivals

    def _storages_with_arrivals(self, storages, deliveries):
        arrivals: dict[str, list] = {}
        for entry in deliveries.values():
            for sid, lst in entry["into"].items():
                arrivals.setdefault(sid, []).extend(lst)
        # A delivery that arrived before the project start is in storage at the start.
        self.stored = {sid: tuple(sorted(lst)) for sid, lst in arrivals.items()}
        return {sid: Storage(s.id, s.capacity, s.initial,
                             tuple(sorted((max(0, slot), q) for slot, q, _ in
                                          arrivals.get(sid, []))),
                             s.changes)
                for sid, s in storages.items()}

    def _levels(self) -> list[Level]:
        raw = self.data.get("levels", [])
        if not isinstance(raw, list):
            self.ctx.error("type", "levels", "must be an array of tables: [[levels]]")
            return []
        out = []
        for i, table in enumerate(raw):
            where = f"levels[{i}]"
            if not self.keys(table, LEVEL_KEYS, where):
                continue
            name = table.get("name")
            if not isinstance(name, str) or not self.ident(name, f"{where}.name"):
                self.ctx.error("missing", f"{where}.name", "is required, e.g. 'rack'")
                continue
            if name == "site" or name in [lv.name for lv in out]:
                self.ctx.error("value", f"{where}.name", f"level '{name}' is defined twice or "
                               "reserved")
                continue
            count = self.int_(table, "count", where, minimum=1)
            pattern = table.get("id", name + "-{1}")
            if not isinstance(pattern, str) or len(_PATTERN.findall(pattern)) != 1 \
                    or "/" in pattern:
                self.ctx.error("value", f"{where}.id", f"{pattern!r} needs exactly one of "
                               "{1}, {01}, {0}, {A} or {a} and no '/', e.g. 'rack-{1}'")
                pattern = name + "-{1}"
            total = table.get("total")
            if total is not None:
                total = self.int_(table, "total", where, minimum=1)
            gpus = table.get("gpus")
            if gpus is not None:
                gpus = self.int_(table, "gpus", where, minimum=0, maximum=1_000_000)
            out.append(Level(name, count or 1, pattern, total, gpus))
        return out

    def _expand(self, levels: list[Level]) -> list[RawTask] | None:
        templates = self._section("templates")
        for name, table in list(templates.items()):
            if not isinstance(table, dict):
                self.ctx.error("type", f"templates.{name}", "must be a table of steps, e.g. "
                               f"[templates.{name}.receive]")
                del templates[name]
        for name in templates:
            if name not in [lv.name for lv in levels]:
                self.ctx.error("unknown_ref", f"templates.{name}",
                               f"no level named '{name}'"
                               f"{did_you_mean(name, [lv.name for lv in levels])}; "
                               "define it under [[levels]]")
        steps = {lv.name: {k: v for k, v in templates.get(lv.name, {}).items()
                           if k not in SCOPED and self.ident(k, f"templates.{lv.name}.{k}")}
                 for lv in levels}
        site_tasks = self._section("tasks")
        if not self._within_bound(levels, steps, len(site_tasks)):
            return None
        site = Unit("", -1, None)
        self.site = site
        parents = [site]
        for idx, level in enumerate(levels):
            made: list[Unit] = []
            for parent in parents:
                for k in range(level.count):
                    if level.total is not None and len(made) >= level.total:
                        break
                    label = _label(level.pattern, k)
                    path = f"{parent.path}/{label}" if parent.path else label
                    unit = Unit(path, idx, parent)
                    parent.children.append(unit)
                    made.append(unit)
            parents = made
        self._prune(site, len(levels))
        raw = [RawTask(tid, tid, site, table, f"tasks.{tid}") for tid, table in site_tasks.items()]
        self._walk(site, levels, steps, raw)
        return raw

    def _within_bound(self, levels, steps, num_site) -> bool:
        count, total = 1, num_site
        for level in levels:
            count *= level.count
            if level.total is not None:
                count = min(count, level.total)
            total += count * len(steps[level.name])
        if total > self.max_tasks:
            self.ctx.error("too_big", "levels", f"the templates expand to {total:,} tasks, more "
                           f"than the limit of {self.max_tasks:,}; raise project.max_tasks or "
                           "reduce the counts")
            return False
        return True

    def _prune(self, unit: Unit, depth: int) -> bool:
        """Drop units left without leaves by a level's `total` (an array with no racks)."""
        if unit.level == depth - 1:
            return True
        unit.children = [c for c in unit.children if self._prune(c, depth)]
        return bool(unit.children) or unit.level < 0

    def _walk(self, unit: Unit, levels, steps, raw: list[RawTask]) -> None:
        for child in unit.children:
            level = levels[child.level]
            for step, table in steps[level.name].items():
                raw.append(RawTask(f"{child.path}/{step}", step, child, table,
                                   f"templates.{level.name}.{step}"))
            self._walk(child, levels, steps, raw)

    def _targets(self, resolver) -> dict[str, Target]:
        out = {}
        for tid, table in self._section("targets").items():
            where = f"targets.{tid}"
            if not self.keys(table, TARGET_KEYS, where):
                continue
            if "by" not in table:
                self.ctx.error("missing", f"{where}.by", "is required: a date or a duration "
                               "from the start, e.g. '122d'")
                continue
            due = self.when(table["by"], f"{where}.by")
            if due is not None and due < 0:
                self.ctx.error("date", f"{where}.by", "is before the project start "
                               f"({self.start.to_datetime_string()})")
            hard = self.bool_(table, "hard", where, default=True)
            penalty = self.int_(table, "penalty", where, default=1, minimum=0,
                                maximum=1_000_000)
            gpus, count, within = 0, 0, ""
            tasks: tuple[str, ...] = ()
            if "gpus" in table:
                if "finish" in table:
                    self.ctx.error("value", where, "give either 'finish' or 'gpus', not both")
                gpus = self.int_(table, "gpus", where, minimum=1) or 0
                if "within" in table:
                    within, tasks = resolver.unit_tasks(table["within"], f"{where}.within")
            else:
                tasks = resolver.target_tasks(table.get("finish", "all"), f"{where}.finish")
                if "within" in table:
                    self.ctx.error("value", f"{where}.within", "narrows a GPU target; for tasks "
                                   "name them in 'finish' (e.g. 'hall-A/acceptance')")
            if "count" in table:
                if gpus:
                    self.ctx.error("value", f"{where}.count", "goes with 'finish' (how many of "
                                   "its tasks), not with 'gpus'")
                count = self.int_(table, "count", where, minimum=1) or 0
                most = len(tasks) if tasks else len(resolver.ids)
                if count > most:
                    self.ctx.error("value", f"{where}.count", f"{count:,} is more than the "
                                   f"{most:,} task(s) 'finish' names")
            label = table.get("name", tid)
            if not isinstance(label, str):
                self.ctx.error("type", f"{where}.name", f"must be a string, got {label!r}")
                label = tid
            out[tid] = Target(tid, due if due is not None else 0, hard, tasks, gpus,
                              penalty if penalty is not None else 1, str(label), count, within)
        return out

    def _objective(self) -> Objective:
        table = self.data.get("objective", {})
        if not self.keys(table, OBJECTIVE_KEYS, "objective"):
            return Objective()
        kind = table.get("kind", "finish")
        if kind not in ("finish", "gpu-hours", "cost"):
            self.ctx.error("value", "objective.kind", f"unknown objective {kind!r}"
                           f"{did_you_mean(str(kind), ['finish', 'gpu-hours', 'cost'])}; use "
                           "'finish', 'gpu-hours' or 'cost'")
            kind = "finish"
        until = self.when(table["until"], "objective.until") if "until" in table else None
        return Objective(kind, until)


def _shown(value) -> str:
    """A plan value as the user wrote it: dates in ISO form, not Python's repr."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return repr(value)


def _label(pattern: str, k: int) -> str:
    match = _PATTERN.search(pattern)
    assert match
    token = match.group(1)
    if token in ("A", "a"):
        text, n = "", k
        while True:
            text = chr(ord(token) + n % 26) + text
            n = n // 26 - 1
            if n < 0:
                break
    elif token == "0":
        text = str(k)
    else:
        text = str(k + 1).zfill(len(token))
    return pattern[: match.start()] + text + pattern[match.end():]
