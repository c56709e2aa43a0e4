"""The allocator's domain: turn a closed day's snapshot into a schedule (desk, handling
segment, queue number per booking). Plain Python, no I/O.

Entry points::

    snapshot = DaySnapshot.from_dict(event_data)
    policy = AllocationPolicy.from_dict(settings_dict)       # or AllocationPolicy()
    schedule = allocate(snapshot, policy)
    schedule.fingerprint(); snapshot.fingerprint(); policy.fingerprint()

``event_data`` shape (keys as in the HTTP API's booking JSON; the snapshot document booking
serves holds the same fields, ``service/snapshot_document.py``)::

    {"center": "qingdao", "date": "2026-12-01",
     "periods": [{"code": "AM", "start": "09:00", "end": "11:30", "queue_prefix": "A"},
                 {"code": "PM", "start": "13:30", "end": "17:00", "queue_prefix": "B"}],
     "bookings": [{"id": "b-1", "period": "AM",
                   "created_at": "2026-11-27T10:15:00+08:00",
                   "enterprises": [{"org_code": "MA2XXXXX1",
                                    "businesses": [{"type": "RENEW_UNLOCK", "count": 2},
                                                   {"type": "BUY_READER"}]}]}]}

``queue_prefix`` is optional (periods are lettered A, B, ... by start); ``count`` is
optional (1); a line with ``"status": "cancelled"`` is ignored; other keys are ignored,
so ``shared.contracts.booking.SnapshotBooking.model_dump()`` (or its JSON) fits a booking.
"""
from allocator.domain.business_types import BUSINESS_TYPES
from allocator.domain.duration import handling_minutes
from allocator.domain.errors import InvalidPolicy, InvalidSnapshot
from allocator.domain.policy import DEFAULT_TYPE_WEIGHTS, AllocationPolicy, TypeWeight
from allocator.domain.schedule import Assignment, PeriodStats, Schedule
from allocator.domain.scheduler import allocate
from allocator.domain.snapshot import Booking, Business, DaySnapshot, EnterpriseLine, Period

__all__ = [
    "BUSINESS_TYPES", "DEFAULT_TYPE_WEIGHTS", "AllocationPolicy", "Assignment", "Booking",
    "Business", "DaySnapshot", "EnterpriseLine", "InvalidPolicy", "InvalidSnapshot",
    "Period", "PeriodStats", "Schedule", "TypeWeight", "allocate", "handling_minutes",
]
