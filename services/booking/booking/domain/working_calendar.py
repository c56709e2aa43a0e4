"""Which dates are working days (service days) for a center.

The official schedule (official_calendar.py: a year an administrator loaded, else the
holiday package) answers first; administrators' per-center overrides, kept in the
database and passed in, win over it. A day whose year neither source knows is
*unconfirmed*: it falls back to Monday-Friday so that the searches below stay defined,
but it is never released for booking (release.py) nor closed by the scheduler.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Literal

from booking.domain.official_calendar import OfficialPackage, OfficialSchedule, OfficialYear

DaySource = Literal["override", "official", "fallback"]

# A year has never more than a few weeks without a working day; this bounds the searches
# so a calendar overridden into nonsense cannot loop for ever.
_SEARCH_LIMIT_DAYS = 366


def _default_package() -> OfficialPackage:
    from booking.adapters.official_package import ChineseCalendarPackage  # the installed release
    global _PACKAGE
    if _PACKAGE is None:
        _PACKAGE = ChineseCalendarPackage()
    return _PACKAGE


_PACKAGE: OfficialPackage | None = None


class WorkingCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None, *,
                 official: OfficialSchedule | None = None,
                 loaded: Mapping[int, OfficialYear] | None = None) -> None:
        self.overrides: Mapping[date, bool] = dict(overrides or {})
        self.official = official or OfficialSchedule(_default_package(), dict(loaded or {}))

    def is_working(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        official = self.official.is_working(day)
        return official if official is not None else day.weekday() < 5

    def source(self, day: date) -> DaySource:
        """Where ``is_working(day)`` got its answer: ``fallback`` is an unconfirmed year."""
        if day in self.overrides:
            return "override"
        return "official" if self.official.is_working(day) is not None else "fallback"

    def confirmed(self, day: date) -> bool:
        """Whether the day's answer comes from an override or an official schedule: only
        confirmed days are released and closed."""
        return day in self.overrides or self.official.is_working(day) is not None

    def first_unconfirmed(self, after: date, within_days: int) -> date | None:
        """The first unconfirmed day after ``after``, looking ``within_days`` ahead."""
        for i in range(1, within_days + 1):
            day = after + timedelta(days=i)
            if not self.confirmed(day):
                return day
        return None

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
