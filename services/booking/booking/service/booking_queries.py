"""Reading an agent's own bookings (预约查询): one, or a page of them."""
from __future__ import annotations

import base64
import uuid
from datetime import date, datetime

import orjson

from booking.adapters.bookings import BookingRepository
from booking.domain.errors import BookingNotFound, ValidationFailed
from booking.service.calendars import effective_cutoff, working_calendar
from booking.service.context import BookingContext
from booking.service.views import booking_view


async def get_booking(ctx: BookingContext, agent_id: str, booking_id: str) -> dict:
    async with ctx.db.connection() as conn:
        booking = await BookingRepository(conn).get(booking_id, agent_id=agent_id)
        if booking is None:
            # Someone else's booking looks exactly like one that does not exist.
            raise BookingNotFound(f"you have no booking {booking_id}")
        center = ctx.centers.get(booking.center)
        cutoff = await effective_cutoff(conn, center, await working_calendar(ctx, conn, center), booking.date)
    return booking_view(booking, center, cutoff)


async def list_bookings(ctx: BookingContext, agent_id: str, *, start: date | None, end: date | None,
                        status: str | None, cursor: str | None, limit: int) -> dict:
    after = decode_cursor(cursor) if cursor else None
    async with ctx.db.connection() as conn:
        page = await BookingRepository(conn).page(agent_id, start=start, end=end, status=status,
                                                  after=after, limit=limit + 1)
        more = len(page) > limit
        page = page[:limit]
        calendars, items = {}, []
        for booking in page:
            center = ctx.centers.get(booking.center)
            if center.id not in calendars:
                calendars[center.id] = await working_calendar(ctx, conn, center)
            cutoff = await effective_cutoff(conn, center, calendars[center.id], booking.date)
            items.append(booking_view(booking, center, cutoff))
    last = page[-1] if page else None
    return {"items": items,
            "next_cursor": encode_cursor(last.date, last.created_at, last.id) if more and last else None}


# The cursor is the keyset of the last item, opaque to clients.
def encode_cursor(day: date, created_at: datetime, booking_id: str) -> str:
    raw = orjson.dumps([day.isoformat(), created_at.isoformat(), booking_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[date, datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        day, created_at, booking_id = orjson.loads(raw)
        return date.fromisoformat(day), datetime.fromisoformat(created_at), uuid.UUID(booking_id)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise ValidationFailed([{"field": "cursor", "message": "not a cursor this service gave"}]) from None
