"""The desk's view of a service day (窗口): its allocated bookings in queue order, with
their lines, contact and status, whatever happened to them since (checked in, no-show)."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from booking.adapters.day_bookings import DayBookings
from booking.adapters.waiting_line import WaitingLine
from booking.domain.booking import Booking
from booking.domain.center import CenterConfig
from booking.service.calendars import effective_cutoff, working_calendar
from booking.service.context import BookingContext
from booking.service.views import booking_view


async def desk_schedule(ctx: BookingContext, center_id: str | None, day: date | None) -> dict:
    """``day`` defaults to the center's today."""
    center = ctx.centers.get(center_id)
    day = day or center.local_date(ctx.clock.now())
    async with ctx.db.connection() as conn:
        bookings = await DayBookings(conn).allocated_on(center.id, day)
        cutoff = await effective_cutoff(conn, center, await working_calendar(ctx, conn, center), day)
        called = await WaitingLine(conn).called([uuid.UUID(b.id) for b in bookings])
    bookings.sort(key=lambda b: queue_order(center, b))
    return {"center": center.id, "date": day.isoformat(),
            "items": [_with_call(booking_view(b, center, cutoff), center, *called.get(b.id, (None, None)))
                      for b in bookings], "next_cursor": None}


def _with_call(view: dict, center: CenterConfig, called_at: datetime | None, desk: int | None) -> dict:
    """叫号: when and by which desk the booking was last called."""
    return {**view, "called_at": center.local(called_at).isoformat() if called_at else None, "called_desk": desk}


def queue_order(center: CenterConfig, booking: Booking) -> tuple:
    """Periods in the day's order, then the queue number as a number (A999 before A1000)."""
    rank = {p.code: i for i, p in enumerate(center.periods)}
    number = booking.allocation.queue_number if booking.allocation else ""
    return rank.get(booking.period, len(rank)), len(number), number
