"""Domain events: facts the aggregates record in their ``events`` list, in the past tense.

The service layer collects them after a unit of work and turns them into outbox messages
(SMS, allocation, statistics) and, for RightsChanged, audit rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal


class Event:
    """Marker base class."""


@dataclass(frozen=True)
class BookingConfirmed(Event):
    booking_id: str
    agent_id: str
    center: str
    date: date
    period: str
    contact_phone: str
    lines: int                       # capacity taken, in enterprise lines


@dataclass(frozen=True)
class BookingCancelled(Event):
    booking_id: str
    agent_id: str
    center: str
    date: date
    period: str
    contact_phone: str
    org_codes: tuple[str, ...]       # the lines released by this cancellation
    whole: bool                      # the agent cancelled the whole booking, not one line
    booking_cancelled: bool          # the booking is cancelled now (also when its last line went)
    at: datetime

    @property
    def lines_released(self) -> int:
        return len(self.org_codes)


@dataclass(frozen=True)
class BookingAllocated(Event):
    booking_id: str
    contact_phone: str
    desk: int
    start: str                       # "HH:MM", as the SMS and the API show it
    end: str
    queue_number: str


@dataclass(frozen=True)
class BookingCheckedIn(Event):
    booking_id: str
    at: datetime


@dataclass(frozen=True)
class BookingCompleted(Event):
    booking_id: str


@dataclass(frozen=True)
class BookingNoShow(Event):
    booking_id: str
    agent_id: str
    late: bool                       # came more than late_minutes late, rather than not at all


@dataclass(frozen=True)
class SmsResendRequested(Event):
    booking_id: str
    contact_phone: str


RightsChange = Literal["cancellation_counted", "no_show_counted", "suspended", "lifted"]


@dataclass(frozen=True)
class RightsSnapshot:
    no_shows: int
    cancellations: int
    suspended_until: datetime | None
    reason: str | None


@dataclass(frozen=True)
class RightsChanged(Event):
    """One audit row: who (actor: an admin id, or None for the system), when, why."""
    agent_id: str
    at: datetime
    change: RightsChange
    before: RightsSnapshot
    after: RightsSnapshot
    actor: str | None = None
    note: str = ""
