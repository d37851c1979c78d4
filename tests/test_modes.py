"""Modes no optimal schedule needs (scheduler/modes.py), and the solver and list scheduler
leaving them out."""

from conftest import FAST, make_plan

from rackplan.scheduler.calendar import Calendars
from rackplan.scheduler.cpsat import solve
from rackplan.scheduler.cpsat.model import RackplanModel
from rackplan.scheduler.heuristic import list_schedule
from rackplan.scheduler.modes import usable_modes
from rackplan.scheduler.plan import Budget, Mode, Plan, Task
from rackplan.scheduler.schedule import SolveStatus
from rackplan.scheduler.verify import verify

CREW = """
[resources.crew]
capacity = 2
"""


def test_dominated_modes_are_dropped():
    """Tests each rule of dominance: mode 1 is slower with the same crew (dropped), mode 2 uses
    more crew for the same time (dropped), mode 3 repeats mode 0 (dropped: the first stays),
    mode 4 is slower but needs no crew (kept)."""
    plan = make_plan(CREW + """
[tasks.a]
modes = [{ duration = "2h", uses = { crew = 1 } },
         { duration = "3h", uses = { crew = 1 } },
         { duration = "2h", uses = { crew = 2 } },
         { duration = "2h", uses = { crew = 1 } },
         { duration = "5h" }]
""")
    assert usable_modes(plan) == {"a": (0, 4)}


def test_a_faster_mode_that_costs_more_is_kept():
    """Tests that a trade-off is not dominance: 4 h free or 2 h with overtime both stay."""
    plan = make_plan("""
[budgets.overtime]
total = 10
[tasks.a]
modes = [{ duration = "4h" }, { duration = "2h", spends = { overtime = 3 } }]
""")
    assert usable_modes(plan) == {"a": (0, 1)}


def _budget_plan(total: int) -> Plan:
    """Two tasks, each 4 h at no cost or 1 h for 3 units (task a) or 2 units (task b)."""
    tasks = {
        "a": Task("a", "a", (Mode(4), Mode(1, spends={"B": 3})), None),
        "b": Task("b", "b", (Mode(4, spends={"B": 1}), Mode(1, spends={"B": 2})), None),
    }
    base = make_plan("[tasks.x]\nduration = 1")
    return Plan(name="t", file="t.toml", start=base.start, timezone="UTC", slot_minutes=60,
                calendars={}, resources={}, storages={}, tasks=tasks, targets={},
                objective=base.objective, budgets={"B": Budget("B", total)})


def test_a_mode_the_budget_cannot_pay_for_is_dropped():
    """Tests the budget rule with a total of 3: b spends at least 1, so a's 3-unit mode would
    make 4 > 3 and goes; b's 2-unit mode fits with a's free mode (2 <= 3) and stays."""
    assert usable_modes(_budget_plan(3)) == {"a": (0,), "b": (0, 1)}
    assert usable_modes(_budget_plan(4)) == {"a": (0, 1), "b": (0, 1)}


def test_the_budget_rule_is_skipped_when_explaining_conflicts():
    """Tests exact=False: budgets may be dropped when explaining infeasibility, so only
    dominance counts there."""
    assert usable_modes(_budget_plan(3), exact=False) == {"a": (0, 1), "b": (0, 1)}


def test_a_task_with_no_affordable_mode_keeps_them_all():
    """Tests an infeasible budget (b alone needs 1 of 0): every mode of both tasks fails the
    budget rule, nothing is dropped, and the solver reports INFEASIBLE on the plan as written."""
    plan = _budget_plan(0)
    assert usable_modes(plan) == {"a": (0, 1), "b": (0, 1)}
    assert solve(plan, FAST).status == SolveStatus.INFEASIBLE


def test_solver_and_list_scheduler_never_pick_a_dropped_mode():
    """Tests a chain of two tasks where the dropped mode ties with the kept one (same length,
    more crew): both ways of scheduling use mode 0, and the optimum is 2 + 2 = 4 h."""
    plan = make_plan(CREW + """
[tasks.a]
modes = [{ duration = "2h", uses = { crew = 2 } }, { duration = "2h", uses = { crew = 1 } }]
[tasks.b]
after = ["a"]
modes = [{ duration = "2h", uses = { crew = 2 } }, { duration = "2h", uses = { crew = 1 } }]
""")
    assert usable_modes(plan) == {"a": (1,), "b": (1,)}
    listed = list_schedule(plan)
    assert verify(plan, listed) == []
    assert {st.mode for st in listed.values()} == {1}
    result = solve(plan, FAST)
    assert result.status == SolveStatus.OPTIMAL and result.makespan == 4
    assert {st.mode for st in result.tasks.values()} == {1}


def _built(plan, relax=False) -> RackplanModel:
    """The CP-SAT model of a small plan (horizon 20 slots), as solve() or check would build it."""
    return RackplanModel(plan, Calendars(plan), 20, 0, relax=relax).build()


def test_model_records_the_usable_modes():
    """Tests that the CP-SAT model is built with the same filter (its literals for dropped
    modes are fixed to false; the test above shows the effect)."""
    plan = _budget_plan(3)
    built = _built(plan)
    assert built.usable == {"a": (0,), "b": (0, 1)}
    relaxed = _built(plan, relax=True)
    assert relaxed.usable == {"a": (0, 1), "b": (0, 1)}


# Three tasks, each pair too much for one of three crews of 2 (a+b on x, b+c on y, a+c on z),
# and a task d that fits beside any of them.
TRIANGLE = """
[resources.x]
capacity = 2
[resources.y]
capacity = 2
[resources.z]
capacity = 2
[tasks.a]
duration = "3h"
uses = { x = 1, z = 2 }
[tasks.b]
duration = "2h"
uses = { x = 2, y = 1 }
[tasks.c]
duration = "4h"
uses = { y = 2, z = 1 }
[tasks.d]
duration = "5h"
"""


def test_tasks_that_clash_pairwise_on_different_crews_form_one_clique():
    """Tests the redundant no-overlap: no crew sees all three of a, b, c, but they clash
    pairwise, so they run one at a time: 3 + 2 + 4 = 9 h; d (5 h) runs beside them."""
    plan = make_plan(TRIANGLE)
    built = _built(plan)
    assert [sorted(c) for c in built.cliques] == [["a", "b", "c"]]
    result = solve(plan, FAST)
    assert result.status == SolveStatus.OPTIMAL and result.makespan == 9
    # Explaining infeasibility may drop a crew's capacity: no clique may outlive it.
    assert _built(plan, relax=True).cliques == []


def test_precedence_joins_a_clique():
    """Tests a chain a -> c next to b, which clashes with a on one crew and with c on another:
    one clique of three (one precedence pair, two crew conflicts), optimum 2 + 2 + 2 = 6 h."""
    plan = make_plan("""
[resources.crew]
capacity = 3
[resources.lift]
capacity = 1
[tasks.a]
duration = "2h"
uses = { crew = 2 }
[tasks.b]
duration = "2h"
uses = { crew = 2, lift = 1 }
[tasks.c]
duration = "2h"
uses = { lift = 1 }
after = ["a"]
""")
    built = _built(plan)
    assert [sorted(c) for c in built.cliques] == [["a", "b", "c"]]
    assert solve(plan, FAST).makespan == 6


def test_crew_work_limit_is_tight_but_valid():
    """Tests the linear limit on a crew's work in the modes chosen, where it is exactly tight.
    p (3 h) comes first and c (2 h) last; between them a and b each take 2 h on the one-person
    crew or 5 h without it. Both on the crew: 3 + 2 + 2 + 2 = 9 h, and their 4 h of work fill
    the window 9 - 3 - 2 = 4 h exactly; any other choice takes 3 + 5 + 2 = 10 h. The optimum
    is 9 h with both on the crew (a limit off by one slot would make it 10)."""
    plan = make_plan("""
[resources.crew]
capacity = 1
[tasks.p]
duration = "3h"
[tasks.a]
after = ["p"]
modes = [{ duration = "2h", uses = { crew = 1 } }, { duration = "5h" }]
[tasks.b]
after = ["p"]
modes = [{ duration = "2h", uses = { crew = 1 } }, { duration = "5h" }]
[tasks.c]
duration = "2h"
after = ["a", "b"]
""")
    result = solve(plan, FAST)
    assert result.status == SolveStatus.OPTIMAL and result.makespan == 9
    assert result.tasks["a"].mode == 0 and result.tasks["b"].mode == 0
