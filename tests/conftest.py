import textwrap
from pathlib import Path

import pytest

from rackplan.scheduler.cpsat import SolveOptions, solve
from rackplan.scheduler.load import plan_from_toml

ROOT = Path(__file__).resolve().parent.parent
FAST = SolveOptions(time_limit=10, workers=1, seed=0)

HEADER = """
[project]
name = "test"
start = 2024-01-01T00:00:00     # a Monday
timezone = "UTC"
resolution = "1h"
"""


def make_plan(body: str, header: str = HEADER):
    """A plan from TOML text; the default header starts Monday 2024-01-01 00:00 UTC, 1 h slots."""
    return plan_from_toml("test.toml", textwrap.dedent(header) + textwrap.dedent(body))


def solve_text(body: str, header: str = HEADER, options: SolveOptions = FAST):
    return solve(make_plan(body, header), options)


@pytest.fixture
def root() -> Path:
    return ROOT


MAX_LAG_PLAN = """
[resources.crew]
capacity = 1
[tasks.x]
duration = "4h"
uses = { crew = 1 }
[tasks.fill]
duration = "1h"
[tasks.test]
duration = "1h"
uses = { crew = 1 }
after = [{ task = "fill", max_lag = "1h" }]
"""


# Two halls of two racks: the site of several plan-language tests.
HALLS_OF_RACKS = """[[levels]]
name = "hall"
count = 2
id = "hall-{A}"
[[levels]]
name = "rack"
count = 2
id = "rack-{1}"
"""
