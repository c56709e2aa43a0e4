"""The allocator's answer: one assignment per booking, and what the run saw.

Times: ``segment_*`` are the segment the agent is told (always inside the period);
``estimated_*`` are center-local wall times (naive: the snapshot carries no zone)
and may run past the period's end, or midnight, on an overflowing day.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import chain
from typing import Any

from allocator.domain.canonical import fingerprint_lines
from allocator.domain.wall_clock import hhmm


@dataclass(frozen=True, slots=True)
class Assignment:
    booking_id: str
    period: str
    desk: int
    queue_number: str
    segment_start: time
    segment_end: time
    estimated_start: datetime
    estimated_end: datetime
    # Started at or after the period's end: kept, sent to the last segment, reported.
    overflow: bool = False

    def canonical(self) -> list[object]:
        return [self.booking_id, self.period, self.desk, self.queue_number,
                hhmm(self.segment_start), hhmm(self.segment_end),
                self.estimated_start.isoformat(timespec="minutes"),
                self.estimated_end.isoformat(timespec="minutes"), self.overflow]

    def to_dict(self) -> dict[str, Any]:
        return {
            "booking_id": self.booking_id,
            "period": self.period,
            "desk": self.desk,
            "queue_number": self.queue_number,
            "segment_start": hhmm(self.segment_start),
            "segment_end": hhmm(self.segment_end),
            "estimated_start": self.estimated_start.isoformat(timespec="minutes"),
            "estimated_end": self.estimated_end.isoformat(timespec="minutes"),
            "overflow": self.overflow,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assignment:
        """Back from :meth:`to_dict` (a stored run), to compare with a new one."""
        return cls(
            booking_id=data["booking_id"],
            period=data["period"],
            desk=int(data["desk"]),
            queue_number=data["queue_number"],
            segment_start=_time(data["segment_start"]),
            segment_end=_time(data["segment_end"]),
            estimated_start=_datetime(data["estimated_start"]),
            estimated_end=_datetime(data["estimated_end"]),
            overflow=bool(data.get("overflow", False)),
        )


@dataclass(frozen=True, slots=True)
class PeriodStats:
    period: str
    bookings: int
    overflow: int
    # Index d-1 is desk d; None for a desk nobody was placed on.
    desk_last_end: tuple[datetime | None, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "bookings": self.bookings,
            "overflow": self.overflow,
            "desk_last_end": [None if t is None else t.isoformat(timespec="minutes")
                              for t in self.desk_last_end],
        }


@dataclass(frozen=True, slots=True)
class Schedule:
    center: str
    date: date
    desks: int
    segment_minutes: int
    # Period by period (in start order), each in queue order.
    assignments: tuple[Assignment, ...]
    periods: tuple[PeriodStats, ...]

    @property
    def booking_count(self) -> int:
        return len(self.assignments)

    @property
    def overflow_count(self) -> int:
        return sum(p.overflow for p in self.periods)

    def by_booking(self) -> dict[str, Assignment]:
        return {a.booking_id: a for a in self.assignments}

    def to_dict(self) -> dict[str, Any]:
        return {
            "center": self.center,
            "date": self.date.isoformat(),
            "desks": self.desks,
            "segment_minutes": self.segment_minutes,
            "bookings": self.booking_count,
            "overflow": self.overflow_count,
            "periods": [p.to_dict() for p in self.periods],
            "assignments": [a.to_dict() for a in self.assignments],
        }

    def fingerprint(self) -> str:
        """Hash of what was assigned (not of run statistics): equal fingerprints mean
        every booking kept its desk, segment and queue number."""
        header = {"center": self.center, "date": self.date.isoformat()}
        return fingerprint_lines(chain([header], (a.canonical() for a in self.assignments)))


def _time(value: str | time) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def _datetime(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
