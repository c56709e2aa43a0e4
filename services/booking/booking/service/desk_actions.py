"""The desk closing a visit: served (办结), or marked a no-show by the clerk (each no-show
counts against the agent's rights, the third suspends them)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from shared.logging import get_logger

from booking.adapters.bookings import BookingRepository
from booking.domain.booking import Booking
from booking.domain.center import CenterConfig
from booking.service.calendars import effective_cutoff, working_calendar
from booking.service.calling import close_call_of
from booking.service.context import BookingContext
from booking.service.rights import count_no_show
from booking.service.views import booking_view

log = get_logger(__name__)


async def complete(ctx: BookingContext, staff_id: str, booking_id: str) -> dict:
    return await _at_desk(ctx, staff_id, booking_id, "completed", lambda b, _now, _center: b.complete())


async def mark_no_show(ctx: BookingContext, staff_id: str, booking_id: str) -> dict:
    return await _at_desk(ctx, staff_id, booking_id, "no_show", lambda b, now, center: b.mark_no_show_at_desk(now, center),
                          counts=True)


async def _at_desk(ctx: BookingContext, staff_id: str, booking_id: str, what: str,
                   act: Callable[[Booking, datetime, CenterConfig], None], *, counts: bool = False) -> dict:
    async with ctx.unit_of_work() as uow:
        conn, now = uow.conn, uow.now
        repo = BookingRepository(conn)
        booking = uow.track(await repo.lock(booking_id))
        center = ctx.centers.get(booking.center)
        act(booking, now, center)
        await repo.save(booking, now)
        served = await close_call_of(conn, booking.id, now) if what == "completed" else None
        if counts:
            await count_no_show(uow, booking.agent_id, actor=staff_id, zone=center.zone,
                                note=f"marked at the desk: booking {booking.id}")
        view = booking_view(booking, center, await effective_cutoff(
            conn, center, await working_calendar(ctx, conn, center), booking.date))
    if served is not None:
        ctx.metrics.served(booking.center, *served)
    log.info("desk_action", booking_id=booking.id, outcome=what)
    return view
