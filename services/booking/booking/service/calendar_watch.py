"""How close the calendar is to a day nobody confirmed: the gauges the CalendarUnconfirmed
alert reads, refreshed by the scheduler on every pass (every replica reports them)."""
from __future__ import annotations

from datetime import datetime, timedelta

from booking.service.admin_calendar import first_unconfirmed
from booking.service.calendars import working_calendar
from booking.service.context import BookingContext

WINDOW_DAYS = 30


async def report_unconfirmed(ctx: BookingContext, now: datetime) -> None:
    for center in ctx.centers:
        async with ctx.db.connection() as conn:
            calendar = await working_calendar(ctx, conn, center)
        today = center.local_date(now)
        within = sum(1 for i in range(1, WINDOW_DAYS + 1) if not calendar.confirmed(today + timedelta(days=i)))
        first = first_unconfirmed(center, calendar, now)
        ctx.metrics.calendar_unconfirmed(center.id, within_30_days=within,
                                         release_in_days=first["days_until_release"] if first else None)
