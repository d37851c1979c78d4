"""Parsing the plan's small value types: durations ('2h', '30min', '3d'), clock times, dates."""

from __future__ import annotations

import datetime as dt
import re

import pendulum

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(min|m|h|d|w)\s*$")
_MINUTES = {"min": 1, "m": 1, "h": 60, "d": 1440, "w": 10080}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class ValueProblem(ValueError):
    """A value could not be parsed; the message says what is expected."""


def parse_minutes(value) -> int:
    """'1.5h' -> 90. Plain integers are not accepted here (callers decide what they mean)."""
    if isinstance(value, str) and value.strip().startswith("-"):
        raise ValueProblem(f"{value!r} is negative; durations must be positive")
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            minutes = float(match.group(1)) * _MINUTES[match.group(2)]
            if minutes == int(minutes):
                return int(minutes)
    raise ValueProblem(f"{value!r} is not a duration; write e.g. '90min', '2h', '3d' or '1w'")


def to_slots(value, slot_minutes: int, *, allow_zero: bool = True) -> int:
    """A duration (string with unit, or an int number of slots) in whole slots."""
    if isinstance(value, bool):
        raise ValueProblem(f"{value!r} is not a duration; write e.g. '2h'")
    if isinstance(value, int):
        slots = value
    else:
        minutes = parse_minutes(value)
        if minutes % slot_minutes:
            raise ValueProblem(
                f"{value!r} is not a whole number of {fmt_minutes(slot_minutes)} slots; "
                f"use a multiple of the project resolution"
            )
        slots = minutes // slot_minutes
    if slots < 0 or (slots == 0 and not allow_zero):
        raise ValueProblem(f"{value!r} must be positive")
    return slots


def fmt_minutes(minutes: int) -> str:
    for unit, size in (("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}min"


def parse_clock_range(text) -> tuple[int, int]:
    """'16:00-02:00' -> (960, 1560): an end at or before the start runs past midnight."""
    parts = text.split("-") if isinstance(text, str) else []
    if len(parts) == 2:
        a, b = (_clock(p.strip()) for p in parts)
        if a is not None and b is not None and a < 1440:
            if b <= a:
                b += 1440
            return a, b
    raise ValueProblem(f"{text!r} is not a shift; write 'HH:MM-HH:MM', e.g. '06:00-16:00'")


def _clock(text: str) -> int | None:
    match = _CLOCK.match(text)
    if not match:
        return None
    h, m = int(match.group(1)), int(match.group(2))
    if m >= 60 or h > 24 or (h == 24 and m):
        return None
    return h * 60 + m


def parse_weekday(name) -> int:
    key = str(name).strip().lower()[:3]
    if key in _WEEKDAYS and isinstance(name, str):
        return _WEEKDAYS.index(key)
    raise ValueProblem(f"{name!r} is not a weekday; use mon, tue, wed, thu, fri, sat, sun")


def parse_datetime(value, tz: str) -> pendulum.DateTime:
    """A TOML date/datetime or ISO string; naive values are local time in the project's zone."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return pendulum.instance(value, tz=tz)
        return pendulum.instance(value).in_timezone(tz)
    if isinstance(value, dt.date):
        return pendulum.datetime(value.year, value.month, value.day, tz=tz)
    if isinstance(value, str):
        try:
            parsed = pendulum.parse(value, tz=tz, strict=False)
        except Exception:
            parsed = None
        if isinstance(parsed, pendulum.DateTime):
            return parsed.in_timezone(tz)
        if isinstance(parsed, pendulum.Date):
            return pendulum.datetime(parsed.year, parsed.month, parsed.day, tz=tz)
    raise ValueProblem(f"{value!r} is not a date; write e.g. 2024-05-06 or 2024-05-06T06:00:00")


def parse_date(value) -> str:
    """A holiday: an ISO date string."""
    if isinstance(value, dt.datetime):
        raise ValueProblem(f"{value!r} is a date-time; a holiday is a date like 2024-07-04")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValueProblem(f"{value!r} is not a date; write e.g. 2024-07-04")
