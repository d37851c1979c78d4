"""Cross-references and whole-plan checks: task references, deliveries, cycles, capacities.

References inside a template are written in the plan's own terms:
- `step`: the step of this unit, else of the nearest enclosing unit that has it (or a site task);
- `LEVEL:step`: for an enclosing level, that unit's step ("hall:cooling-loop"); for a level below,
  the step of every unit of that level inside this one ("rack:burn-in" = all racks of this array);
- `a/b/step`: one task by its full id.
"""

from __future__ import annotations

import bisect

from .errors import did_you_mean
from .plan import Link, LinkType, Mode, Plan, Task, delivery_of

_LINK_TYPES = {t.value for t in LinkType}


class Resolver:
    def __init__(self, builder, levels, raw, calendars, resources, storages, deliveries,
                 budgets=None):
        self.b = builder
        self.ctx = builder.ctx
        self.levels = levels
        self.level_idx = {lv.name: i for i, lv in enumerate(levels)}
        self.raw = raw
        self.calendars = calendars
        self.resources = resources
        self.storages = storages
        self.deliveries = deliveries
        self.budgets = budgets or {}
        self.by_unit: dict[str, dict[str, str]] = {}
        for task in raw:
            self.by_unit.setdefault(task.unit.path, {})[task.step] = task.id
        self.ids = {t.id for t in raw}
        self._not_before: dict[str, int] = {}
        # task -> [(arrival slot, delivery)] of the units it needs (for expedited releases)
        self.arrivals: dict[str, list[tuple[int, str]]] = {}
        # task -> [(arrival slot, delivery, place from the batch's end)], for risk studies
        self.batches: dict[str, list[tuple[int, str, int]]] = {}
        self.built: dict[str, Task] = {}  # the tasks, once resolved

    # -- references -----------------------------------------------------------------------------
    def resolve(self, ref, unit, where) -> list[str]:
        if not isinstance(ref, str) or not ref:
            self.ctx.error("type", where, f"{ref!r} is not a task reference")
            return []
        if "/" in ref:
            if ref in self.ids:
                return [ref]
            self.ctx.error("unknown_ref", where, f"unknown task '{ref}'"
                           f"{did_you_mean(ref, self.ids)}")
            return []
        if ":" in ref:
            return self._qualified(ref, unit, where)
        for scope in [unit, *unit.ancestors()]:
            found = self.by_unit.get(scope.path, {}).get(ref)
            if found:
                return [found]
        visible = set()
        for scope in [unit, *unit.ancestors()]:
            visible |= set(self.by_unit.get(scope.path, {}))
        self.ctx.error("unknown_ref", where, f"unknown task '{ref}'{did_you_mean(ref, visible)}")
        return []

    def _qualified(self, ref, unit, where) -> list[str]:
        level, _, step = ref.partition(":")
        if level == "site":
            found = self.by_unit.get("", {}).get(step)
            if not found:
                self.ctx.error("unknown_ref", where, f"unknown site task '{step}'"
                               f"{did_you_mean(step, self.by_unit.get('', {}))}")
            return [found] if found else []
        if level not in self.level_idx:
            self.ctx.error("unknown_ref", where, f"unknown level '{level}'"
                           f"{did_you_mean(level, list(self.level_idx) + ['site'])}")
            return []
        idx = self.level_idx[level]
        templates = self.b.data.get("templates", {})
        steps = templates.get(level, {}) if isinstance(templates, dict) else {}
        steps = steps if isinstance(steps, dict) else {}
        if step not in steps:
            self.ctx.error("unknown_ref", where, f"level '{level}' has no step '{step}'"
                           f"{did_you_mean(step, steps)}")
            return []
        if idx <= unit.level:
            scope = unit
            while scope.level > idx:
                scope = scope.parent
            return [self.by_unit[scope.path][step]]
        return [self.by_unit[u.path][step] for u in _descendants(unit, idx)]

    def unit_tasks(self, path, where) -> tuple[str, tuple[str, ...]]:
        """(path, the tasks of the unit `path` and of every unit inside it), for GPU targets
        on part of the site."""
        units = _unit_paths(self.b.site)
        if not isinstance(path, str) or path not in units:
            self.ctx.error("unknown_ref", where, f"no unit {path!r}"
                           f"{did_you_mean(str(path), units)}; give a unit's full id, e.g. "
                           f"'{units[0] if units else 'hall-A'}'")
            return "", ()
        ids = tuple(t.id for t in self.raw
                    if t.unit.path == path or t.unit.path.startswith(path + "/"))
        return path, ids

    def target_tasks(self, spec, where) -> tuple[str, ...]:
        if spec == "all":
            return ()  # every task: the project finish
        refs = spec if isinstance(spec, list) else [spec]
        out: list[str] = []
        for i, ref in enumerate(refs):
            out += self.resolve(ref, self.b.site, f"{where}[{i}]" if len(refs) > 1 else where)
        return tuple(out)

    # -- tasks ----------------------------------------------------------------------------------
    def tasks(self) -> dict[str, Task]:
        needers: dict[str, list[tuple[str, int, str]]] = {}
        out: dict[str, Task] = {}
        for raw in self.raw:
            task = self._task(raw)
            if task is None:
                continue
            for item, qty in self._needs(raw.table.get("needs"), f"{raw.source}.needs"):
                needers.setdefault(item, []).append((task.id, qty, raw.unit.path))
            out[task.id] = task
        return self._with_deliveries(out, needers)

    def _needs(self, need, where) -> list[tuple[str, int]]:
        """`needs = "rack"` or `needs = { rack = 1, cdu = 1 }`: (item, units) pairs."""
        if need is None:
            return []
        if isinstance(need, str):
            return [(need, 1)]
        if not isinstance(need, dict) or not need:
            self.ctx.error("type", where, "must be an item name or a table {item = units}")
            return []
        out = []
        for item, qty in need.items():
            if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= 1_000_000:
                self.ctx.error("value", f"{where}.{item}", f"must be a whole number >= 1, got "
                               f"{qty!r}")
            else:
                out.append((item, qty))
        return out

    def _task(self, raw) -> Task | None:
        where, table = raw.source, raw.table
        self.unit = raw.unit  # for "LEVEL:name" crews and storage
        if not self.b.keys(table, _task_keys(), where):
            return None
        modes = self._modes(table, where)
        calendar = self._calendar(table, modes, where)
        links = []
        after = table.get("after", [])
        if not isinstance(after, list):
            after = [after]
        for i, item in enumerate(after):
            links += self._links(item, raw.unit, f"{where}.after[{i}]" if len(after) > 1
                                 else f"{where}.after", calendar)
        release, reason = 0, ""
        if "not_before" in table:
            release = self.b.when(table["not_before"], f"{where}.not_before") or 0
            reason = "not_before"
            self._not_before[raw.id] = max(release, 0)
        name = table.get("name", raw.id)
        if not isinstance(name, str):
            self.ctx.error("type", f"{where}.name", "must be a string")
            name = raw.id
        name = name.replace("{unit}", raw.unit.path or "site")
        return Task(
            id=raw.id, name=name, modes=tuple(modes), calendar=calendar, links=tuple(links),
            release=max(release, 0), release_reason=reason, gpus=self._gpus(table, raw, where),
            fills=self._flows(table, "fills", where), empties=self._flows(table, "empties", where),
            source=where, unit=raw.unit.path,
            interruptible=self.b.bool_(table, "interruptible", where, default=True),
        )

    def _modes(self, table, where) -> list[Mode]:
        if "modes" in table:
            if "duration" in table or "uses" in table or "spends" in table:
                self.ctx.error("value", where, "give either 'modes' or 'duration'/'uses'/"
                               "'spends', not both")
            modes = table["modes"]
            if not isinstance(modes, list) or not modes:
                self.ctx.error("type", f"{where}.modes", "must be a non-empty list of "
                               "{duration, uses}")
                return [Mode(1)]
            out = []
            for i, mode in enumerate(modes):
                mw = f"{where}.modes[{i}]"
                if self.b.keys(mode, {"duration", "uses", "spends"}, mw):
                    out.append(self._mode(mode, mw))
            return out or [Mode(1)]
        return [self._mode(table, where)]

    def _mode(self, table, where) -> Mode:
        demands = self._amounts(table, "uses", self.resources, "resource", where)
        spends = self._amounts(table, "spends", self.budgets, "budget", where, minimum=0)
        if "duration" not in table:
            self.ctx.error("missing", f"{where}.duration", "is required, e.g. '2h' "
                           "(0 for a milestone)")
            return Mode(1, demands, spends)
        value = table["duration"]
        if isinstance(value, dict):
            from .uncertainty import spread

            rng = spread(self.b, value, f"{where}.duration")
            return Mode(max(1, round(rng.likely)) if rng else 1, demands, spends, rng)
        if value in (0, "0") or value == "0h":
            if demands:
                self.ctx.error("duration", f"{where}.duration", "must be positive for a task "
                               "that uses resources")
            return Mode(0, {}, spends)
        duration = self.b.slots(value, f"{where}.duration", allow_zero=False)
        return Mode(duration or 1, demands, spends)

    def _amounts(self, table, key, known, kind, where, minimum=1) -> dict[str, int]:
        """`uses = {crew = 2}` / `spends = {overtime = 8}`: known names, whole amounts."""
        given = table.get(key, {})
        if not isinstance(given, dict):
            self.ctx.error("type", f"{where}.{key}", f"must be a table {{{kind} = amount}}")
            return {}
        out: dict[str, int] = {}
        for name, amount in given.items():
            if ":" in name and name not in known:
                name = self._scoped(name, known, kind, f"{where}.{key}.{name}") or name
                if name not in known:
                    continue
            if name not in known:
                self.ctx.error("unknown_ref", f"{where}.{key}.{name}", f"unknown {kind} "
                               f"'{name}'{did_you_mean(name, known)}")
            elif isinstance(amount, bool) or not isinstance(amount, int) or amount < minimum:
                self.ctx.error("value", f"{where}.{key}.{name}", f"must be a whole number >= "
                               f"{minimum}, got {amount!r}")
            elif amount:
                out[name] = amount
        return out

    def _scoped(self, name, known, kind, where) -> str | None:
        """`"hall:dock"`: the dock of the hall this task is in (declared once as
        [templates.hall.resources.dock]), or None with the problem said."""
        level, _, short = name.partition(":")
        if level not in self.level_idx:
            self.ctx.error("unknown_ref", where, f"unknown level '{level}'"
                           f"{did_you_mean(level, self.level_idx)} in '{name}'")
            return None
        idx = self.level_idx[level]
        scope = self.unit
        while scope is not None and scope.level > idx:
            scope = scope.parent
        if scope is None or scope.level != idx:
            self.ctx.error("unknown_ref", where, f"'{name}' needs a task inside a {level}; "
                           f"this one is not")
            return None
        full = f"{scope.path}/{short}"
        if full not in known:
            section = "resources" if kind == "resource" else "storage"
            self.ctx.error("unknown_ref", where, f"no {kind} '{short}' on level '{level}'; "
                           f"declare it as [templates.{level}.{section}.{short}]")
            return None
        return full

    def _calendar(self, table, modes, where) -> str | None:
        used = {self.resources[r].calendar for m in modes for r in m.demands}
        if self.b.bool_(table, "elapsed", where):
            busy = sorted(r for m in modes for r in m.demands if self.resources[r].calendar)
            if busy:
                self.ctx.error("value", f"{where}.elapsed", f"an elapsed task would hold "
                               f"'{busy[0]}' outside its calendar; drop 'elapsed' or use a "
                               "resource without a calendar")
            return None
        if "calendar" in table:
            return self.b.name_(table, "calendar", where, self.calendars, "calendar")
        named = sorted(c for c in used if c is not None)
        if len(named) > 1:
            self.ctx.error("value", f"{where}.calendar", "uses resources on different calendars "
                           f"({', '.join(named)}); set 'calendar' on the task")
        return named[0] if named else None

    def _links(self, item, unit, where, calendar=None) -> list[Link]:
        if isinstance(item, str):
            return [Link(p) for p in self.resolve(item, unit, where)]
        if not self.b.keys(item, _link_keys(), where):
            return []
        kind = str(item.get("type", "FS")).upper()
        if kind not in _LINK_TYPES:
            self.ctx.error("value", f"{where}.type", f"unknown dependency type {kind!r}; use FS, "
                           "SS, FF or SF")
            kind = "FS"
        lag = self.b.slots(item.get("lag", 0), f"{where}.lag") or 0
        max_lag = None
        if "max_lag" in item:
            max_lag = self.b.slots(item["max_lag"], f"{where}.max_lag")
            if max_lag is not None and max_lag < lag:
                self.ctx.error("value", f"{where}.max_lag", "must not be smaller than lag")
        lag_calendar = self._lag_calendar(item, where, calendar, max_lag)
        preds = self.resolve(item.get("task"), unit, f"{where}.task")
        return [Link(p, LinkType(kind), lag, max_lag, lag_calendar) for p in preds]

    def _lag_calendar(self, item, where, calendar, max_lag) -> str | None:
        """`working = true` (the lag counts the successor's working time) or `lag_calendar =
        "name"` (that calendar's): a lag in working time, as MS Project and P6 have it."""
        working = self.b.bool_(item, "working", where)
        named = self.b.name_(item, "lag_calendar", where, self.calendars, "calendar")
        if working and "lag_calendar" in item:
            self.ctx.error("value", f"{where}.working", "give either 'working' or "
                           "'lag_calendar', not both")
            return None
        if working and calendar is None:
            self.ctx.error("value", f"{where}.working", "this task runs in elapsed time, so it "
                           "has no working time to count the lag in; name one with "
                           "lag_calendar")
            return None
        chosen = calendar if working else named
        if chosen is not None and max_lag is not None:
            self.ctx.error("value", f"{where}.max_lag", "a maximum lag counts elapsed time; it "
                           "cannot go with a lag in working time")
            return None
        return chosen

    def _gpus(self, table, raw, where) -> int:
        if self.b.bool_(table, "online", where):
            if "gpus" in table:
                self.ctx.error("value", where, "give either 'online' or 'gpus', not both")
            return _unit_gpus(raw.unit, self.levels)
        if "gpus" in table:
            return self.b.int_(table, "gpus", where, maximum=1_000_000) or 0
        return 0

    def _flows(self, table, key, where) -> dict[str, int]:
        value = table.get(key)
        if value is None:
            return {}
        flows = {value: 1} if isinstance(value, str) else value
        if not isinstance(flows, dict):
            self.ctx.error("type", f"{where}.{key}", "must be a storage id or {storage = units}")
            return {}
        out = {}
        for sid, qty in flows.items():
            if isinstance(sid, str) and ":" in sid and sid not in self.storages:
                sid = self._scoped(sid, self.storages, "storage", f"{where}.{key}") or sid
                if sid not in self.storages:
                    continue
            if sid not in self.storages:
                self.ctx.error("unknown_ref", f"{where}.{key}", f"unknown storage '{sid}'"
                               f"{did_you_mean(sid, self.storages)}")
            elif isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
                self.ctx.error("value", f"{where}.{key}.{sid}", "must be a whole number >= 1")
            else:
                out[sid] = qty
        return out

    def _with_deliveries(self, tasks, needers) -> dict[str, Task]:
        """Release each task that needs items when its units have arrived: the k-th unit a
        pool of deliveries brings goes to the k-th task (in plan order) drawing on that pool.
        A delivery routed `to` units is the pool of the tasks inside them (the nearest route
        wins); unrouted deliveries are the site's pool."""
        for item, wants in needers.items():
            entry = self.deliveries.get(item)
            source = tasks[wants[0][0]].source
            if entry is None and self.ctx.problems:
                continue  # its delivery was refused above: one problem, not two
            if entry is None:
                self.ctx.error("unknown_ref", f"{source}.needs", f"no delivery brings '{item}'"
                               f"{did_you_mean(item, self.deliveries)}")
                continue
            if not self._routes_known(entry):
                continue
            drawn: dict[tuple[str, ...], list[tuple[str, int]]] = {}
            for tid, qty, unit in wants:
                pool = _pool(entry["pools"], unit)
                if pool is None:
                    self.ctx.error("shortage", f"{tasks[tid].source}.needs", f"no delivery of "
                                   f"'{item}' is routed to {unit or 'the site'}; route one to "
                                   "it with 'to', or add one without 'to'")
                    continue
                drawn.setdefault(pool, []).append((tid, qty))
            for pool, takers in drawn.items():
                self._release(tasks, item, entry, pool, takers)
        return self._expedited(tasks)

    def _expedited(self, tasks) -> dict[str, Task]:
        """For each task released by an expeditable delivery, the release if it is expedited:
        that delivery's units sooner, the task's other items and not_before as they are."""
        expedites = self.b.expedites
        for tid, arrivals in self.arrivals.items():
            t = tasks[tid]
            did = delivery_of(t)
            if did not in expedites:
                continue
            earlier = expedites[did][0]
            early = max([max(0, slot - earlier) if source == f"deliveries.{did}" else slot
                         for slot, source in arrivals] + [self._not_before.get(tid, 0)])
            if early < t.release:
                tasks[tid] = _replace(t, expedite=did, early_release=early)
        return tasks

    def _batches(self, tid, units, lo, hi) -> None:
        """For risk studies: each batch a task draws units from [lo, hi) of, with the place of
        its last such unit from the end of the batch (1 = the batch's last unit)."""
        taken: dict[tuple[int, str], int] = {}
        for i in range(lo, hi):
            taken[units[i]] = i
        for unit, i in taken.items():
            from_end = bisect.bisect_right(units, unit) - i
            self.batches.setdefault(tid, []).append((unit[0], unit[1].removeprefix(
                "deliveries."), from_end))

    def _routes_known(self, entry) -> bool:
        units = set(_unit_paths(self.b.site))
        ok = True
        for route, where in entry["to"].items():
            for place in route:
                if place not in units:
                    self.ctx.error("unknown_ref", where, f"no unit '{place}'"
                                   f"{did_you_mean(place, sorted(units))}; give a unit's full "
                                   "id, e.g. 'hall-B'")
                    ok = False
        return ok

    def _release(self, tasks, item, entry, pool, takers) -> None:
        units = entry["pools"][pool]
        needed = sum(q for _, q in takers)
        if needed > len(units):
            place = f" to {', '.join(pool)}" if pool else ""
            what = (f"{len(takers):,} tasks need" if needed == len(takers)
                    else f"tasks need {needed:,} units of")
            self.ctx.error("shortage", entry["to"].get(pool, entry["source"]),
                           f"{what} '{item}' but deliveries{place} bring only {len(units):,}")
            return
        k = 0
        for tid, qty in takers:
            self._batches(tid, units, k, k + qty)
            k += qty
            slot, source = units[k - 1]  # the last of its units to arrive
            t = tasks[tid]
            reason = f"{source} unit {k}"
            self.arrivals.setdefault(tid, []).append((slot, source))
            if slot > t.release:
                tasks[tid] = _replace(t, release=slot, release_reason=reason)
            elif not t.release_reason:
                # Delivered by the start: no later release, but held by the delivery all
                # the same (it is not a dangling start).
                tasks[tid] = _replace(t, release_reason=reason)



def _replace(task: Task, **changes) -> Task:
    from dataclasses import replace

    return replace(task, **changes)


def _task_keys():
    from .load import TASK_KEYS

    return TASK_KEYS


def _pool(pools, unit: str) -> tuple[str, ...] | None:
    """The deliveries a task in `unit` draws on: those routed to the nearest unit around it,
    else the site's (unrouted) ones, else None."""
    best, depth = None, -1
    for route in pools:
        for place in route:
            if (unit == place or unit.startswith(place + "/")) and place.count("/") > depth:
                best, depth = route, place.count("/")
    if best is None and () in pools:
        return ()
    return best


def _unit_paths(site) -> list[str]:
    """Every unit's full id below the site, outermost first."""
    out, stack = [], list(reversed(site.children))
    while stack:
        unit = stack.pop()
        out.append(unit.path)
        stack.extend(reversed(unit.children))
    return out


def _descendants(unit, level_idx):
    for child in unit.children:
        if child.level == level_idx:
            yield child
        else:
            yield from _descendants(child, level_idx)


def _unit_gpus(unit, levels) -> int:
    if unit.level >= 0 and levels[unit.level].gpus is not None:
        return levels[unit.level].gpus
    return sum(_unit_gpus(c, levels) for c in unit.children)


# -- whole-plan checks ------------------------------------------------------------------------------
def check_plan(ctx, plan: Plan) -> None:
    if not plan.tasks:
        ctx.error("missing", "tasks", "the plan has no tasks; add [tasks.ID] or "
                  "[templates.LEVEL.STEP] with a duration")
        return
    _check_capacities(ctx, plan)
    _check_unbroken(ctx, plan)
    _check_cycles(ctx, plan)
    _check_storage(ctx, plan)
    _check_gpu_targets(ctx, plan)
    _check_cost(ctx, plan)


def _check_capacities(ctx, plan: Plan) -> None:
    for task in plan.tasks.values():
        for i, mode in enumerate(task.modes):
            for rid, amount in mode.demands.items():
                res = plan.resources[rid]
                if amount > res.max_capacity:
                    where = f"{task.source}.modes[{i}]" if len(task.modes) > 1 else task.source
                    ctx.error("capacity", f"{where}.uses.{rid}",
                              f"needs {amount} but '{rid}' never has more than "
                              f"{res.max_capacity}; lower the demand or raise "
                              f"resources.{rid}.capacity")


def _check_unbroken(ctx, plan: Plan) -> None:
    """A task that must not pause needs a stretch of its calendar as long as its work."""
    from .calendar import Calendars

    cals = Calendars(plan)
    fortnight = 14 * 1440 // plan.slot_minutes
    for task in plan.tasks.values():
        if task.interruptible or task.calendar is None:
            continue
        runs = [b - a + 1 for a, b in cals.get(task.calendar).working_intervals(fortnight)]
        longest = max(runs, default=0)
        for mode in task.modes:
            if mode.duration > longest:
                hours = plan.slot_minutes / 60
                ctx.error("value", f"{task.source}.interruptible",
                          f"{mode.duration * hours:g} h of work never fit in one unbroken "
                          f"stretch of calendar '{task.calendar}' (at most {longest * hours:g} "
                          "h); allow pauses or shorten the task")
                break


def _check_cycles(ctx, plan: Plan) -> None:
    """Name each dependency cycle once (a template cycle repeats in every unit)."""
    succ = {tid: [] for tid in plan.tasks}
    for task in plan.tasks.values():
        for link in task.links:
            succ[link.pred].append(task.id)
    for comp in _cycles(succ):
        path = _cycle_path(comp, succ)
        sources = [plan.tasks[t].source for t in path]
        shown = " -> ".join(path + [path[0]])
        ctx.error("cycle", sources[0] + ".after", f"dependency cycle: {shown}")


def _cycles(succ):
    """Strongly connected components with more than one task (or a self-loop), iteratively."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in succ:
        if root in index:
            continue
        work = [(root, iter(succ[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(succ[nxt])))
                    advanced = True
                    break
                if nxt in on:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    item = stack.pop()
                    on.discard(item)
                    comp.append(item)
                    if item == node:
                        break
                if len(comp) > 1 or node in succ[node]:
                    out.append(set(comp))
    return out


def _cycle_path(comp, succ):
    start = min(comp)
    path, seen, node = [start], {start}, start
    while True:
        nxt = next(n for n in succ[node] if n in comp)
        if nxt == start or nxt in seen:
            return path[path.index(nxt):] if nxt in seen and nxt != start else path
        path.append(nxt)
        seen.add(nxt)
        node = nxt


def _check_storage(ctx, plan: Plan) -> None:
    for sid, storage in plan.storages.items():
        filled = storage.initial + sum(q for _, q in storage.arrivals) + sum(
            t.fills.get(sid, 0) for t in plan.tasks.values())
        emptied = sum(t.empties.get(sid, 0) for t in plan.tasks.values())
        if emptied > filled:
            ctx.error("storage", f"storage.{sid}", f"tasks take {emptied:,} units out but only "
                      f"{filled:,} ever go in")


def _check_cost(ctx, plan: Plan) -> None:
    from .cost import has_costs

    if plan.objective.kind == "cost" and not has_costs(plan):
        ctx.error("value", "objective.kind", "'cost' needs prices: cost_per_hour on resources, "
                  "cost_per_unit on budgets or cost on deliveries")


def _check_gpu_targets(ctx, plan: Plan) -> None:
    from .schedule import counted

    for target in plan.targets.values():
        if not target.gpus:
            continue
        total = sum(counted(plan, target)[0].values())  # type: ignore[index]
        if target.gpus > total:
            place = f"unit '{target.within}'" if target.within else "the plan"
            ctx.error("value", f"targets.{target.id}.gpus", f"{target.gpus:,} GPUs but {place} "
                      f"brings only {total:,} online (mark tasks with 'online' or 'gpus')")


__all__ = ["Resolver", "check_plan"]


def _link_keys():
    from .load import LINK_KEYS

    return LINK_KEYS
