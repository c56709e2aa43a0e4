"""Each center's working calendar, kept in the process for a short while.

Overrides change only through booking's admin API: the replica that changes them forgets
its copy at once (after the commit), and the others read them again once their copy is
``ttl`` seconds old. A read racing with a change cannot put the old overrides back: each
change moves a generation number on, and a read started before it is not kept.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import asyncpg

from ..adapters.calendar_overrides import CalendarOverrides
from ..domain.center import CenterConfig
from ..domain.working_calendar import WorkingCalendar


class CalendarCache:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._kept: dict[str, tuple[float, WorkingCalendar]] = {}
        self._generation = 0

    async def get(self, conn: asyncpg.Connection, center: CenterConfig) -> WorkingCalendar:
        kept = self._kept.get(center.id)
        if kept is not None and self.clock() - kept[0] < self.ttl:
            return kept[1]
        generation, read_at = self._generation, self.clock()
        calendar = WorkingCalendar(await CalendarOverrides(conn).for_center(center.id))
        if generation == self._generation and self.ttl > 0:
            self._kept[center.id] = (read_at, calendar)
        return calendar

    def forget(self, center_id: str) -> None:
        """Call once a change to the center's overrides has committed."""
        self._generation += 1
        self._kept.pop(center_id, None)
