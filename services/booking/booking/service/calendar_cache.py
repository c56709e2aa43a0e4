"""Each center's working calendar, kept in the process for a short while.

Overrides and loaded official years change only through booking's admin API: the replica
that changes them forgets its copies at once (after the commit), and the others read them
again once their copy is ``ttl`` seconds old. A read racing with a change cannot put the
old data back: each change moves a generation number on, and a read started before it is
not kept. A loaded year is national: changing one forgets every center's copy.

It also holds the public calendar's kept days (calendar_answers.py), which are only ever
used with the very calendar object they were worked out from.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import asyncpg

from booking.adapters.calendar_overrides import CalendarOverrides
from booking.adapters.official_years import OfficialYears
from booking.domain.center import CenterConfig
from booking.domain.official_calendar import OfficialPackage, OfficialSchedule
from booking.domain.working_calendar import WorkingCalendar
from booking.service.calendar_answers import CalendarAnswers


class CalendarCache:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic,
                 package: OfficialPackage | None = None) -> None:
        self.ttl = ttl
        self.clock = clock
        self.package = package
        self._kept: dict[str, tuple[float, WorkingCalendar]] = {}
        self._generation = 0
        self.answers = CalendarAnswers()

    async def get(self, conn: asyncpg.Connection, center: CenterConfig) -> WorkingCalendar:
        kept = self._kept.get(center.id)
        if kept is not None and self.clock() - kept[0] < self.ttl:
            return kept[1]
        generation, read_at = self._generation, self.clock()
        overrides = await CalendarOverrides(conn).for_center(center.id)
        loaded = await OfficialYears(conn).all()
        official = OfficialSchedule(self.package, loaded) if self.package is not None else None
        calendar = WorkingCalendar(overrides, official=official, loaded=loaded)
        if generation == self._generation and self.ttl > 0:
            self._kept[center.id] = (read_at, calendar)
        return calendar

    def forget(self, center_id: str | None = None) -> None:
        """Call once a change has committed: to the center's overrides, or (None) to a
        loaded official year, which every center reads."""
        self._generation += 1
        if center_id is None:
            self._kept.clear()
        else:
            self._kept.pop(center_id, None)
