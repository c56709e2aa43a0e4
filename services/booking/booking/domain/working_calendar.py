"""Which dates are working days (service days) for a center.

Official Chinese working days (weekends, public holidays, 调休 make-up days) come from the
chinese_calendar package; administrators' overrides, kept in the database and passed in,
win over it. A year the package has no data for falls back to Monday-Friday and says so.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import chinese_calendar

DaySource = Literal["override", "official", "fallback"]

# A year has never more than a few weeks without a working day; this bounds the searches
# so a calendar overridden into nonsense cannot loop for ever.
_SEARCH_LIMIT_DAYS = 366


class WorkingCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self.overrides: Mapping[date, bool] = dict(overrides or {})

    def is_working(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        official = _official_is_working(day)
        return official if official is not None else day.weekday() < 5

    def source(self, day: date) -> DaySource:
        """Where ``is_working(day)`` got its answer: shown to admins so that a year running
        on the Monday-Friday fallback is noticed before its holidays arrive."""
        if day in self.overrides:
            return "override"
        return "official" if _official_is_working(day) is not None else "fallback"

    def next_working_days(self, after: date, n: int) -> list[date]:
        """The first ``n`` working days strictly after ``after``."""
        found: list[date] = []
        day = after
        for _ in range(_SEARCH_LIMIT_DAYS):
            if len(found) >= n:
                break
            day += timedelta(days=1)
            if self.is_working(day):
                found.append(day)
        return found

    def previous_working_day(self, before: date) -> date:
        """The last working day strictly before ``before``."""
        day = before
        for _ in range(_SEARCH_LIMIT_DAYS):
            day -= timedelta(days=1)
            if self.is_working(day):
                return day
        raise LookupError(f"no working day in the {_SEARCH_LIMIT_DAYS} days before {before}")


# Memoised per date: chinese_calendar validates every call against min()/max() of its
# whole holiday table, which dominated GET /calendar (a 15-day calendar asks a few hundred
# times). The answers never change while the process runs; 8192 dates are ~22 years.
@lru_cache(maxsize=8192)
def _official_is_working(day: date) -> bool | None:
    """The official answer, or None for a year the package does not know."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None
