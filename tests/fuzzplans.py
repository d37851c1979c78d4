"""Generators for property-based tests of the plan language (Hypothesis strategies): valid plans
mutated at random, and random small build-outs that always have a schedule."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path

import tomli_w
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [ROOT / "plans" / name for name in
         ("tutorial.toml", "check-misses.toml", "check-infeasible.toml", "two-halls.toml")]

# Values a careless edit or a wrong type puts into a plan.
JUNK = st.one_of(
    st.integers(min_value=-3, max_value=3),
    st.sampled_from([2**31, 2**62, -2**40, 50_000_000, 10**18]),
    st.sampled_from(["", "0", "-1h", "99999w", "1.5h", "0.1h", "06:00-06:01", "25:00-26:00",
                     "x", "2h", "3d", "oops", "UTC", "Mars/Base", "all", "FS", "SF", "mon",
                     "rack", "staging", "crews", "site:x", "array:receive", "rack:cable",
                     "9999-12-31", "0001-01-01T00:00:00", "2024-05-06", "{1}", "a/b/c"]),
    st.text(max_size=6),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.lists(st.sampled_from(["c", "receive", "mon", "06:00-16:00", 1]), max_size=3),
    st.dictionaries(st.sampled_from(["task", "from", "capacity", "at", "quantity", "riggers",
                                     "staging", "x"]),
                    st.one_of(st.integers(-2, 5), st.sampled_from(["2h", "3d", "receive"])),
                    max_size=3),
    st.sampled_from([dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23),
                     dt.datetime(2024, 5, 6, 6), dt.date(1, 1, 1), dt.date(2024, 5, 27),
                     dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=14))),
                     dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5)))]),
)


KEYS = ["interruptible", "changes", "sat", "fri", "calendar", "into", "needs", "not_before",
        "max_lag", "lag", "modes", "fills", "empties", "gpus", "online", "total", "initial",
        "hard", "penalty", "until", "kind", "elapsed", "spends", "uses", "after", "type"]


def _paths(doc, prefix=()):
    """Every (path) to a value in a parsed TOML document."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for key, value in items:
        yield prefix + (key,)
        if isinstance(value, (dict, list)):
            yield from _paths(value, prefix + (key,))


def _parent(doc, path):
    for key in path[:-1]:
        doc = doc[key]
    return doc


@st.composite
def mutated_plan(draw) -> str:
    """A valid example plan with one to three random edits: a value replaced by junk or by
    another value of the plan, a key or entry deleted."""
    seed = draw(st.sampled_from(SEEDS))
    doc = tomllib.loads(seed.read_text())
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        op = draw(st.sampled_from(["junk", "junk", "swap", "delete", "add"]))
        if op == "add" and isinstance(parent, dict):
            # A key the plan language knows, in a table where it may or may not belong.
            parent[draw(st.sampled_from(KEYS))] = draw(JUNK)
        elif op == "delete":
            del parent[path[-1]]
        elif op == "swap":
            parent[path[-1]] = copy.deepcopy(_parent(doc, other := draw(st.sampled_from(paths)))
                                             [other[-1]])
        else:
            parent[path[-1]] = draw(JUNK)
    try:
        return tomli_w.dumps(doc)
    except (TypeError, ValueError):  # e.g. a list of mixed tables and values
        return seed.read_text()


TRADES = ("riggers", "electricians", "pipefitters", "fiber")


@st.composite
def random_buildout(draw) -> str:
    """A small random build-out that always has a schedule: racks delivered into a staging
    area, site cooling work, crews on shift calendars, a leak test within a maximum lag of
    its fill on a shared gauge pool, cabling in one or two modes, arrays accepted. No hard
    targets (so nothing can make it infeasible); storage-only ordering on some."""
    racks = draw(st.integers(2, 12))
    per_array = draw(st.integers(2, 6))
    staging = draw(st.integers(1, 4))
    crews = {t: draw(st.integers(1, 3)) for t in TRADES}
    gauges = draw(st.integers(1, 3))
    max_lag = draw(st.sampled_from(["0h", "1h", "2h", "4h"]))
    shift = draw(st.sampled_from(['["06:00-16:00"]', '["06:00-16:00", "16:00-02:00"]',
                                  '["22:00-06:00"]']))
    days = draw(st.sampled_from(['["mon", "tue", "wed", "thu", "fri"]',
                                 '["mon", "tue", "wed", "thu", "fri", "sat", "sun"]']))
    per_day = draw(st.integers(1, 6))
    first = draw(st.sampled_from(["2024-05-06T08:00:00", "2024-05-05T08:00:00",
                                  "2024-05-09T20:00:00"]))
    gauge_cal = draw(st.booleans())
    linked = draw(st.booleans())  # position after receive, or ordered only by the storage
    two_modes = draw(st.booleans())
    drop = draw(st.sampled_from([None, "riggers", "fiber"]))
    scoped = draw(st.booleans())  # a dock and a staging area per array
    half_saturday = draw(st.booleans())
    unbroken = draw(st.booleans())  # the leak test on the crews' calendar, never paused
    working_lag = draw(st.booleans())  # cabling 2 working hours after positioning
    dock = '"array:dock"' if scoped else "dock"
    staging_ref = '"array:staging"' if scoped else '"staging"'
    lines = [f"""
[project]
name = "random build-out"
start = 2024-05-06T06:00:00
timezone = "America/Chicago"
resolution = "1h"

[calendars.crews]
days = {days}
shifts = {shift}
{'sat = ["06:00-12:00"]' if half_saturday else ''}
"""]
    for trade, cap in crews.items():
        lines.append(f'[resources.{trade}]\ncapacity = {cap}\ncalendar = "crews"\n')
        if trade == drop and cap > 1:
            lines.append(f'changes = [{{ from = "30h", capacity = {cap - 1} }}]\n')
    lines.append(f"[resources.gauges]\ncapacity = {gauges}\n"
                 + ('calendar = "crews"\n' if gauge_cal else ""))
    scope = "templates.array." if scoped else ""
    lines.append(f"""[{scope}resources.dock]
capacity = 1
[{scope}storage.staging]
capacity = {staging}
[deliveries.racks]
item = "rack"
quantity = {racks}
first = {first}
per_day = {per_day}

[[levels]]
name = "array"
count = {-(-racks // per_array)}
id = "array-{{01}}"
[[levels]]
name = "rack"
count = {per_array}
total = {racks}
id = "rack-{{1}}"
gpus = 64

[tasks.cooling-loop]
duration = "6h"
uses = {{ pipefitters = 1 }}

[templates.rack.receive]
needs = "rack"
duration = "1h"
uses = {{ {dock} = 1 }}
fills = {staging_ref}
[templates.rack.position]
{'after = ["receive"]' if linked else ''}
duration = "2h"
uses = {{ riggers = 1 }}
empties = {staging_ref}
[templates.rack.power]
after = ["position"]
duration = "2h"
uses = {{ electricians = 1 }}
[templates.rack.cool-connect]
after = ["position", "site:cooling-loop"]
duration = "2h"
uses = {{ pipefitters = 1 }}
[templates.rack.leak-test]
after = [{{ task = "cool-connect", max_lag = "{max_lag}" }}]
duration = "3h"
uses = {{ gauges = 1 }}
{'calendar = "crews"' if unbroken else ''}
{'interruptible = false' if unbroken else ''}
[templates.rack.cable]
after = [{{ task = "position"{', lag = "2h", working = true' if working_lag else ''} }}]
""")
    if two_modes:
        lines.append('modes = [{ duration = "6h", uses = { fiber = 1 } }, '
                     f'{{ duration = "3h", uses = {{ fiber = {min(2, crews["fiber"])} }} }}]\n')
    else:
        lines.append('duration = "4h"\nuses = { fiber = 1 }\n')
    lines.append("""[templates.array.accept]
after = ["rack:power", "rack:leak-test", "rack:cable"]
duration = 0
online = true
""")
    return "".join(lines)
