"""An agent's place on the day (您前面还有 N 位): the number now served at the booking's
desk and how many wait before it. Another agent's booking is a 404, as its detail is."""
from __future__ import annotations

from shared.http.auth import Principal

from booking.adapters.bookings import BookingRepository
from booking.adapters.calls import Calls
from booking.adapters.waiting_line import WaitingLine
from booking.domain import calling
from booking.domain.booking import BookingStatus
from booking.domain.errors import BookingNotFound
from booking.service.context import BookingContext

STAFF = ("staff", "admin")


async def place(ctx: BookingContext, principal: Principal, booking_id: str) -> dict:
    agent_id = None if principal.has(*STAFF) else principal.user_id
    now = ctx.clock.now()
    async with ctx.db.connection() as conn:
        booking = await BookingRepository(conn).get(booking_id, agent_id=agent_id)
        if booking is None:
            raise BookingNotFound(f"you have no booking {booking_id}" if agent_id else f"there is no booking {booking_id}")
        center = ctx.centers.get(booking.center)
        a = booking.allocation
        view = {"booking_id": booking.id, "date": booking.date.isoformat(), "desk": a.desk if a else None,
                "queue_number": a.queue_number if a else None, "status": str(booking.status),
                "now_serving": None, "ahead": None, "called": False, "called_desk": None}
        day = center.local_date(now)
        if a is None or booking.date != day:
            return view
        calls = Calls(conn)
        serving = await calls.open_at_desk(center.id, day, a.desk)
        view["now_serving"] = serving["queue_number"] if serving is not None else None
        called = await calls.open_of_booking(booking.id)
        view["called"] = called is not None
        # The desk calling it: another desk than its own when that desk's queue was empty.
        view["called_desk"] = called["desk"] if called is not None else None
        if booking.status not in (BookingStatus.ALLOCATED, BookingStatus.CHECKED_IN):
            return view
        if view["called"]:
            view["ahead"] = 0
            return view
        periods = [p.code for p in center.periods]
        queue = calling.desk_queue(await WaitingLine(conn).waiting(center.id, day), a.desk, periods)
        ahead = calling.ahead_of(queue, booking.id)
        view["ahead"] = ahead if ahead is not None else calling.ahead_of_place(
            queue, periods, booking.period, a.queue_number)
    return view
