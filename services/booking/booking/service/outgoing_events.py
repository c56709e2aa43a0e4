"""Turns what a booking recorded into integration events (shared.contracts.booking): the
mapping booking's unit of work (context.py) applies on commit."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared.contracts import booking as contract

from booking.domain import events
from booking.domain.booking import Booking


def integration_events(booking: Booking, now: datetime) -> list[BaseModel]:
    """The contract models of what the aggregate recorded (the unit of work's ``translate``:
    it empties the list once they are in its outbox)."""
    return [data for data in (_contract_for(event, booking, now) for event in booking.events) if data is not None]


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
