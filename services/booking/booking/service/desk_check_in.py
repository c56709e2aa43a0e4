"""Checking an agent in at the desk (签到). Arriving more than ``late_minutes`` after the
segment start is refused with 409 booking.late, and the booking is then a no-show: that
must stick although the answer is an error, so the no-show is saved and committed (and
counted against the agent) before the refusal is raised."""
from __future__ import annotations

from shared.logging import get_logger

from booking.adapters.bookings import BookingRepository
from booking.adapters.day_bookings import DayBookings
from booking.domain.errors import Late
from booking.service.calendars import effective_cutoff, working_calendar
from booking.service.context import BookingContext
from booking.service.rights import count_no_show
from booking.service.views import booking_view

log = get_logger(__name__)


async def check_in(ctx: BookingContext, staff_id: str, booking_id: str) -> dict:
    late: Late | None = None
    async with ctx.unit_of_work() as uow:
        conn, now = uow.conn, uow.now
        repo = BookingRepository(conn)
        booking = uow.track(await repo.lock(booking_id))
        center = ctx.centers.get(booking.center)
        try:
            booking.check_in(now, center)     # other refusals roll back: nothing changed
        except Late as refusal:
            late = refusal
        await repo.save(booking, now)
        if late is None:
            await DayBookings(conn).stamp_checked_in(booking.id, now)
        else:
            await count_no_show(uow, booking.agent_id, actor=staff_id, zone=center.zone,
                                note=f"late at the desk: booking {booking.id}")
        view = booking_view(booking, center, await effective_cutoff(
            conn, center, await working_calendar(ctx, conn, center), booking.date))
    log.info("desk_check_in", booking_id=booking.id, outcome="late" if late else "checked_in")
    if late is not None:
        raise late   # after the commit
    return view
