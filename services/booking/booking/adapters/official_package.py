"""The holiday package (chinese_calendar) as the official calendar's second source.

chinese_calendar raises NotImplementedError for a year it has no data for; here that is
``None`` (unconfirmed). The seam ``supplement``: years in the package's own shape
({"holidays": [...], "workdays": [...]}) that behave exactly as if the installed release
carried them. Only the test environment passes one (settings.test_package_supplement), to
show a later release taking over a year without an administrator's step.
"""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

import chinese_calendar

from booking.domain.official_calendar import OfficialYear


class ChineseCalendarPackage:
    def __init__(self, supplement: dict[int, OfficialYear] | None = None) -> None:
        self.supplement = dict(supplement or {})
        known = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
        self._years = frozenset(known) | frozenset(self.supplement)

    def knows(self, year: int) -> bool:
        return year in self._years

    def is_working(self, day: date) -> bool | None:
        extra = self.supplement.get(day.year)
        if extra is not None:
            return extra.is_working(day)
        return _package_is_working(day)

    def year_lists(self, year: int) -> tuple[list[date], list[date]]:
        extra = self.supplement.get(year)
        if extra is not None:
            return sorted(extra.holidays), sorted(extra.workdays)
        if year not in self._years:
            return [], []
        return (sorted(d for d in chinese_calendar.holidays if d.year == year),
                sorted(d for d in chinese_calendar.workdays if d.year == year))


def load_supplement(path: str | None) -> dict[int, OfficialYear]:
    """``{"2027": {"holidays": [...], "workdays": [...]}}`` from a JSON file."""
    if not path:
        return {}
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return {int(y): OfficialYear(int(y), frozenset(map(date.fromisoformat, v.get("holidays", []))),
                                 frozenset(map(date.fromisoformat, v.get("workdays", []))))
            for y, v in raw.items()}


# Memoised per date: chinese_calendar validates every call against min()/max() of its
# whole holiday table, which dominated GET /calendar (a 15-day calendar asks a few hundred
# times). The answers never change while the process runs; 8192 dates are ~22 years.
@lru_cache(maxsize=8192)
def _package_is_working(day: date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None
