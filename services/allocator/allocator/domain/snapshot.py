"""The frozen day the allocator schedules: what booking put in ``allocation.requested``.

Value objects only. ``DaySnapshot.from_dict`` reads the event's ``data``; the
invariants live in ``__post_init__`` so they hold however the objects are built.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from typing import Any

from allocator.domain import coerce
from allocator.domain.business_types import BUSINESS_TYPES
from allocator.domain.canonical import fingerprint_lines
from allocator.domain.errors import InvalidSnapshot
from allocator.domain.wall_clock import hhmm

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

    def canonical(self) -> list[object]:
        return [self.code, hhmm(self.start), hhmm(self.end), self.queue_prefix]


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

    def canonical(self) -> list[object]:
        return [self.type, self.count]


# A day repeats the same few (type, count) pairs, and the same few combinations of them,
# hundreds of thousands of times. They are immutable values: one shared instance each
# saves most of the allocations (and the garbage collector's passes over them).
# typed=True: a count of True must not hit the entry for 1.
@lru_cache(maxsize=2048, typed=True)
def _business(type_code: str, count: Any) -> Business:
    return Business(type=coerce.as_text(type_code, "type"),
                    count=1 if count is None else coerce.as_int(count, "count"))


def _business_key(item: Mapping[str, Any]) -> tuple[Any, Any, type]:
    # The count's class is part of the key: lru_cache's typed= only looks at top-level
    # arguments, and (t, True) == (t, 1) inside a tuple.
    count = item.get("count")
    return item["type"], count, type(count)


@lru_cache(maxsize=4096)
def _businesses(keys: tuple[tuple[Any, Any, type], ...]) -> tuple[Business, ...]:
    return tuple([_business(type_code, count) for type_code, count, _ in keys])


@dataclass(frozen=True, slots=True)
class EnterpriseLine:
    org_code: str
    businesses: tuple[Business, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EnterpriseLine:
        # Fast path for the well-formed line (an event holds ~100,000 of them); anything
        # odd is read again field by field, which names the faulty field.
        try:
            org_code, items = data["org_code"], data["businesses"]
            if type(org_code) is str and org_code and type(items) is list:
                return cls(org_code, _businesses(tuple([_business_key(b) for b in items])))
        except (KeyError, TypeError, AttributeError, InvalidSnapshot):
            pass
        return cls(
            org_code=coerce.as_text(coerce.required(data, "org_code"), "org_code"),
            businesses=coerce.each(coerce.required(data, "businesses"), Business.from_dict,
                                   "businesses"),
        )

    def canonical(self) -> list[object]:
        return [self.org_code, sorted([b.canonical() for b in self.businesses])]


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
        try:  # fast path, as for lines
            booking_id, period, created_at, lines = (
                data["id"], data["period"], data["created_at"], data["enterprises"])
            if type(booking_id) is str and booking_id and type(period) is str and period \
                    and type(lines) is list \
                    and not any(line.get("status") == _CANCELLED for line in lines):
                return cls(booking_id, period, coerce.as_aware_datetime(created_at, "created_at"),
                           tuple([EnterpriseLine.from_dict(line) for line in lines]))
        except (KeyError, TypeError, AttributeError, InvalidSnapshot):
            pass
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

    def canonical(self) -> list[object]:
        # Fixed precision: the same instant always spells the same.
        return [self.id, self.period, self.created_at.isoformat(timespec="microseconds"),
                sorted([e.canonical() for e in self.enterprises])]


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
            # Two periods on "A" would hand out A001 twice.
            raise InvalidSnapshot("periods: queue prefixes must be unique")
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

    @classmethod
    def from_header(cls, data: Mapping[str, Any], bookings: tuple[Booking, ...]) -> DaySnapshot:
        """The day from its header fields (center, date, periods) and bookings already read
        one by one (a streaming reader: the event's ``bookings`` never exist as a list of dicts)."""
        return cls(
            center=coerce.as_text(coerce.required(data, "center"), "center"),
            date=coerce.as_date(coerce.required(data, "date"), "date"),
            periods=_read_periods(coerce.required(data, "periods")),
            bookings=bookings,
        )

    def fingerprint(self) -> str:
        """Same content, same fingerprint, whatever order the event listed things in:
        bookings by id, lines by org code, types by code. Items are positional lists,
        not dicts: this runs over ~300,000 of them on a busy day."""
        header = {"center": self.center, "date": self.date.isoformat(),
                  "periods": [p.canonical() for p in self.periods]}
        bookings = sorted(self.bookings, key=attrgetter("id"))
        return fingerprint_lines(chain([header], (b.canonical() for b in bookings)))


def _read_periods(items: Any) -> tuple[Period, ...]:
    """Periods without a configured prefix are lettered by start: A morning, B afternoon."""
    starts = coerce.each(items, _start_of, "periods")
    letters: list[str | None] = [None] * len(starts)
    for rank, i in enumerate(sorted(range(len(starts)), key=starts.__getitem__)):
        letters[i] = _LETTERS[rank] if rank < len(_LETTERS) else None
    return coerce.each(list(zip(items, letters)), _period_lettered, "periods")


def _start_of(data: Any) -> time:
    return coerce.as_time(coerce.required(data, "start"), "start")


def _period_lettered(pair: tuple[Any, str | None]) -> Period:
    data, letter = pair
    return Period.from_dict(data, default_prefix=letter)
