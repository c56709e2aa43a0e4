"""A center's working calendar (official data plus the administrators' overrides) and the
cutoff instant of a service date."""
from __future__ import annotations

from datetime import date, datetime

import asyncpg

from booking.adapters.cutoffs import Cutoffs
from booking.domain.center import CenterConfig
from booking.domain.release import cutoff_at
from booking.domain.working_calendar import WorkingCalendar
from booking.service.context import BookingContext


async def working_calendar(ctx: BookingContext, conn: asyncpg.Connection, center: CenterConfig) -> WorkingCalendar:
    """Official data plus the overrides, as cached by this process (calendar_cache.py)."""
    return await ctx.calendars.get(conn, center)


async def effective_cutoff(conn: asyncpg.Connection, center: CenterConfig, calendar: WorkingCalendar,
                           day: date) -> datetime:
    """The instant changes for ``day`` stop: its normal cutoff, or earlier when the date
    has been closed already (an administrator may close it ahead of time)."""
    normal = cutoff_at(center, calendar, day)
    closed = await Cutoffs(conn).closed_at(center.id, day)
    return min(normal, closed) if closed is not None else normal
