"""Which dates of a center the scheduler has to close now."""
from __future__ import annotations

from datetime import date, datetime

from booking.adapters.cutoffs import Cutoffs
from booking.domain.center import CenterConfig
from booking.domain.service_day import due_for_closing
from booking.service.calendars import working_calendar
from booking.service.context import BookingContext


async def dates_due(ctx: BookingContext, center: CenterConfig, now: datetime) -> list[date]:
    """Open dates whose cutoff has come (missed ones included) and whose day is not over.
    Only dates with bookings or capacity rows are looked at: closing any other date has
    nothing to freeze and nobody to allocate."""
    async with ctx.db.connection() as conn:
        calendar = await working_calendar(ctx, conn, center)
        candidates = await Cutoffs(conn).open_days(center.id, since=center.local_date(now))
    return [day for day in candidates if due_for_closing(center, calendar, day, now)]
