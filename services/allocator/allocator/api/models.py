"""Response models of the allocator's HTTP API (they document the JSON and are the OpenAPI
document's schemas; the handlers build plain dicts of exactly this shape, as the schedule
can hold 20,000 assignments: tests/contract/test_openapi_document.py checks that shape
against these models)."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
    """A desk of a period and when its last assignment ends."""
    model_config = ConfigDict(json_schema_extra={"examples": [{"desk": 1, "last_end": "2027-03-15T11:20"}]})
    desk: int
    last_end: WallTime | None      # null for a desk nobody got


class ScheduledBooking(BaseModel):
    """One booking's place: its queue number, desk, the segment the agent was told, the estimate."""
    model_config = ConfigDict(json_schema_extra={"examples": [{"booking_id": "0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b", "queue_number": "A001", "desk": 1,
           "start": "09:00", "end": "09:30", "estimated_start": "2027-03-15T09:00",
           "estimated_end": "2027-03-15T09:20", "overflow": False}]})
    booking_id: str
    queue_number: str              # A001..., per period
    desk: int
    start: ClockTime               # the segment the agent was told
    end: ClockTime
    estimated_start: WallTime      # may pass the period's end (or midnight)
    estimated_end: WallTime
    overflow: bool                 # started at/after the period's end: put in its last segment


class PeriodSchedule(BaseModel):
    """A period's bookings, desks and assignments (in queue order)."""
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "period": "AM", "bookings": 1, "overflow": 0, "desks": [{"desk": 1, "last_end": "2027-03-15T09:20"}],
        "assignments": [{"booking_id": "0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b", "queue_number": "A001", "desk": 1,
           "start": "09:00", "end": "09:30", "estimated_start": "2027-03-15T09:00",
           "estimated_end": "2027-03-15T09:20", "overflow": False}]}]})
    period: str
    bookings: int
    overflow: int
    desks: list[DeskEnd]
    assignments: list[ScheduledBooking]   # queue order


class RunInfo(BaseModel):
    """The allocation run that computed the schedule (the same snapshot and policy give the same one)."""
    model_config = ConfigDict(json_schema_extra={"examples": [{"run_id": "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "cutoff_id": "qingdao:2027-03-15:1",
           "closed_at": "2027-03-12T15:00:00+08:00", "created_at": "2027-03-12T15:00:04+08:00",
           "snapshot_fingerprint": "sha256:9c1f0b7e", "policy_fingerprint": "sha256:41aa2d03",
           "schedule_fingerprint": "sha256:e07b6c55", "booking_count": 1, "overflow_count": 0,
           "stats": {"desks": 4, "segment_minutes": 30, "bookings": 1, "overflow": 0}}]})
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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "center": "qingdao", "date": "2027-03-15", "desks": 4, "segment_minutes": 30,
        "applied_at": "2027-03-12T15:00:04+08:00", "run": {"run_id": "7d1e2f30-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "cutoff_id": "qingdao:2027-03-15:1",
           "closed_at": "2027-03-12T15:00:00+08:00", "created_at": "2027-03-12T15:00:04+08:00",
           "snapshot_fingerprint": "sha256:9c1f0b7e", "policy_fingerprint": "sha256:41aa2d03",
           "schedule_fingerprint": "sha256:e07b6c55", "booking_count": 1, "overflow_count": 0,
           "stats": {"desks": 4, "segment_minutes": 30, "bookings": 1, "overflow": 0}},
        "periods": [{"period": "AM", "bookings": 1, "overflow": 0, "desks": [{"desk": 1, "last_end": "2027-03-15T09:20"}],
                     "assignments": [{"booking_id": "0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b", "queue_number": "A001", "desk": 1,
           "start": "09:00", "end": "09:30", "estimated_start": "2027-03-15T09:00",
           "estimated_end": "2027-03-15T09:20", "overflow": False}]}]}]})
    center: str
    date: date
    desks: int
    segment_minutes: int
    applied_at: datetime           # when the assignments last changed
    run: RunInfo                   # the newest run giving these assignments
    periods: list[PeriodSchedule]
