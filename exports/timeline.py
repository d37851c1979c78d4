"""Calendar arithmetic shared by the exports: slots <-> local datetimes, day and week buckets,
hours worked per bucket and resource use per bucket, all from a schedule document (the JSON)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass
class Timeline:
    start: datetime  # aware, plan time zone
    slot_minutes: int
    tz: ZoneInfo
    buckets: list[date]  # first local day of each column
    bounds: list[int]  # slot where each bucket starts, plus the end
    weekly: bool

    @classmethod
    def of(cls, doc: dict, scale: str = "auto") -> Timeline:
        tz = ZoneInfo(doc["timezone"])
        start = datetime.fromisoformat(doc["start"]).astimezone(tz)
        slot = doc["slot_minutes"]
        # The chart ends a little after the finish (5%, at least two days), not at a target
        # months later; targets beyond it are named in the Gantt's header instead.
        finish = doc.get("makespan_slots") or 0
        margin = max(2 * 1440 // slot, finish // 20)
        last = finish + margin if finish else max(
            [0] + [t["due_slot"] for t in doc.get("targets", [])])
        end_day = (start + timedelta(minutes=slot * last)).date()
        first = start.date()
        weekly = scale == "week" or (scale == "auto" and (end_day - first).days > 190)
        if weekly:
            first -= timedelta(days=first.weekday())
        step = 7 if weekly else 1
        days = []
        d = first
        while d <= end_day:
            days.append(d)
            d += timedelta(days=step)
        bounds = [max(0, cls._slot_of(start, slot, tz, d)) for d in days]
        bounds.append(cls._slot_of(start, slot, tz, days[-1] + timedelta(days=step)))
        return cls(start, slot, tz, days, bounds, weekly)

    @staticmethod
    def _slot_of(start, slot, tz, day: date) -> int:
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        return int((midnight - start).total_seconds() // 60 // slot)

    def local(self, slot: int) -> datetime:
        """Naive local datetime of a slot, as Excel wants it."""
        moment = self.start + timedelta(minutes=slot * self.slot_minutes)
        return moment.astimezone(self.tz).replace(tzinfo=None)

    def bucket_of(self, slot: int) -> int:
        return max(0, bisect.bisect_right(self.bounds, slot) - 1)

    def hours_by_bucket(self, segments) -> dict[int, float]:
        """Hours of work in each bucket the segments touch."""
        out: dict[int, float] = {}
        for a, b in segments:
            k = self.bucket_of(a)
            while k < len(self.buckets) and self.bounds[k] < b:
                lo, hi = max(a, self.bounds[k]), min(b, self.bounds[k + 1])
                if hi > lo:
                    out[k] = out.get(k, 0.0) + (hi - lo) * self.slot_minutes / 60
                k += 1
        return out


def usage_profiles(doc: dict, horizon: int) -> dict[str, list[int]]:
    """Units of each resource in use in every slot up to `horizon` (from the work segments)."""
    use = {r["id"]: [0] * (horizon + 1) for r in doc["resources"]}
    for task in doc["tasks"]:
        for rid, q in task["resources"].items():
            diff = use[rid]
            for a, b in task["segments"]:
                diff[a] += q
                diff[min(b, horizon)] -= q
    for rid, diff in use.items():
        level = 0
        for t in range(horizon + 1):
            level += diff[t]
            diff[t] = level
    return use


def capacity_at(resource: dict, slot: int) -> int:
    cap = resource["capacity"][0][2]
    for lo, _hi, c in resource["capacity"]:
        if lo <= slot:
            cap = c
    return cap
