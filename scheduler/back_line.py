"""How late the k-th of some tasks may finish, for the schedule to end by a given finish:
the flow line of scheduler/bounds.py run backwards, over those tasks and what follows them.

A hall's cooling loop must end early enough for all its racks to be done after it. One
rack's chain says little: on a varied plan (seed 492) whose two techs on day shifts power on
a hall's twelve racks, and whose one netops runs the arrays' fabric tests, the last rack's
tail let the loop end on Thursday night of the last week, while the techs need two days for
the twelve power-ons, which need the racks connected before them: the loop ends by Monday.

Order statistics, mirrored (each holds in every schedule that ends by F):
- the j-th latest finish of a step's tasks is at most the j-th largest of F less each one's
  shortest tail;
- if each task of G has a finish-to-start successor in step H, the j+1 tasks of G that
  finish last have at least q successors in H (q the fewest of H's predecessor sets that
  hold j+1 of them), each starting after one of those finishes: the j-th latest finish of G
  is at most the q-th latest start of H, less the lag (finish-to-finish links the same, on
  H's finishes);
- a task ends with a working slot of its calendar, and starts no later than the latest
  start for its shortest duration before its finish;
- a crew of c units, each task needing at least u of them, runs at most m = c // u of G's
  tasks at once: of the j+m+1 tasks finishing last, at most m are under way just before the
  (j+m)-th latest finish, so at least j+1 start after it, and the (j+m)-th latest finish is
  at most the j-th latest start.
Tasks of other steps on the same crews are left out, and a crew counts its largest capacity:
a relaxation, so the bounds hold.
"""

from __future__ import annotations

from .calendar import Calendars
from .heuristic import dependency_order
from .plan import LinkType, Plan


def latest_finishes(plan: Plan, cals: Calendars, flow, tids, finish: int, succ=None
                    ) -> list[int] | None:
    """Bounds b[0] <= b[1] <= ... on the sorted finishes of `tids` (tasks of one step) in any
    schedule that ends by `finish`: the (k+1)-th to finish ends by b[k]. None if `tids` span
    steps. `succ`: the plan's successors, if the caller has them."""
    group_of = flow.group_of
    if len({group_of[t] for t in tids}) != 1:
        return None
    succ = succ or plan.successors()
    members: dict[str, list[str]] = {}
    seen, todo = set(tids), list(tids)
    while todo:
        tid = todo.pop()
        members.setdefault(group_of[tid], []).append(tid)
        for s, _ in succ[tid]:
            if s not in seen:
                seen.add(s)
                todo.append(s)
    after = {g: set() for g in members}
    for g, tasks in members.items():
        after[g].update(group_of[s] for t in tasks for s, _ in succ[t] if group_of[s] != g)
    starts: dict[str, list[int]] = {}  # step -> its latest starts, largest first
    ends: dict[str, list[int]] = {}  # step -> its latest finishes, largest first
    for g in reversed(dependency_order(list(members), after)):
        ends[g] = _line_end(plan, cals, flow, members[g], finish, succ, starts, ends)
        starts[g] = _line_start(plan, cals, members[g], ends[g])
    first = group_of[next(iter(tids))]
    if first not in ends:
        return None  # a cycle of steps: nothing said
    return ends[first][::-1]


def _line_end(plan, cals, flow, tasks: list[str], finish: int, succ, starts, ends) -> list[int]:
    """Latest finishes of a step's tasks (largest first), from the finish and what follows."""
    out = sorted((finish - flow.after[t] for t in tasks), reverse=True)
    mine = set(tasks)
    for h in {flow.group_of[s] for t in tasks for s, _ in succ[t]} - {flow.group_of[tasks[0]]}:
        if h not in starts:
            continue  # on a cycle of steps
        for kind, line in ((LinkType.FS, starts[h]), (LinkType.FF, ends[h])):
            preds: dict[str, set[str]] = {}
            lag = None
            for t in tasks:
                for s, link in succ[t]:
                    if link.type == kind and flow.group_of[s] == h:
                        preds.setdefault(s, set()).add(t)
                        gap = link.lag if link.lag_calendar is None else min(0, link.lag)
                        lag = gap if lag is None else min(lag, gap)
            if lag is None or set().union(*preds.values()) != mine:
                continue  # some task of the step has no such successor there
            sizes = sorted((len(p) for p in preds.values()), reverse=True)
            q, held = 0, 0
            for j in range(len(out)):
                while held < j + 1:
                    held += sizes[q]
                    q += 1
                out[j] = min(out[j], line[q - 1] - lag)
    return out


def _line_start(plan: Plan, cals: Calendars, tasks: list[str], end: list[int]) -> list[int]:
    """Latest starts of a step's tasks (largest first), the latest finishes `end` lowered (in
    place) where the step's crews run only so many of its tasks at once."""
    modes = [m for t in tasks for m in plan.tasks[t].modes]
    shortest = min(m.duration for m in modes)
    calendars = [cals.get(c) for c in {plan.tasks[t].calendar for t in tasks}]
    most = at_once(plan, modes)
    out: list[int] = []
    for j in range(len(end)):
        if j:
            end[j] = min(end[j], end[j - 1])
        if most and j >= most:
            end[j] = min(end[j], out[j - most])
        if shortest:  # work ends with a working slot: by the last one before end[j]
            end[j] = max(cal.latest_start(end[j], 1) + 1 for cal in calendars)
        out.append(max(cal.latest_start(end[j], shortest) for cal in calendars))
    return out


def at_once(plan: Plan, modes) -> int:
    """The most tasks with these modes a crew every mode uses runs at once, at its largest
    capacity (0: no such crew)."""
    out = 0
    for rid, res in plan.resources.items():
        least = min(m.demands.get(rid, 0) for m in modes)
        if least:
            n = res.max_capacity // least
            out = n if not out else min(out, n)
    return out
