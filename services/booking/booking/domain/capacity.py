"""Capacity of a (date, period), counted in enterprise lines (a booking for 4 enterprises
uses 4).

These checks decide; the guarantee "never more than capacity, whatever the concurrency"
needs the service layer to read ``booked`` and write the booking under one lock (e.g. a
row lock on the capacity row) and call ``ensure_room`` inside it.
"""
from __future__ import annotations

from booking.domain.errors import CapacityBelowBooked, CapacityExhausted, ValidationFailed


def remaining(capacity: int, booked: int) -> int:
    return max(0, capacity - booked)


def ensure_room(capacity: int, booked: int, wanted: int) -> None:
    """CapacityExhausted unless ``wanted`` more lines fit next to ``booked`` ones."""
    if booked + wanted > capacity:
        raise CapacityExhausted(
            f"{wanted} enterprise line(s) asked, {remaining(capacity, booked)} of {capacity} left",
            remaining=remaining(capacity, booked))


def ensure_capacity_settable(new_capacity: int, booked: int) -> None:
    """An administrator may lower capacity, but not below the lines already booked."""
    if isinstance(new_capacity, bool) or not isinstance(new_capacity, int) or new_capacity < 0:
        raise ValidationFailed([{"field": "capacity", "message": "must be an integer >= 0"}])
    if new_capacity < booked:
        raise CapacityBelowBooked(
            f"{booked} enterprise lines are booked already; capacity cannot go down to {new_capacity}",
            booked=booked)
