"""`rackplan check` results for people (text), scripts (JSON), CI servers (JUnit XML) and
GitHub Actions (workflow-command annotations on the plan's lines)."""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from tabulate import tabulate

from ..scheduler.check import CheckReport, describe
from ..scheduler.lint import RULES
from ..scheduler.load import locate
from .text import _compress, slack_text, span

OUTCOME_TEXT = {
    "meets": "MEETS every hard target",
    "misses": "MISSES a hard target",
    "infeasible": "INFEASIBLE: no schedule satisfies the plan",
    "unknown": "UNKNOWN: no schedule meeting the targets found, and none ruled out, in time",
}


class Located:
    """Line numbers of plan fields, read once from the plan file."""

    def __init__(self, file: str):
        try:
            self.text = Path(file).read_text(encoding="utf-8")
        except OSError:
            self.text = ""

    def line(self, where: str) -> int | None:
        return locate(self.text, where) if self.text else None


def _when(plan, slot):
    return plan.slot_to_datetime(slot).format("YYYY-MM-DD HH:mm")


def _days(plan, slots) -> float:
    return slots * plan.slot_minutes / 1440


def _loc(report: CheckReport, located: Located, where: str) -> str:
    line = located.line(where)
    return f"{report.plan.file}:{line}" if line else report.plan.file


def miss_lines(report: CheckReport) -> list[str]:
    plan = report.plan
    out = []
    for miss in report.misses:
        t = miss.target
        head = f"'{t.label}' is missed by {span(plan, miss.late)}"
        if miss.cause and miss.earliest is not None and miss.earliest > t.due:
            head += (f"; cause: {miss.cause} ({describe(plan, miss.cause)}): even with unlimited "
                     f"crews it cannot be reached before {_when(plan, miss.earliest)}")
        elif miss.earliest is not None and miss.earliest > t.due:
            head += (f"; cause: the chain of work alone: even with unlimited crews it cannot be "
                     f"reached before {_when(plan, miss.earliest)}")
        elif miss.bottleneck:
            head += f"; bottleneck: {miss.bottleneck}"
            if miss.plus_one is not None:
                gain = (t.due + miss.late) - miss.plus_one
                head += (f"; one more {miss.bottleneck} unit: forecast "
                         f"{_when(plan, miss.plus_one)} ({span(plan, gain)} earlier)"
                         if gain > 0 else f"; one more {miss.bottleneck} unit does not help")
            else:
                head += (f"; with one more {miss.bottleneck} unit no schedule was found in the "
                         "time left")
        out.append(head)
    return out


def conflict_lines(report: CheckReport, located: Located) -> list[str]:
    return [f"{_loc(report, located, key)}: {key}: {describe(report.plan, key)}"
            for key in report.conflict]


def lint_lines(report: CheckReport, located: Located) -> list[str]:
    return [f"{_loc(report, located, w.where)}: {w.where}: [{w.rule}] {w.message}"
            for w in report.lints]


def text(report: CheckReport, strict: bool) -> str:
    plan = report.plan
    located = Located(plan.file)
    code = report.exit_code(strict)
    parts = [f"rackplan check: {plan.file}\nresult: {OUTCOME_TEXT[report.outcome]} "
             f"(exit {code})"]
    rows = []
    for v in report.verdicts:
        t = v.target
        if v.forecast is None:
            forecast, slack = "-", ""
        else:
            forecast = _when(plan, v.forecast)
            slack = slack_text(plan, t.due - v.forecast)
        state = "met" if v.met else ("MISSED" if (v.forecast is not None and v.proven) or
                                     report.outcome == "infeasible" else "not met")
        rows.append((t.label, "hard" if t.hard else "soft", _when(plan, t.due), forecast, slack,
                     state))
    if rows:
        parts.append("Targets\n" + tabulate(rows, headers=["target", "kind", "due", "forecast",
                                                           "slack", ""]))
    for miss, line in zip(report.misses, miss_lines(report)):
        chain = [(task, _when(plan, a), _when(plan, b), why)
                 for task, a, b, why in _compress(miss.chain)]
        if len(chain) > 12:
            chain = chain[:2] + [("...", f"{len(chain) - 11} more rows", "", "")] + chain[-9:]
        parts.append(f"Why: {line}\n" + tabulate(chain, headers=["task", "start", "finish",
                                                                 "held back by"]))
    if report.conflict:
        note = ("minimal: dropping any one of them makes the rest feasible"
                if report.conflict_minimal else "not proven minimal within the time limit")
        parts.append(f"These plan statements cannot all hold ({note}):\n"
                     + "\n".join("  " + ln for ln in conflict_lines(report, located)))
    if report.lints:
        parts.append(f"Warnings ({len(report.lints)}; --strict fails on them):\n"
                     + "\n".join("  " + ln for ln in lint_lines(report, located)))
    return "\n\n".join(parts) + "\n"


def to_dict(report: CheckReport, strict: bool) -> dict:
    plan = report.plan
    located = Located(plan.file)
    iso = lambda slot: plan.slot_to_datetime(slot).isoformat()  # noqa: E731
    return {
        "plan": plan.name, "file": plan.file, "outcome": report.outcome,
        "exit_code": report.exit_code(strict), "strict": strict,
        "interrupted": report.interrupted,
        "targets": [{"id": v.target.id, "name": v.target.label, "hard": v.target.hard,
                     "due": iso(v.target.due),
                     "forecast": iso(v.forecast) if v.forecast is not None else None,
                     "met": v.met, "line": located.line(f"targets.{v.target.id}")}
                    for v in report.verdicts],
        "misses": [{"target": m.target.id, "late_slots": m.late,
                    "late_days": round(_days(plan, m.late), 2), "bottleneck": m.bottleneck,
                    "forecast_with_one_more": iso(m.plus_one) if m.plus_one is not None
                    else None, "reason": line, "cause": m.cause,
                    "earliest_with_unlimited_crews": iso(m.earliest) if m.earliest is not None
                    else None,
                    "chain": [{"task": c.task, "start": iso(c.start), "finish": iso(c.finish),
                               "held_back_by": c.reason} for c in m.chain]}
                   for m, line in zip(report.misses, miss_lines(report))],
        "conflict": {"minimal": report.conflict_minimal,
                     "statements": [{"key": k, "line": located.line(k),
                                     "text": describe(plan, k)} for k in report.conflict]},
        "lints": [{"rule": w.rule, "where": w.where, "line": located.line(w.where),
                   "message": w.message} for w in report.lints],
    }


def junit(report: CheckReport, strict: bool) -> str:
    """One test case per target and per lint rule (and one for feasibility)."""
    plan = report.plan
    located = Located(plan.file)
    cases = []
    misses = dict(zip((m.target.id for m in report.misses), miss_lines(report)))
    conflict = "\n".join(conflict_lines(report, located))
    feasible_fail = report.outcome == "infeasible"
    cases.append(_case("rackplan.feasibility", "plan has a schedule", plan.file, None,
                       ("failure", OUTCOME_TEXT["infeasible"], conflict) if feasible_fail else
                       ("error", OUTCOME_TEXT["unknown"], "") if report.outcome == "unknown"
                       else None))
    for v in report.verdicts:
        t = v.target
        problem = None
        if t.hard and not v.met:
            if t.id in misses:
                problem = ("failure", misses[t.id], conflict)
            elif report.outcome == "unknown":
                problem = ("error", OUTCOME_TEXT["unknown"], "")
            else:
                problem = ("failure", f"hard target '{t.label}' cannot be met", conflict)
        out = "" if v.met or t.hard else f"soft target not met (forecast {v.forecast})"
        cases.append(_case("rackplan.targets", t.id, plan.file,
                           located.line(f"targets.{t.id}"), problem, out))
    for rule, meaning in RULES.items():
        found = [w for w in report.lints if w.rule == rule]
        lines = "\n".join(lint_lines(report, located)[i] for i, w in enumerate(report.lints)
                          if w.rule == rule)
        problem = ("failure", f"{len(found)} warning(s): {meaning}", lines) if found and \
            strict else None
        cases.append(_case("rackplan.lint", rule, plan.file, None, problem,
                           lines if found and not strict else ""))
    failures = sum(1 for c in cases if "<failure" in c)
    errors = sum(1 for c in cases if "<error" in c)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="rackplan check" tests="{len(cases)}" failures="{failures}" '
            f'errors="{errors}">\n'
            f'<testsuite name={quoteattr(plan.file)} tests="{len(cases)}" '
            f'failures="{failures}" errors="{errors}">\n' + "".join(cases)
            + "</testsuite>\n</testsuites>\n")


def _case(classname, name, file, line, problem, out="") -> str:
    attrs = f"classname={quoteattr(classname)} name={quoteattr(name)} file={quoteattr(file)}"
    if line:
        attrs += f' line="{line}"'
    body = ""
    if problem:
        kind, message, detail = problem
        body += f"<{kind} message={quoteattr(message)} type={quoteattr(kind)}>" \
                f"{escape(detail)}</{kind}>"
    if out:
        body += f"<system-out>{escape(out)}</system-out>"
    return f"  <testcase {attrs}>{body}</testcase>\n"


def github_annotations(report: CheckReport) -> list[str]:
    """`::error file=...,line=...::` lines GitHub Actions turns into annotations on the plan."""
    plan = report.plan
    located = Located(plan.file)
    out = []
    for miss, line in zip(report.misses, miss_lines(report)):
        out.append(annotation("error", plan.file, located.line(f"targets.{miss.target.id}"),
                              line))
    if report.outcome == "infeasible" and not report.conflict:
        out.append(annotation("error", plan.file, None, OUTCOME_TEXT["infeasible"]))
    for key in report.conflict:
        out.append(annotation("error", plan.file, located.line(key),
                              f"{key}: {describe(plan, key)} (part of a conflict)"))
    if report.outcome == "unknown":
        out.append(annotation("error", plan.file, None, OUTCOME_TEXT["unknown"]))
    for w in report.lints:
        out.append(annotation("warning", plan.file, located.line(w.where),
                              f"{w.where}: [{w.rule}] {w.message}"))
    return out


def annotation(kind: str, file: str, line: int | None, message: str) -> str:
    where = f"file={file}" + (f",line={line}" if line else "")
    message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{kind} {where},title=rackplan check::{message}"


def check_json(report: CheckReport, strict: bool) -> str:
    return json.dumps(to_dict(report, strict), indent=1) + "\n"
