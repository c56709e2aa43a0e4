"""Reading the plain values of an event's ``data`` into Python types.

The snapshot arrives as JSON (strings), but a caller that already parsed it (pydantic)
may hand over ``date``/``time``/``datetime`` objects: both are accepted. Every failure
names the field's path (``bookings[3].enterprises[0].businesses[1].count``), so a
dead-lettered event says what was wrong. Paths are built only on failure: the happy
path reads tens of thousands of lines per event.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any, TypeVar

from allocator.domain.errors import InvalidSnapshot

T = TypeVar("T")


def each(items: Any, read: Callable[[Any], T], field: str) -> tuple[T, ...]:
    """``read`` every item of a list, prefixing an error with the item's index."""
    if not isinstance(items, (list, tuple)):
        raise InvalidSnapshot(f"{field}: expected a list")
    out = []
    i = 0
    try:
        for i, item in enumerate(items):  # noqa: B007  (i is read by the except below)
            out.append(read(item))
    except InvalidSnapshot as e:
        raise InvalidSnapshot(f"{field}[{i}].{e.detail}") from None
    return tuple(out)


def required(data: Mapping[str, Any], key: str) -> Any:
    try:
        return data[key]
    except KeyError:
        raise InvalidSnapshot(f"{key}: missing") from None
    except (TypeError, IndexError):
        raise InvalidSnapshot(f"{key}: missing (not inside an object)") from None


def as_text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidSnapshot(f"{where}: expected a non-empty string")
    return value


def as_int(value: Any, where: str) -> int:
    # bool is an int subclass; True as a card count is a bug upstream, not 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidSnapshot(f"{where}: expected an integer")
    return value


def as_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        raise InvalidSnapshot(f"{where}: expected a date, not an instant")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidSnapshot(f"{where}: expected a date YYYY-MM-DD") from None


def as_time(value: Any, where: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidSnapshot(f"{where}: expected a time HH:MM") from None


def as_aware_datetime(value: Any, where: str) -> datetime:
    instant: datetime = value
    if not isinstance(value, datetime):
        try:
            instant = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise InvalidSnapshot(f"{where}: expected an ISO 8601 instant") from None
    if instant.utcoffset() is None:
        # A naive creation time cannot be ordered against others: first come, first
        # served would depend on a guess about the zone.
        raise InvalidSnapshot(f"{where}: the instant must carry a UTC offset")
    return instant
