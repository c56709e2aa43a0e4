"""Events booking publishes."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from ..events import event_model

BOOKING_CONFIRMED = "booking.confirmed"
BOOKING_CANCELLED = "booking.cancelled"
BOOKING_ALLOCATED = "booking.allocated"
SMS_RESEND_REQUESTED = "booking.sms_resend.requested"
BOOKING_NO_SHOW = "booking.no_show"
BOOKING_SUSPENDED = "booking.suspended"
BOOKING_CALLED = "booking.called"
BOOKING_QUEUE_NEAR = "booking.queue_near"
ALLOCATION_REQUESTED = "allocation.requested"


class Business(BaseModel):
    type: str
    count: int | None = None


class EnterpriseLine(BaseModel):
    org_code: str
    name: str = ""
    status: str = "active"
    businesses: list[Business]


@event_model(BOOKING_CONFIRMED, 1)
class BookingConfirmed(BaseModel):
    booking_id: str
    agent_id: str
    center: str
    date: date
    period: str
    contact_name: str
    contact_phone: str
    enterprises: list[EnterpriseLine]
    created_at: datetime


@event_model(BOOKING_CANCELLED, 1)
class BookingCancelled(BaseModel):
    booking_id: str
    agent_id: str
    center: str
    date: date
    period: str
    contact_phone: str
    org_codes: list[str]          # the lines cancelled by this request
    whole: bool                   # the agent cancelled the whole booking
    booking_cancelled: bool       # the booking has no active line left
    cancelled_at: datetime


@event_model(BOOKING_ALLOCATED, 1)
class BookingAllocated(BaseModel):
    booking_id: str
    agent_id: str
    center: str
    date: date
    period: str
    contact_phone: str
    desk: int
    start: str                    # HH:MM, center local time
    end: str
    queue_number: str


_Date = date   # SmsResendRequested has a field named ``date``: inside the class that name is the field


class ResendAllocation(BaseModel):
    desk: int
    start: str                    # HH:MM, center local time
    end: str
    queue_number: str


@event_model(SMS_RESEND_REQUESTED, 1)
class SmsResendRequested(BaseModel):
    booking_id: str
    agent_id: str
    contact_phone: str
    requested_at: datetime
    # The booking as it is when the resend is asked (optional: older events lack them);
    # the notifier renders the text from these, so it reflects cancelled lines and the
    # allocation, not the text sent back then.
    status: str | None = None     # confirmed | allocated
    date: _Date | None = None
    period: str | None = None
    enterprise_count: int | None = None   # active lines
    allocation: ResendAllocation | None = None


@event_model(BOOKING_NO_SHOW, 1)
class BookingNoShow(BaseModel):
    booking_id: str
    agent_id: str
    center: str
    date: date
    late: bool                    # refused at the desk (true) or swept at closing (false)


@event_model(BOOKING_SUSPENDED, 1)
class BookingSuspended(BaseModel):
    agent_id: str
    phone: str | None = None      # the agent's own phone, when booking knows it
    suspended_until: datetime
    reason: str                   # too_many_no_shows | too_many_cancellations
    count: int


class SnapshotPeriod(BaseModel):
    code: str
    start: str                    # HH:MM
    end: str
    queue_prefix: str


class SnapshotBooking(BaseModel):
    id: str                       # the booking id (keys as in the booking JSON of api.md)
    period: str
    created_at: datetime
    enterprises: list[EnterpriseLine]   # active lines only


@event_model(ALLOCATION_REQUESTED, 1)
class AllocationRequested(BaseModel):
    """The frozen day: booking closes ``date`` and hands the allocator its active bookings."""
    center: str
    date: date
    cutoff_id: str
    closed_at: datetime
    periods: list[SnapshotPeriod]
    bookings: list[SnapshotBooking]


@event_model(BOOKING_CALLED, 1)
class BookingCalled(BaseModel):
    """A desk called a number (叫号), called it again (重呼) or skipped it (过号). Every one
    is stored in booking's booking_calls; ``seq`` is its order there (the display streams'
    event id)."""
    call_id: str
    seq: int
    booking_id: str
    center: str
    date: date
    desk: int                     # the desk that called
    queue_number: str
    period: str
    kind: str                     # call | recall | skip
    clerk_id: str
    called_at: datetime


@event_model(BOOKING_QUEUE_NEAR, 1)
class BookingQueueNear(BaseModel):
    """A checked-in number has three (or fewer) waiting before it in its desk queue: the
    notifier tells the agent by SMS. Published once per booking."""
    booking_id: str
    agent_id: str
    center: str
    date: date
    desk: int
    queue_number: str
    contact_phone: str
    ahead: int
    at: datetime
