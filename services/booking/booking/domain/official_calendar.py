"""The official (national) schedule of working days, a year at a time.

Two sources, per year: a schedule an administrator loaded (from the State Council's notice,
国务院办公厅关于部分节假日安排的通知), which wins while it is loaded, and the holiday package
(chinese_calendar), which knows the years up to its release. A year neither knows is
*unconfirmed*: its days fall back to Monday-Friday for the searches, but none of them is
ever released for booking (release.py), so a missing notice cannot open a holiday.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

from shared.errors import Unprocessable

YearSource = Literal["admin", "package"]
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_LISTED = 366


class OfficialPackage(Protocol):
    """What the holiday package tells (adapters/official_package.py)."""

    def knows(self, year: int) -> bool: ...

    def is_working(self, day: date) -> bool | None: ...

    def year_lists(self, year: int) -> tuple[list[date], list[date]]: ...


@dataclass(frozen=True)
class OfficialYear:
    """A loaded year: the holidays (days off, weekends inside a holiday period included)
    and the 调休 weekend days that are worked. Every other day: Monday-Friday."""
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_working(self, day: date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        return day.weekday() < 5


@dataclass
class OfficialSchedule:
    package: OfficialPackage
    loaded: Mapping[int, OfficialYear] = field(default_factory=dict)

    def source(self, year: int) -> YearSource | None:
        if year in self.loaded:
            return "admin"
        return "package" if self.package.knows(year) else None

    def is_working(self, day: date) -> bool | None:
        """The official answer, or None when the day's year is unconfirmed."""
        loaded = self.loaded.get(day.year)
        if loaded is not None:
            return loaded.is_working(day)
        return self.package.is_working(day)


# --- checking a year an administrator loads -----------------------------------------------

class YearInvalid(Unprocessable):
    code = "calendar.year_invalid"
    title = f"The year must be between {MIN_YEAR} and {MAX_YEAR}"


class DateOutsideYear(Unprocessable):
    code = "calendar.date_outside_year"
    title = "A listed date is not in this year"


class DateInBothLists(Unprocessable):
    code = "calendar.date_in_both_lists"
    title = "A date cannot be both a holiday and a working day"


class WorkdayNotWeekend(Unprocessable):
    code = "calendar.workday_not_weekend"
    title = "A listed working day (调休) must be a Saturday or Sunday"


def check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise YearInvalid(f"{year} is not between {MIN_YEAR} and {MAX_YEAR}")


def official_year(year: int, holidays: Iterable[date], workdays: Iterable[date]) -> OfficialYear:
    """The year as loaded, or the first refusal. Weekend holidays are accepted: the notices
    list whole holiday periods (10月1日至7日) with their weekends, and pasting one as it is
    must work; a weekday listed as a working day would change nothing, so it is a mistake."""
    check_year(year)
    off, on = frozenset(holidays), frozenset(workdays)
    outside = sorted(d for d in off | on if d.year != year)
    if outside:
        raise DateOutsideYear(f"{len(outside)} date(s) are not in {year}", dates=_iso(outside))
    both = sorted(off & on)
    if both:
        raise DateInBothLists(f"{len(both)} date(s) are in both lists", dates=_iso(both))
    weekdays = sorted(d for d in on if d.weekday() < 5)
    if weekdays:
        raise WorkdayNotWeekend(f"{len(weekdays)} listed working day(s) are Monday-Friday already",
                                dates=_iso(weekdays))
    return OfficialYear(year, off, on)


def _iso(days: list[date]) -> list[str]:
    return [d.isoformat() for d in days]
