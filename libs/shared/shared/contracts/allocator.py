"""Events the allocator publishes."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from shared.events import event_model

ALLOCATION_COMPLETED = "allocation.completed"


class Assignment(BaseModel):
    """One booking's place in the allocated day: desk, time segment and queue number."""
    booking_id: str
    period: str
    desk: int
    start: str                    # the segment, HH:MM center local time
    end: str
    queue_number: str
    overflow: bool = False


@event_model(ALLOCATION_COMPLETED, 1)
class AllocationCompleted(BaseModel):
    """The allocator placed the frozen day (answer to allocation.requested): every booking's
    desk, segment and queue number. Booking stores them and tells each agent (booking.allocated)."""
    center: str
    date: date
    cutoff_id: str
    run_id: str
    snapshot_fingerprint: str
    changed: bool                 # false when a re-run found the same snapshot
    assignments: list[Assignment]
    overflow_count: int
    completed_at: datetime
