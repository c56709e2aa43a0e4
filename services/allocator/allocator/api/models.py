"""Response models of the allocator's HTTP API (they document the JSON and are the OpenAPI
document's schemas; the handlers build plain dicts of exactly this shape, as the schedule
can hold 20,000 assignments: tests/contract/test_openapi_document.py checks that shape
against these models)."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Center-local wall times as the handler writes them (isoformat, minutes, no offset): not
# RFC 3339 date-times, so documented as patterned strings.
WallTime = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$",
                                description="center-local wall time YYYY-MM-DDTHH:MM, no offset")]
ClockTime = Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", description="center-local HH:MM")]


class ScheduleQuery(BaseModel):
    """The path of GET /api/v1/allocations/{center}/{date}."""
    center: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    date: date

    @field_validator("date", mode="before")
    @classmethod
    def _calendar_date(cls, value):
        # Only YYYY-MM-DD: pydantic alone would also take a Unix timestamp.
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise ValueError("expected a date YYYY-MM-DD")
        return value


class DeskEnd(BaseModel):
    desk: int
    last_end: WallTime | None      # null for a desk nobody got


class ScheduledBooking(BaseModel):
    booking_id: str
    queue_number: str              # A001..., per period
    desk: int
    start: ClockTime               # the segment the agent was told
    end: ClockTime
    estimated_start: WallTime      # may pass the period's end (or midnight)
    estimated_end: WallTime
    overflow: bool                 # started at/after the period's end: put in its last segment


class PeriodSchedule(BaseModel):
    period: str
    bookings: int
    overflow: int
    desks: list[DeskEnd]
    assignments: list[ScheduledBooking]   # queue order


class RunInfo(BaseModel):
    run_id: str
    cutoff_id: str                 # of the request that first produced this run
    closed_at: datetime            # when booking froze the snapshot
    created_at: datetime           # when the allocator first computed it
    snapshot_fingerprint: str
    policy_fingerprint: str
    schedule_fingerprint: str
    booking_count: int
    overflow_count: int
    stats: dict                    # {desks, segment_minutes, bookings, overflow, periods: [...]}


class ScheduleResponse(BaseModel):
    """The schedule in force for a (center, date): grouped by period (in the day's order),
    each period's assignments in queue order."""
    center: str
    date: date
    desks: int
    segment_minutes: int
    applied_at: datetime           # when the assignments last changed
    run: RunInfo                   # the newest run giving these assignments
    periods: list[PeriodSchedule]
