"""The frozen day the allocator schedules: what booking put in ``allocation.requested``.

Value objects only. ``DaySnapshot.from_dict`` reads the event's ``data``; the
invariants live in ``__post_init__`` so they hold however the objects are built.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from functools import lru_cache
from typing import Any

from . import coerce
from .business_types import BUSINESS_TYPES
from .canonical import fingerprint
from .errors import InvalidSnapshot
from .wall_clock import hhmm

_KNOWN_TYPES = frozenset(BUSINESS_TYPES)
# Lines cancelled before the cutoff are not handled at the desk, so they weigh nothing.
_CANCELLED = "cancelled"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class Period:
    code: str
    start: time
    end: time
    queue_prefix: str

    def __post_init__(self) -> None:
        if not self.code or not self.queue_prefix:
            raise InvalidSnapshot("period: code and queue_prefix must not be empty")
        for t in (self.start, self.end):
            if t.second or t.microsecond or t.tzinfo is not None:
                raise InvalidSnapshot(f"period {self.code}: times are whole local minutes")
        if self.start >= self.end:
            raise InvalidSnapshot(f"period {self.code}: start must be before end")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], default_prefix: str | None = None) -> Period:
        prefix = (data.get("queue_prefix") or default_prefix) if isinstance(data, Mapping) else None
        return cls(
            code=coerce.as_text(coerce.required(data, "code"), "code"),
            start=coerce.as_time(coerce.required(data, "start"), "start"),
            end=coerce.as_time(coerce.required(data, "end"), "end"),
            queue_prefix=coerce.as_text(prefix, "queue_prefix"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "start": hhmm(self.start), "end": hhmm(self.end),
                "queue_prefix": self.queue_prefix}


@dataclass(frozen=True, slots=True)
class Business:
    """One business type for one enterprise; ``count`` is cards (or readers), 1 when the
    type takes no count."""
    type: str
    count: int = 1

    def __post_init__(self) -> None:
        if self.type not in _KNOWN_TYPES:
            raise InvalidSnapshot(f"type: unknown business type {self.type!r}")
        if self.count < 1:
            raise InvalidSnapshot(f"count: {self.type} needs a count of at least 1")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Business:
        try:
            return _business(data["type"], data.get("count"))
        except (KeyError, TypeError, AttributeError):
            pass  # not the plain shape: read it field by field for a precise error
        count = data.get("count") if isinstance(data, Mapping) else None
        return cls(type=coerce.as_text(coerce.required(data, "type"), "type"),
                   count=1 if count is None else coerce.as_int(count, "count"))

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "count": self.count}


@lru_cache(maxsize=2048, typed=True)  # typed: a count of True must not hit the entry for 1
def _business(type_code: str, count: Any) -> Business:
    """A day repeats the same few (type, count) pairs hundreds of thousands of times;
    they are immutable values, so one shared instance each is enough."""
    return Business(type=coerce.as_text(type_code, "type"),
                    count=1 if count is None else coerce.as_int(count, "count"))


@dataclass(frozen=True, slots=True)
class EnterpriseLine:
    org_code: str
    businesses: tuple[Business, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EnterpriseLine:
        return cls(
            org_code=coerce.as_text(coerce.required(data, "org_code"), "org_code"),
            businesses=coerce.each(coerce.required(data, "businesses"), Business.from_dict,
                                   "businesses"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"org_code": self.org_code,
                "businesses": [b.to_dict() for b in sorted(self.businesses, key=_by_type)]}


@dataclass(frozen=True, slots=True)
class Booking:
    id: str
    period: str
    created_at: datetime  # kept in UTC: one zone makes ordering cheap and unambiguous
    enterprises: tuple[EnterpriseLine, ...]

    def __post_init__(self) -> None:
        if self.created_at.utcoffset() is None:
            raise InvalidSnapshot("created_at: the instant must carry a UTC offset")
        if self.created_at.tzinfo is not timezone.utc:
            object.__setattr__(self, "created_at", self.created_at.astimezone(timezone.utc))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Booking:
        lines = coerce.required(data, "enterprises")
        if isinstance(lines, (list, tuple)):
            lines = [line for line in lines
                     if not (isinstance(line, Mapping) and line.get("status") == _CANCELLED)]
        return cls(
            id=coerce.as_text(coerce.required(data, "id"), "id"),
            period=coerce.as_text(coerce.required(data, "period"), "period"),
            created_at=coerce.as_aware_datetime(coerce.required(data, "created_at"), "created_at"),
            enterprises=coerce.each(lines, EnterpriseLine.from_dict, "enterprises"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "period": self.period,
            # Fixed precision: the same instant always spells the same.
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "enterprises": [e.to_dict() for e in sorted(self.enterprises, key=_by_org)],
        }


@dataclass(frozen=True, slots=True)
class DaySnapshot:
    """One center's service date: its periods (kept sorted by start) and the final list
    of active bookings, in any order (the scheduler orders them itself)."""
    center: str
    date: date
    periods: tuple[Period, ...]
    bookings: tuple[Booking, ...]

    def __post_init__(self) -> None:
        periods = tuple(sorted(self.periods, key=lambda p: (p.start, p.code)))
        object.__setattr__(self, "periods", periods)
        codes = [p.code for p in periods]
        if len(set(codes)) != len(codes):
            raise InvalidSnapshot("periods: codes must be unique")
        if len({p.queue_prefix for p in periods}) != len(periods):
            raise InvalidSnapshot("periods: queue prefixes must be unique (queue numbers would clash)")
        for earlier, later in zip(periods, periods[1:]):
            if later.start < earlier.end:
                # Desks are shared: overlapping periods would seat two agents at one desk.
                raise InvalidSnapshot(f"periods: {earlier.code} and {later.code} overlap")
        known = set(codes)
        seen: set[str] = set()
        for b in self.bookings:
            if b.id in seen:
                raise InvalidSnapshot(f"bookings: {b.id} appears twice")
            seen.add(b.id)
            if b.period not in known:
                raise InvalidSnapshot(f"bookings: {b.id} names unknown period {b.period!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DaySnapshot:
        """Read the event's ``data``; the shape is in the package docstring."""
        return cls(
            center=coerce.as_text(coerce.required(data, "center"), "center"),
            date=coerce.as_date(coerce.required(data, "date"), "date"),
            periods=_read_periods(coerce.required(data, "periods")),
            bookings=coerce.each(coerce.required(data, "bookings"), Booking.from_dict, "bookings"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Canonical form: bookings by id, lines by org code, types by code, so that the
        same content gives the same dict whatever order the event listed it in."""
        return {
            "center": self.center,
            "date": self.date.isoformat(),
            "periods": [p.to_dict() for p in self.periods],
            "bookings": [b.to_dict() for b in sorted(self.bookings, key=_by_id)],
        }

    def fingerprint(self) -> str:
        return fingerprint(self.to_dict())


def _read_periods(items: Any) -> tuple[Period, ...]:
    """Periods without a configured prefix are lettered by start: A morning, B afternoon."""
    starts = coerce.each(items, lambda p: coerce.as_time(coerce.required(p, "start"), "start"),
                         "periods")
    by_start = sorted(range(len(starts)), key=starts.__getitem__)
    letter = {i: _LETTERS[rank] for rank, i in enumerate(by_start) if rank < len(_LETTERS)}
    position = iter(range(len(starts)))
    return coerce.each(items, lambda p: Period.from_dict(p, letter.get(next(position))), "periods")


def _by_type(b: Business) -> str:
    return b.type


def _by_org(e: EnterpriseLine) -> str:
    return e.org_code


def _by_id(b: Booking) -> str:
    return b.id
