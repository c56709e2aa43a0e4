"""叫号 at the desk: call the next number, call it again, skip it; and, for the streams,
the hall board and an agent's place (service/call_board.py, service/queue_place.py).

The call is the race that matters: two desks calling at once must never take the same
booking. The pick locks the first still-waiting booking in the domain's order with
FOR UPDATE SKIP LOCKED (bookings.call_open is re-checked on a row another desk just
called), and the unique partial indexes on booking_calls (one open call per booking,
one per desk) refuse whatever would slip through."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import asyncpg

from shared.logging import get_logger
from shared.unit_of_work import UnitOfWork

from booking.adapters.calls import ONE_OPEN_PER_BOOKING, ONE_OPEN_PER_DESK, Calls
from booking.adapters.desk_shifts import DeskShifts
from booking.adapters.waiting_line import WaitingLine
from booking.domain import calling
from booking.domain.center import CenterConfig
from booking.domain.errors import CallOpen, NoCall, NoShift, QueueEmpty
from booking.service.call_board import board
from booking.service.call_events import announce, tell_near
from booking.service.calling_views import call_view
from booking.service.context import BookingContext
from booking.service.queue_place import place

log = get_logger(__name__)
__all__ = ["call", "recall", "skip", "close_call_of", "board", "place"]

# A lost race on the one-open-call-per-booking index (which the lock should prevent) is
# tried again with a fresh read; more than this many means something else is wrong.
ATTEMPTS = 5


async def call(ctx: BookingContext, clerk_id: str, center_id: str | None) -> dict:
    center = ctx.centers.get(center_id)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await _at_desk(ctx, clerk_id, center, _call_next)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == ONE_OPEN_PER_DESK:
                raise CallOpen("another call of this desk was just made") from None
            if exc.constraint_name != ONE_OPEN_PER_BOOKING or attempt == ATTEMPTS:
                raise
            log.warning("call_race_lost", center=center.id, attempt=attempt)
    raise AssertionError("unreachable")


async def recall(ctx: BookingContext, clerk_id: str, center_id: str | None) -> dict:
    return await _at_desk(ctx, clerk_id, ctx.centers.get(center_id), _recall)


async def skip(ctx: BookingContext, clerk_id: str, center_id: str | None) -> dict:
    return await _at_desk(ctx, clerk_id, ctx.centers.get(center_id), _skip)


async def close_call_of(conn: asyncpg.Connection, booking_id: str, now: datetime) -> tuple[int, float] | None:
    """The booking is completed: its open call (if it was called) closes. Returns the
    desk and the seconds since the first call (the service time), None when it was not
    being called (completing a booking never called stays allowed)."""
    calls = Calls(conn)
    found = await calls.open_of_booking(booking_id)
    if found is None:
        return None
    await calls.close(found["seq"], "completed", now)
    await WaitingLine(conn).call_closed(booking_id)
    first = await calls.first_call_at(booking_id) or found["at"]
    return found["desk"], (now - first).total_seconds()


Act = Callable[[BookingContext, UnitOfWork, CenterConfig, int, str], Awaitable[asyncpg.Record]]


async def _at_desk(ctx: BookingContext, clerk_id: str, center: CenterConfig, act: Act) -> dict:
    async with ctx.unit_of_work() as uow:
        day = center.local_date(uow.now)
        shift = await DeskShifts(uow.conn).of_clerk(clerk_id, center.id, day)
        if shift is None:
            raise NoShift(f"take a desk at {center.id} first")
        row = await act(ctx, uow, center, shift["desk"], clerk_id)
        await announce(uow, center, row)
    log.info("desk_called", center=center.id, desk=row["desk"], kind=row["kind"], seq=row["seq"])
    return call_view(center, row)


async def _call_next(ctx: BookingContext, uow: UnitOfWork, center: CenterConfig, desk: int,
                     clerk_id: str) -> asyncpg.Record:
    conn, now = uow.conn, uow.now
    day = center.local_date(now)
    calls, line = Calls(conn), WaitingLine(conn)
    if await calls.open_at_desk(center.id, day, desk) is not None:
        raise CallOpen(f"desk {desk} has an open call: complete or skip it first")
    periods = [p.code for p in center.periods]
    order = calling.call_order(await line.waiting(center.id, day), desk, periods)
    picked = await line.take_first([w.booking_id for w in order])
    if picked is None:
        raise QueueEmpty("nobody is waiting")
    w = next(w for w in order if w.booking_id == str(picked))
    first = await calls.first_call_at(w.booking_id) is None
    await line.mark_called(w.booking_id, desk, now)
    row = await calls.add(booking_id=w.booking_id, center=center.id, day=day, desk=desk,
                          queue_number=w.queue_number, period=w.period, kind="call", clerk_id=clerk_id, at=now)
    if first and w.checked_in_at is not None:
        ctx.metrics.called(center.id, desk, (now - w.checked_in_at).total_seconds())
    await tell_near(uow, center, day, w.desk)
    return row


async def _recall(ctx: BookingContext, uow: UnitOfWork, center: CenterConfig, desk: int,
                  clerk_id: str) -> asyncpg.Record:
    conn, now = uow.conn, uow.now
    calls = Calls(conn)
    current = await calls.open_at_desk(center.id, center.local_date(now), desk, lock=True)
    if current is None:
        raise NoCall(f"desk {desk} has no open call")
    await calls.close(current["seq"], "recalled", now)
    await WaitingLine(conn).mark_called(str(current["booking_id"]), desk, now)
    return await calls.add(booking_id=str(current["booking_id"]), center=center.id, day=current["day"], desk=desk,
                           queue_number=current["queue_number"], period=current["period"], kind="recall",
                           clerk_id=clerk_id, at=now)


async def _skip(ctx: BookingContext, uow: UnitOfWork, center: CenterConfig, desk: int,
                clerk_id: str) -> asyncpg.Record:
    """过号: not a no-show. The booking waits again, behind the next two of its desk queue."""
    conn, now = uow.conn, uow.now
    calls, line = Calls(conn), WaitingLine(conn)
    day = center.local_date(now)
    current = await calls.open_at_desk(center.id, day, desk, lock=True)
    if current is None:
        raise NoCall(f"desk {desk} has no open call")
    booking_id = str(current["booking_id"])
    own_desk = await line.lock_allocation_desk(booking_id)
    await calls.close(current["seq"], "skipped", now)
    row = await calls.add(booking_id=booking_id, center=center.id, day=current["day"], desk=desk,
                          queue_number=current["queue_number"], period=current["period"], kind="skip",
                          clerk_id=clerk_id, at=now, closed="skipped")
    periods = [p.code for p in center.periods]
    queue = calling.desk_queue(await line.waiting(center.id, day), own_desk, periods)   # without it: still open
    await line.back_to_waiting(booking_id, calling.skip_key(queue, periods))
    await tell_near(uow, center, day, own_desk)
    return row
