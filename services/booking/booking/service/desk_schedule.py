"""The desk's view of a service day (窗口): its allocated bookings in queue order, with
their lines, contact and status, whatever happened to them since (checked in, no-show)."""
from __future__ import annotations

from datetime import date

from ..adapters.day_bookings import DayBookings
from ..domain.booking import Booking
from ..domain.center import CenterConfig
from .calendars import effective_cutoff, working_calendar
from .context import BookingContext
from .views import booking_view


async def desk_schedule(ctx: BookingContext, center_id: str | None, day: date | None) -> dict:
    """``day`` defaults to the center's today."""
    center = ctx.centers.get(center_id)
    day = day or center.local_date(ctx.clock.now())
    async with ctx.db.connection() as conn:
        bookings = await DayBookings(conn).allocated_on(center.id, day)
        cutoff = await effective_cutoff(conn, center, await working_calendar(ctx, conn, center), day)
    bookings.sort(key=lambda b: queue_order(center, b))
    return {"center": center.id, "date": day.isoformat(),
            "items": [booking_view(b, center, cutoff) for b in bookings], "next_cursor": None}


def queue_order(center: CenterConfig, booking: Booking) -> tuple:
    """Periods in the day's order, then the queue number as a number (A999 before A1000)."""
    rank = {p.code: i for i, p in enumerate(center.periods)}
    number = booking.allocation.queue_number if booking.allocation else ""
    return rank.get(booking.period, len(rank)), len(number), number
