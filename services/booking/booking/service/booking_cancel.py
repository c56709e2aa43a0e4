"""Cancelling (取消预约) a whole booking or one enterprise line, before the cutoff.

One transaction: lock the booking, let the aggregate decide, give the lines back to the
period's capacity, count the cancellation against the agent's rights (possibly
suspending them); the unit of work writes booking.cancelled (and booking.suspended) at commit."""
from __future__ import annotations

from shared.logging import get_logger

from booking.adapters.bookings import BookingRepository
from booking.adapters.capacity import CapacityCounters
from booking.adapters.cutoffs import Cutoffs
from booking.domain.errors import CutoffPassed
from booking.service.calendars import effective_cutoff, working_calendar
from booking.service.context import BookingContext
from booking.service.rights import count_cancellation
from booking.service.views import booking_view

log = get_logger(__name__)


async def cancel_booking(ctx: BookingContext, agent_id: str, booking_id: str,
                         org_code: str | None = None) -> dict:
    """Cancel the booking, or only its line for ``org_code``; the booking as it is now."""
    async with ctx.unit_of_work() as uow:
        conn, now = uow.conn, uow.now
        repo = BookingRepository(conn)
        # Locked first, so two cancellations of one booking go one after the other.
        booking = uow.track(await repo.lock(booking_id, agent_id=agent_id))
        center = ctx.centers.get(booking.center)
        calendar = await working_calendar(ctx, conn, center)
        cutoff = await effective_cutoff(conn, center, calendar, booking.date)
        if org_code is None:
            released = booking.cancel(now, cutoff)
        else:
            released = booking.cancel_line(org_code, now, cutoff)
        await repo.save(booking, now)
        await CapacityCounters(conn).release(booking.center, booking.date, booking.period, released)
        # Again under the capacity row lock, which closing a date takes first (see
        # booking_create): a date closed while this request waited is not changed.
        if await Cutoffs(conn).closed_at(booking.center, booking.date) is not None:
            raise CutoffPassed(f"changes for {booking.date} are closed")
        what = f"booking {booking.id}" + (f" line {org_code}" if org_code else "")
        change = await count_cancellation(uow, agent_id, note=f"cancelled {what}", zone=center.zone)
    log.info("booking_cancelled", booking_id=booking.id, lines_released=released,
             rights_change=change.change)
    return booking_view(booking, center, cutoff)
