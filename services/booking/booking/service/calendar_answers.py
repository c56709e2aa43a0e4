"""The public calendar's days, kept per (center, from, to) in the process (issue 20).

Working out a range's days (each day's horizon and cutoff, the answer model) costs far more
than reading the rows they come from. So every request still reads those rows (capacity
counters and closed dates, one query: adapters/capacity.py calendar_rows), and kept days
are used only while all that they were made from is unchanged:

* the rows are equal to the ones just read: a booking, a cancellation, a capacity change
  or a closed date shows at the next request on every replica, never later;
* the working calendar is the same object (calendar_cache.py's copy, a new object each
  time it is read again): overrides and official years show as they did before this cache;
* the service clock is inside the interval over which no day's bookability changes: from
  the instant they were worked out up to the next cutoff instant of a day in the range or
  the center's next midnight, whichever comes first (a clock moved back misses too).

The rows are read once per request, or once for all the requests of a range that arrive
while a read of it is running (calendar_reads.py: always a read that started after they
arrived). ``now`` is the request's own. Nothing is stale beyond what the rows and the working
calendar already are, so there is no bound to document; the cost of a reuse is the query.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from booking.domain.center import CenterConfig
from booking.domain.release import cutoff_at
from booking.domain.working_calendar import WorkingCalendar
from booking.service.calendar_reads import SharedReads

Rows = tuple[tuple[Any, ...], ...]
MAX_KEPT = 64   # ranges kept per process (clients choose from/to): at most ~4 MB of days


@dataclass(frozen=True)
class Kept:
    rows: Rows
    calendar: WorkingCalendar
    valid_from: datetime
    valid_until: datetime
    days: list[dict]

    def fits(self, rows: Rows, calendar: WorkingCalendar, now: datetime) -> bool:
        return self.calendar is calendar and self.valid_from <= now < self.valid_until and self.rows == rows


class CalendarAnswers:
    """The kept days of each range (held by the process's CalendarCache)."""

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self.max_kept = max_kept
        self._kept: dict[tuple[str, date, date], Kept] = {}
        self.reads = SharedReads()      # the rows: one read of a range at a time (calendar_reads.py)
        self.hits = 0
        self.misses = 0

    def days(self, center: CenterConfig, calendar: WorkingCalendar, rows: Rows, start: date, end: date,
             now: datetime, work_out: Callable[[], list[dict]]) -> list[dict]:
        """The range's days: kept ones when they fit, else ``work_out()``'s, then kept."""
        key = (center.id, start, end)
        kept = self._kept.get(key)
        if kept is not None and kept.fits(rows, calendar, now):
            self.hits += 1
            return kept.days
        self.misses += 1
        days = work_out()
        self._kept.pop(key, None)
        if len(self._kept) >= self.max_kept:
            self._kept.pop(next(iter(self._kept)))     # the oldest kept
        self._kept[key] = Kept(rows, calendar, now, valid_until(center, calendar, start, end, now), days)
        return days

    def forget(self) -> None:
        self._kept.clear()


def valid_until(center: CenterConfig, calendar: WorkingCalendar, start: date, end: date,
                now: datetime) -> datetime:
    """The first instant after ``now`` at which a day of the range may change its
    bookability (release.ensure_bookable reads the clock only as today's date and as
    ``now >= cutoff_at(day)``): the center's next midnight or a day's cutoff."""
    today = center.local_date(now)
    until = center.at(today + timedelta(days=1), time(0))
    for i in range((end - start).days + 1):
        day = start + timedelta(days=i)
        if calendar.is_working(day):          # the only days whose cutoff is looked at
            cutoff = cutoff_at(center, calendar, day)
            if now < cutoff < until:
                until = cutoff
    return until
