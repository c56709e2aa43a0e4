"""Clock times of the service day as whole minutes since midnight.

The scheduler adds and compares integers (fast, exact, no float drift); values are
turned back into ``time``/``datetime`` only at the edges.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta


def to_minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def to_time(minutes: int) -> time:
    """A time of day; only for minutes inside the day (segments never leave it)."""
    return time(minutes // 60, minutes % 60)


def on_day(midnight: datetime, minutes: int) -> datetime:
    """Center-local wall time ``minutes`` after the service day's ``midnight``. May fall
    on a later date: an overflowing day's estimates can run past midnight and must
    stay truthful."""
    return midnight + timedelta(minutes=minutes)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def hhmm(t: time) -> str:
    """The API's "09:30" form."""
    return f"{t.hour:02d}:{t.minute:02d}"
