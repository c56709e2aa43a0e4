"""Turns what an aggregate recorded into integration events (shared.contracts.booking) in
the outbox of the caller's transaction."""
from __future__ import annotations

from datetime import datetime

import asyncpg
import structlog
from pydantic import BaseModel

from shared.consumer import Delivery
from shared.contracts import booking as contract
from shared.events import Envelope, make_envelope
from shared.outbox import add_events

from ..domain import events
from ..domain.booking import Booking


async def publish_booking_events(conn: asyncpg.Connection, booking: Booking, *, now: datetime,
                                 producer: str) -> None:
    await add_events(conn, booking_envelopes(booking, now=now, producer=producer))


def booking_envelopes(booking: Booking, *, now: datetime, producer: str) -> list[Envelope]:
    """What the aggregate recorded, as envelopes for the outbox (its list is emptied). As
    ``shared.outbox.publish`` makes them: the request id bound in the log context becomes
    each event's correlation id."""
    context = structlog.contextvars.get_contextvars()
    return [make_envelope(data.event_type, data, producer=producer,  # type: ignore[attr-defined]  # set by @event_model
                          correlation_id=context.get("correlation_id"),
                          causation_id=context.get("request_id"), occurred_at=now)
            for data in integration_events(booking, now)]


async def publish_caused_by(delivery: Delivery, models: list[BaseModel], *, now: datetime) -> None:
    """Many events from a consumer at once (one booking.allocated per booking of a day):
    one outbox statement, each event carrying the handled one's correlation id and naming
    it as its cause."""
    cause = delivery.envelope
    await add_events(delivery.conn, [make_envelope(
        m.event_type, m, producer=delivery.producer,  # type: ignore[attr-defined]  # set by @event_model
        correlation_id=cause.correlation_id, causation_id=str(cause.id), occurred_at=now) for m in models])


def integration_events(booking: Booking, now: datetime) -> list[BaseModel]:
    """The contract models of what the aggregate recorded; its list is emptied."""
    found = [data for data in (_contract_for(event, booking, now) for event in booking.events) if data is not None]
    booking.events.clear()
    return found


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
        a = booking.allocation
        return contract.SmsResendRequested(
            booking_id=event.booking_id, agent_id=booking.agent_id, contact_phone=event.contact_phone,
            requested_at=now, status=str(booking.status), date=booking.date, period=booking.period,
            enterprise_count=booking.active_line_count,
            allocation=contract.ResendAllocation(desk=a.desk, start=a.start.strftime("%H:%M"),
                                                 end=a.end.strftime("%H:%M"), queue_number=a.queue_number)
            if a is not None else None)
    if isinstance(event, events.BookingAllocated):
        return contract.BookingAllocated(
            booking_id=event.booking_id, agent_id=booking.agent_id, center=booking.center, date=booking.date,
            period=booking.period, contact_phone=event.contact_phone, desk=event.desk, start=event.start,
            end=event.end, queue_number=event.queue_number)
    if isinstance(event, events.BookingNoShow):
        return contract.BookingNoShow(booking_id=event.booking_id, agent_id=event.agent_id,
                                      center=booking.center, date=booking.date, late=event.late)
    if isinstance(event, (events.BookingCheckedIn, events.BookingCompleted)):
        return None  # desk-internal: no other service needs them
    # Fail loudly rather than drop an event someone forgot to map.
    raise TypeError(f"no integration event mapped for {type(event).__name__}")
