"""Which bookings a re-run actually moved: only those get a new SMS."""
from __future__ import annotations

from collections.abc import Iterable

from .schedule import Assignment


def changed_bookings(previous: Iterable[Assignment], current: Iterable[Assignment]) -> list[str]:
    """Ids of bookings in ``current`` that are new or whose notice (period, desk, segment,
    queue number) differs from ``previous``, in ``current``'s order. A shifted estimate
    alone is not a change: the agent was never told it."""
    before = {a.booking_id: a.notice() for a in previous}
    return [a.booking_id for a in current if before.get(a.booking_id) != a.notice()]
