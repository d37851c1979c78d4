"""Malformed plans of every shape give PlanInvalid (one line per problem), never a traceback and
never a silent acceptance."""

import pytest

from rackplan.scheduler.errors import PlanInvalid
from rackplan.scheduler.load import plan_from_toml

BASE = '[project]\nname = "x"\nstart = 2024-01-01\n'
BAD_HEADERS = [
    BASE,
    BASE.replace("start = 2024-01-01", 'start = "soon"'),
    '[project]\nstart = 2024-01-01\nresolution = "7min"\ntimezone = 5\n',
]

MALFORMED = [
 'tasks = 5', 'tasks = []', '[tasks.a]\nduration = 5\nafter = 5', '[tasks.a]\nduration = "1h"\nafter = [5]',
 '[tasks.a]\nduration = "1h"\nuses = "crew"', '[tasks.a]\nduration = "1h"\nuses = { x = "a" }',
 '[resources.c]\ncapacity = "two"', '[resources.c]\ncapacity = 2\nchanges = 5', '[resources.c]\ncapacity = 2\nchanges = [5]',
 '[calendars.c]\nshifts = "08:00-16:00"', '[calendars.c]\nholidays = ["x"]', '[calendars.c]\noff = [{from = 1}]',
 'levels = 5', '[[levels]]\nname = "r"\ncount = 0', '[[levels]]\nname = 5', '[[levels]]\ncount = 2',
 '[templates]\nr = 5', '[templates.r.x]\nduration = "1h"', 'templates = 4',
 '[targets.t]\nby = 5', '[targets.t]\nby = "x"', '[targets.t]\nby = "1d"\nfinish = 5', '[targets.t]\nby = "1d"\ngpus = "a"',
 '[objective]\nkind = 5', 'objective = 5', '[objective]\nuntil = "zz"',
 '[deliveries.d]\nquantity = 2', '[deliveries.d]\nbatches = 5', '[deliveries.d]\nbatches = [{at = 2024-01-02, quantity = "x"}]',
 '[storage.s]\ncapacity = 0', 'storage = 3', '[tasks.a]\nduration = "1h"\nmodes = 5', '[tasks.a]\nmodes = [5]',
 '[tasks.a]\nduration = "1h"\nafter = [{task = 5}]', '[tasks.a]\nduration = "1h"\nafter = [{task = "a", type = "XX"}]',
 '[tasks.a]\nduration = "1h"\nafter = ["a"]', '[tasks.a]\nduration = "1h"\nneeds = 5', '[tasks.a]\nduration = "1h"\nfills = 5',
 '[tasks.a]\nduration = true', '[tasks.a]\nduration = "1h"\nname = 5', '[tasks.a]\nduration = "1h"\nnot_before = true',
 '[tasks."a/b"]\nduration = "1h"', '[tasks.a]\nduration = "1h"\ngpus = -1', '[tasks.a]\nduration = "1h"\nelapsed = "yes"',
 '[tasks.a]\nduration = "1h"\ncalendar = 5', '[tasks.a]\nduration = "1h"\nafter = ["site:zz", "x:y", ":", "a/"]',
]


@pytest.mark.parametrize("snippet", MALFORMED)
@pytest.mark.parametrize("header", BAD_HEADERS, ids=["ok-header", "bad-start", "bad-project"])
def test_malformed_plan_is_reported(header, snippet):
    """Tests that a malformed plan raises PlanInvalid whose lines all name the file."""
    with pytest.raises(PlanInvalid) as info:
        plan_from_toml("f.toml", header + snippet + "\n")
    assert info.value.problems
    assert all(line.startswith("f.toml") for line in info.value.lines())
