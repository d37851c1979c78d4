"""The plan language of risk: duration ranges, delivery delays, the risk register, correlation.

    duration = { min = "3h", likely = "4h", max = "8h", dist = "pert" }   # a task or template
    [uncertainty]                        # tasks without a range of their own
    durations = "-10%..+30%"             # of the likely duration
    dist = "triangular"                  # or "pert" (BetaPERT)
    trades = { fiber = "-5%..+60%" }     # by resource trade (or resource id)
    [uncertainty.groups.vendor-a]        # draws that move together
    tasks = ["rack:burn-in"]             # references as in `after`
    deliveries = ["racks"]
    correlation = 0.8
    [deliveries.racks]
    delay = { p = 0.2, min = "1d", likely = "2d", max = "5d", per = "batch" }
    short = { p = 0.05, units = 4, late = "3d" }
    [risks.ID]
    probability = 0.3
    tasks = ["rack:leak-test"]  extra = "4h" | "+25%"  each = true   (or late = "7d")
    resource = "riggers"  loss = 4  lasting = "3d"
    window = { from = "2026-08-01", to = "2026-10-31" }

Everything becomes slots and shares here, with every problem reported at its field like the
rest of the plan (load.py's error path); `scheduler/risk.py` samples it.
"""

from __future__ import annotations

import re

from .errors import did_you_mean
from .plan import DeliveryRisk, Group, Risk, Spread, Uncertainty

DISTS = ("triangular", "pert")
_RANGE = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*%\s*\.\.\s*([+-]?\d+(?:\.\d+)?)\s*%\s*$")
_SHARE = re.compile(r"^\s*\+\s*(\d+(?:\.\d+)?)\s*%\s*$")
UNCERTAINTY_KEYS = {"durations", "dist", "trades", "groups"}
GROUP_KEYS = {"tasks", "deliveries", "trade", "correlation"}
DELAY_KEYS = {"p", "min", "likely", "max", "per", "dist"}
SHORT_KEYS = {"p", "units", "late"}
RISK_KEYS = {"name", "probability", "tasks", "extra", "late", "each", "resource", "loss",
             "lasting", "window"}


def spread(b, value: dict, where: str, *, positive: bool = True) -> Spread | None:
    """`{ min, likely, max, dist }` as a Spread in slots (None, problems said, if invalid)."""
    if not b.keys(value, {"min", "likely", "max", "dist"}, where):
        return None
    missing = [k for k in ("min", "likely", "max") if k not in value]
    if missing:
        b.ctx.error("missing", f"{where}.{missing[0]}", "is required: a range is written "
                    "{ min = \"3h\", likely = \"4h\", max = \"8h\" }")
        return None
    low, likely, high = (b.slots(value[k], f"{where}.{k}", allow_zero=not positive)
                         for k in ("min", "likely", "max"))
    dist = _dist(b, value, where)
    if None in (low, likely, high) or dist is None:
        return None
    if not low <= likely <= high:
        bad, message = (("min", f"{value['min']!r} is more than likely {value['likely']!r}")
                        if low > likely else
                        ("max", f"{value['max']!r} is less than likely {value['likely']!r}"))
        b.ctx.error("value", f"{where}.{bad}", f"{message}; give min <= likely <= max")
        return None
    return Spread(float(low), float(likely), float(high), dist)


def _dist(b, table, where) -> str | None:
    dist = table.get("dist", "triangular")
    if dist not in DISTS:
        b.ctx.error("value", f"{where}.dist", f"unknown distribution {dist!r}"
                    f"{did_you_mean(str(dist), DISTS)}; use 'triangular' or 'pert'")
        return None
    return dist


def _range(b, value, where) -> tuple[float, float] | None:
    """'-10%..+30%' as (-0.1, 0.3)."""
    m = _RANGE.match(value) if isinstance(value, str) else None
    if not m:
        b.ctx.error("value", where, f"{value!r} is not a range; write e.g. '-10%..+30%'")
        return None
    lo, hi = float(m.group(1)) / 100, float(m.group(2)) / 100
    if not -1 < lo <= 0 <= hi <= 10:
        b.ctx.error("value", where, f"{value!r} must run from above -100% up to 0% and from "
                    "0% to at most +1000%, e.g. '-10%..+30%'")
        return None
    return lo, hi


def _probability(b, table, key, where, *, required=True) -> float:
    value = table.get(key)
    if value is None:
        if required:
            b.ctx.error("missing", f"{where}.{key}", "is required: a probability from 0 to 1, "
                        "e.g. 0.2")
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        b.ctx.error("value", f"{where}.{key}", f"must be a probability from 0 to 1, got "
                    f"{value!r}")
        return 0.0
    return float(value)


def load(b, resolver, resources, deliveries: set[str]) -> Uncertainty:
    """The plan's [uncertainty], the delay and short of each delivery, and [risks.*]."""
    data = b.data.get("uncertainty", {})
    out = Uncertainty()
    if not isinstance(data, dict):
        b.ctx.error("type", "uncertainty", "must be a table")
        data = {}
    b.keys(data, UNCERTAINTY_KEYS, "uncertainty")
    if "durations" in data:
        out.default = _range(b, data["durations"], "uncertainty.durations")
    out.dist = _dist(b, data, "uncertainty") or "triangular"
    out.trades = _trades(b, data.get("trades", {}), resources)
    out.deliveries = _deliveries(b)
    out.risks = _risks(b, resolver, resources)
    out.groups = _groups(b, data.get("groups", {}), resolver, resources, deliveries)
    return out


def _trades(b, table, resources) -> dict[str, tuple[float, float]]:
    if not isinstance(table, dict):
        b.ctx.error("type", "uncertainty.trades", "must be a table {trade = \"-10%..+30%\"}")
        return {}
    known = {r.trade for r in resources.values()} | set(resources)
    out = {}
    for trade, value in table.items():
        where = f"uncertainty.trades.{trade}"
        if trade not in known:
            b.ctx.error("unknown_ref", where, f"no resource has trade '{trade}'"
                        f"{did_you_mean(trade, sorted(known))}")
            continue
        rng = _range(b, value, where)
        if rng:
            out[trade] = rng
    return out


def _deliveries(b) -> dict[str, DeliveryRisk]:
    out = {}
    section = b.data.get("deliveries", {})
    for did, table in (section.items() if isinstance(section, dict) else ()):
        if not isinstance(table, dict) or not ({"delay", "short"} & set(table)):
            continue
        where = f"deliveries.{did}"
        risk = DeliveryRisk()
        if "delay" in table:
            risk = _delay(b, table["delay"], f"{where}.delay") or risk
        if "short" in table:
            risk = _short(b, table["short"], f"{where}.short", risk)
        out[did] = risk
    return out


def _delay(b, table, where) -> DeliveryRisk | None:
    if not b.keys(table, DELAY_KEYS, where):
        return None
    p = _probability(b, table, "p", where, required=False) if "p" in table else 1.0
    if "likely" not in table:  # min..max only: the likely delay halfway
        table = dict(table)
        for key in ("min", "max"):
            if key not in table:
                b.ctx.error("missing", f"{where}.{key}", "is required, e.g. "
                            "delay = { p = 0.2, min = \"1d\", max = \"5d\" }")
                return None
        low, high = (b.slots(table[k], f"{where}.{k}") for k in ("min", "max"))
        if low is None or high is None:
            return None
        if low > high:
            b.ctx.error("value", f"{where}.min", f"{table['min']!r} is more than max "
                        f"{table['max']!r}; give min <= max")
            return None
        delay = Spread(float(low), (low + high) / 2, float(high), _dist(b, table, where) or
                       "triangular")
    else:
        delay = spread(b, {k: v for k, v in table.items() if k not in ("p", "per")}, where,
                       positive=False)
        if delay is None:
            return None
    per = table.get("per", "batch")
    if per not in ("batch", "delivery"):
        b.ctx.error("value", f"{where}.per", f"must be 'batch' (each truck on its own) or "
                    f"'delivery' (all of it together), got {per!r}")
    return DeliveryRisk(p=p, delay=delay, whole=per == "delivery")


def _short(b, table, where, risk: DeliveryRisk) -> DeliveryRisk:
    if not b.keys(table, SHORT_KEYS, where):
        return risk
    p = _probability(b, table, "p", where)
    units = b.int_(table, "units", where, minimum=1) or 0
    if "late" not in table:
        b.ctx.error("missing", f"{where}.late", "is required: how much later the missing "
                    "units come, e.g. '3d'")
        return risk
    late = b.slots(table["late"], f"{where}.late", allow_zero=False) or 0
    return DeliveryRisk(risk.p, risk.delay, risk.whole, p, units, late)


def _risks(b, resolver, resources) -> dict[str, Risk]:
    section = b.data.get("risks", {})
    if not isinstance(section, dict):
        b.ctx.error("type", "risks", "must be a table of [risks.ID] entries")
        return {}
    out = {}
    for rid, table in section.items():
        where = f"risks.{rid}"
        if not b.keys(table, RISK_KEYS, where):
            continue
        risk = _risk(b, rid, table, where, resolver, resources)
        if risk is not None:
            out[rid] = risk
    return out


def _risk(b, rid, table, where, resolver, resources) -> Risk | None:
    probability = _probability(b, table, "probability", where)
    window = _window(b, table.get("window"), f"{where}.window")
    has_tasks, has_crew = "tasks" in table, "resource" in table
    if has_tasks == has_crew:
        b.ctx.error("value", where, "give either 'tasks' with 'extra' (more work) or 'late' "
                    "(held past their release), or 'resource' with 'lasting' (crews lost for "
                    "a while)")
        return None
    if has_tasks:
        tasks = _refs(b, resolver, table["tasks"], f"{where}.tasks")
        each = b.bool_(table, "each", where)
        if "late" in table:
            if "extra" in table:
                b.ctx.error("value", f"{where}.late", "give either 'extra' or 'late', not both")
            late = b.slots(table["late"], f"{where}.late", allow_zero=False) or 0
            return Risk(rid, probability, tasks=tasks, late=late, each=each, window=window)
        extra, share = _extra(b, table, where)
        return Risk(rid, probability, tasks=tasks, extra=extra, extra_share=share,
                    each=each, window=window)
    resource = b.name_(table, "resource", where, resources, "resource")
    loss = b.int_(table, "loss", where, default=0) or 0
    if "lasting" not in table:
        b.ctx.error("missing", f"{where}.lasting", "is required: how long the crews are "
                    "lost, e.g. '3d'")
        return None
    lasting = b.slots(table["lasting"], f"{where}.lasting", allow_zero=False)
    if resource is None or lasting is None:
        return None
    return Risk(rid, probability, resource=resource, loss=loss, lasting=lasting, window=window)


def _extra(b, table, where) -> tuple[int, float]:
    value = table.get("extra")
    if value is None:
        b.ctx.error("missing", f"{where}.extra", "is required: more work on each task, e.g. "
                    "'4h' or '+25%'")
        return 0, 0.0
    m = _SHARE.match(value) if isinstance(value, str) else None
    if m:
        return 0, float(m.group(1)) / 100
    return b.slots(value, f"{where}.extra", allow_zero=False) or 0, 0.0


def _window(b, table, where) -> tuple[int, int] | None:
    if table is None:
        return None
    if not b.keys(table, {"from", "to"}, where):
        return None
    ends = []
    for key in ("from", "to"):
        if key not in table:
            b.ctx.error("missing", f"{where}.{key}", "is required: a date, e.g. '2026-08-01'")
            return None
        ends.append(b.when(table[key], f"{where}.{key}"))
    if None in ends:
        return None
    if ends[0] >= ends[1]:
        b.ctx.error("value", f"{where}.to", "must be after 'from'")
        return None
    return max(0, ends[0]), ends[1]


def _refs(b, resolver, value, where) -> tuple[str, ...]:
    refs = value if isinstance(value, list) else [value]
    out: list[str] = []
    for i, ref in enumerate(refs):
        out += resolver.resolve(ref, b.site, f"{where}[{i}]" if len(refs) > 1 else where)
    return tuple(dict.fromkeys(out))


def _groups(b, section, resolver, resources, deliveries) -> dict[str, Group]:
    if not isinstance(section, dict):
        b.ctx.error("type", "uncertainty.groups", "must be a table of groups")
        return {}
    out = {}
    for gid, table in section.items():
        where = f"uncertainty.groups.{gid}"
        if not b.keys(table, GROUP_KEYS, where):
            continue
        corr = _probability(b, table, "correlation", where)
        tasks = set(_refs(b, resolver, table["tasks"], f"{where}.tasks")
                    if "tasks" in table else ())
        trade = table.get("trade")
        if trade is not None:
            crews = {rid for rid, r in resources.items() if trade in (r.trade, rid)}
            if not crews:
                b.ctx.error("unknown_ref", f"{where}.trade", f"no resource has trade "
                            f"'{trade}'{did_you_mean(str(trade), sorted({r.trade for r in resources.values()}))}")
            tasks |= {t.id for t in resolver.built.values()
                      if any(r in crews for m in t.modes for r in m.demands)}
        names = table.get("deliveries", [])
        names = names if isinstance(names, list) else [names]
        for name in names:
            if name not in deliveries:
                b.ctx.error("unknown_ref", f"{where}.deliveries", f"unknown delivery {name!r}"
                            f"{did_you_mean(str(name), sorted(deliveries))}")
        if not tasks and not names:
            b.ctx.error("missing", where, "names no tasks, trade or deliveries")
        out[gid] = Group(gid, corr, frozenset(tasks), frozenset(n for n in names
                                                                 if n in deliveries))
    return out
