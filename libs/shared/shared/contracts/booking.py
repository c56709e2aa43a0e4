"""Events booking publishes."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from shared.events import event_model

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
    """A business to be done for an enterprise; ``count`` for the types that need one."""
    type: str
    count: int | None = None


class EnterpriseLine(BaseModel):
    """One enterprise of a booking (by its organisation code) and its businesses."""
    org_code: str
    name: str = ""
    status: str = "active"
    businesses: list[Business]


@event_model(BOOKING_CONFIRMED, 1)
class BookingConfirmed(BaseModel):
    """An agent booked a visit: the notifier sends the confirmation SMS to the contact phone."""
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
    """Lines of a booking (or the whole booking) were cancelled before the cutoff."""
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
    """The day was allocated: this booking's desk, time segment and queue number, sent to
    the contact phone by the notifier."""
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
    """The allocation of a booking, when it has one."""
    desk: int
    start: str                    # HH:MM, center local time
    end: str
    queue_number: str


@event_model(SMS_RESEND_REQUESTED, 1)
class SmsResendRequested(BaseModel):
    """The agent asked for the booking's SMS again: the notifier sends the text of the booking
    as it is now."""
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
    """A booking was not served: refused at the desk as late, or swept at closing."""
    booking_id: str
    agent_id: str
    center: str
    date: date
    late: bool                    # refused at the desk (true) or swept at closing (false)


@event_model(BOOKING_SUSPENDED, 1)
class BookingSuspended(BaseModel):
    """An agent lost the right to book until ``suspended_until`` (too many no-shows or
    cancellations); the notifier tells the agent's phone when it is known."""
    agent_id: str
    phone: str | None = None      # the agent's own phone, when booking knows it
    suspended_until: datetime
    reason: str                   # too_many_no_shows | too_many_cancellations
    count: int


class SnapshotPeriod(BaseModel):
    """A period of the frozen day: its hours and the prefix of its queue numbers."""
    code: str
    start: str                    # HH:MM
    end: str
    queue_prefix: str


class SnapshotBooking(BaseModel):
    """An active booking of the frozen day, with its active lines."""
    id: str                       # the booking id (keys as in the booking JSON of api.md)
    period: str
    created_at: datetime
    enterprises: list[EnterpriseLine]   # active lines only


class SnapshotHeader(BaseModel):
    """The first line of a frozen day's snapshot document (below)."""
    center: str
    date: date
    cutoff_id: str
    closed_at: datetime
    periods: list[SnapshotPeriod]
    booking_count: int


# The snapshot document booking stores with the close and serves to the allocator
# (``GET /internal/cutoff-snapshots/{cutoff_id}``, service token, never through the
# gateway): newline-delimited JSON, a ``SnapshotHeader`` line, then one ``SnapshotBooking``
# per line in (created_at, id) order. One booking per line lets the reader hold one
# booking's dicts at a time.
SNAPSHOT_MEDIA_TYPE = "application/x-ndjson"
SNAPSHOT_PATH = "/internal/cutoff-snapshots/{cutoff_id}"


@event_model(ALLOCATION_REQUESTED, 2)
class AllocationRequested(BaseModel):
    """The frozen day, by reference (a claim check): booking closed ``date`` and stored its
    active bookings (the snapshot document) in the same transaction; the allocator fetches
    it from booking at ``snapshot_path`` and checks it against ``snapshot_sha256``. Version 1
    carried the whole day in the event (11.5 MB for 20,000 bookings)."""
    center: str
    date: date
    cutoff_id: str
    closed_at: datetime
    booking_count: int
    snapshot_path: str            # on booking's internal address, e.g. /internal/cutoff-snapshots/<cutoff_id>
    snapshot_sha256: str          # hex SHA-256 of the document's bytes
    snapshot_bytes: int


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
