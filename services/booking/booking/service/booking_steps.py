"""The steps of a booking (制卡预约), with or without an Idempotency-Key around them:

1. ``new_booking``: the request's own rules and the calendar's (no database);
2. ``apply_checks``: what ``BookingChecks`` read in one statement (closed date, rights,
   clashes, enterprise names), in the order the refusals have always come;
3. ``write``: the booking, its lines, the capacity and its events (collected from the
   unit of work) in one statement (adapters/new_bookings.py), the capacity row last: its lock, which every booking of
   that period waits for, is held for no round trip without an Idempotency-Key (the
   statement is its own transaction) and for one with it (COMMIT). Under that lock the
   date is checked open again (closing a date locks its capacity rows before it snapshots
   the bookings, so either this booking is in the snapshot or it sees the close).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime


from shared.errors import AppError
from shared.unit_of_work import UnitOfWork

from booking.adapters.booking_checks import Checks
from booking.adapters.capacity import CapacityCounters
from booking.adapters.new_bookings import KeptAnswer, NewBookings, NoRoom
from booking.adapters.savepoints import undone_on
from booking.domain.booking import Booking, EnterpriseRequest
from booking.domain.capacity import ensure_room
from booking.domain.center import CenterConfig
from booking.domain.clashes import ensure_no_clash
from booking.domain.errors import CapacityExhausted
from booking.domain.release import cutoff_at, ensure_bookable, ensure_open
from booking.domain.working_calendar import WorkingCalendar
from booking.service.views import booking_view


@dataclass(frozen=True)
class CreateBooking:
    """A booking request, typed at the edge (booking.api.booking_request)."""
    agent_id: str
    center: str | None
    date: date
    period: str
    contact_name: str
    contact_phone: str
    enterprises: tuple[EnterpriseRequest, ...]
    # The request's shape errors the edge found: Booking.create refuses them first.
    shape_errors: tuple[dict[str, str], ...] = ()


def new_booking(center: CenterConfig, calendar: WorkingCalendar, cmd: CreateBooking, now: datetime) -> Booking:
    booking = Booking.create(
        id=str(uuid.uuid4()), agent_id=cmd.agent_id, center=center, date=cmd.date, period=cmd.period,
        contact_name=cmd.contact_name, contact_phone=cmd.contact_phone, enterprises=cmd.enterprises,
        created_at=now, shape_errors=cmd.shape_errors)
    ensure_bookable(center, calendar, booking.date, now)
    return booking


def apply_checks(booking: Booking, checks: Checks, center: CenterConfig, calendar: WorkingCalendar,
                 now: datetime) -> dict:
    """Refuse, or name the lines and return the answer (the date is open, so its cutoff is
    the normal one)."""
    ensure_open(booking.date, checks.closed_at)
    checks.rights.ensure_can_book(now, center.zone)
    ensure_no_clash(booking, checks.clashing)
    booking.name_lines(checks.own_names, checks.directory_names)
    return booking_view(booking, center, cutoff_at(center, calendar, booking.date))


async def write(uow: UnitOfWork, center: CenterConfig, booking: Booking, *,
                answer: KeptAnswer | None = None) -> None:
    """One statement, or a refusal raised with nothing written. Inside a transaction (with
    an Idempotency-Key) each attempt runs in a savepoint, so the key survives a refusal.
    The unit of work's events (booking.confirmed) go in that statement, not at its commit."""
    conn = uow.conn
    uow.track(booking)
    events = uow.collect()
    wanted, default = booking.active_line_count, center.default_capacity
    counters = CapacityCounters(conn)
    if wanted > default:
        # The statement's insert branch cannot take more than the default: see new_bookings.
        await counters.ensure_row(center.id, booking.date, booking.period, default)
    for _ in range(3):
        try:
            async with undone_on(conn, AppError, NoRoom):
                await NewBookings(conn).add(booking, events, default_capacity=default, answer=answer)
            return
        except NoRoom:
            # Refused under the row lock; say how much is left. A cancellation committing
            # in between can make room, hence the retry before giving up.
            counter = await counters.get(center.id, booking.date, booking.period, default=default)
            ensure_room(counter.capacity, counter.booked, wanted)
    raise CapacityExhausted(f"{wanted} enterprise line(s) asked; the period is full")
