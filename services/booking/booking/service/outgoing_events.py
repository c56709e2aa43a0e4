"""Turns what an aggregate recorded into integration events (shared.contracts.booking) in
the outbox of the caller's transaction."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from shared import outbox
from shared.contracts import booking as contract

from ..domain import events
from ..domain.booking import Booking


async def publish_booking_events(conn: asyncpg.Connection, booking: Booking, *, now: datetime,
                                 producer: str) -> None:
    for event in booking.events:
        data = _contract_for(event, booking, now)
        if data is not None:
            await outbox.publish(conn, data.event_type, data, producer=producer)  # type: ignore[attr-defined]
    booking.events.clear()


def _contract_for(event: events.Event, booking: Booking, now: datetime):
    if isinstance(event, events.BookingConfirmed):
        return contract.BookingConfirmed(
            booking_id=booking.id, agent_id=booking.agent_id, center=booking.center, date=booking.date,
            period=booking.period, contact_name=booking.contact_name, contact_phone=booking.contact_phone,
            enterprises=[contract.EnterpriseLine(
                org_code=line.org_code, name=line.name, status=str(line.status),
                businesses=[contract.Business(type=b.type, count=b.count) for b in line.businesses])
                for line in booking.lines],
            created_at=booking.created_at)
    if isinstance(event, events.BookingCancelled):
        return contract.BookingCancelled(
            booking_id=event.booking_id, agent_id=event.agent_id, center=event.center, date=event.date,
            period=event.period, contact_phone=event.contact_phone, org_codes=list(event.org_codes),
            whole=event.whole, booking_cancelled=event.booking_cancelled, cancelled_at=event.at)
    if isinstance(event, events.SmsResendRequested):
        return contract.SmsResendRequested(
            booking_id=event.booking_id, agent_id=booking.agent_id, contact_phone=event.contact_phone,
            requested_at=now)
    if isinstance(event, (events.BookingCheckedIn, events.BookingCompleted)):
        return None  # desk-internal: no other service needs them
    # Allocation and no-shows belong to the next issue's use cases: fail loudly rather than
    # drop an event someone forgot to map.
    raise TypeError(f"no integration event mapped for {type(event).__name__}")
