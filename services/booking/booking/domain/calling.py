"""叫号: the order in which a desk calls the waiting numbers, and where a skipped number
goes back. Plain rules over the day's waiting bookings; the service locks what they pick.

A desk's own queue goes first, in queue order: the period's order, then the place a skip
gave the number (its requeue key), then the number itself. When its own queue is empty
the desk takes the oldest waiting number (earliest check-in) of the other desks, so no
desk sits idle while people wait.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# A period's numbers stay below the next period's: rank * SPAN + number.
SPAN = 100_000
# "Three ahead of you": booking.queue_near goes out once a waiting number has this many or fewer before it.
NEAR_AHEAD = 3
# A skipped number goes back behind this many waiting numbers.
SKIP_BEHIND = 2
_DIGITS = re.compile(r"(\d+)$")


@dataclass(frozen=True)
class Waiting:
    """A checked-in booking of the day that no desk is calling now."""
    booking_id: str
    desk: int                      # its allocation's desk
    period: str
    queue_number: str
    checked_in_at: datetime | None
    requeue_key: Decimal | None = None


def natural_key(periods: Sequence[str], period: str, queue_number: str) -> Decimal:
    """The number's place before any skip: period rank first, then the number (A999 before A1000)."""
    rank = periods.index(period) if period in periods else len(periods)
    found = _DIGITS.search(queue_number)
    return Decimal(rank * SPAN + (int(found.group(1)) if found else SPAN - 1))


def queue_key(periods: Sequence[str], w: Waiting) -> tuple[Decimal, int, str]:
    key = w.requeue_key if w.requeue_key is not None else natural_key(periods, w.period, w.queue_number)
    return key, len(w.queue_number), w.queue_number


def desk_queue(waiting: Iterable[Waiting], desk: int, periods: Sequence[str]) -> list[Waiting]:
    """The desk's own waiting numbers, first to be called first."""
    return sorted((w for w in waiting if w.desk == desk), key=lambda w: queue_key(periods, w))


def call_order(waiting: Iterable[Waiting], desk: int, periods: Sequence[str]) -> list[Waiting]:
    """Who the desk should call, best first: its own queue, then the other desks' waiting
    numbers, oldest check-in first. The caller takes the first it can lock."""
    waiting = list(waiting)
    others = sorted((w for w in waiting if w.desk != desk),
                    key=lambda w: (w.checked_in_at is None, w.checked_in_at or datetime.min, queue_key(periods, w)))
    return desk_queue(waiting, desk, periods) + others


def skip_key(queue: Sequence[Waiting], periods: Sequence[str]) -> Decimal | None:
    """The requeue key of a skipped number, ``queue`` being its desk's waiting queue
    without it: just behind the next two (between the second and the third), or at the
    end when fewer wait. None when nobody waits (it keeps its place)."""
    keys = [queue_key(periods, w)[0] for w in queue]
    if not keys:
        return None
    if len(keys) > SKIP_BEHIND:
        return (keys[SKIP_BEHIND - 1] + keys[SKIP_BEHIND]) / 2
    return keys[-1] + 1


def ahead_of(queue: Sequence[Waiting], booking_id: str) -> int | None:
    """How many wait before the booking in its desk queue (None: it is not in it)."""
    for i, w in enumerate(queue):
        if w.booking_id == booking_id:
            return i
    return None


def near(queue: Sequence[Waiting], already: set[str]) -> list[tuple[Waiting, int]]:
    """The waiting numbers with NEAR_AHEAD or fewer before them that were not told yet."""
    return [(w, i) for i, w in enumerate(queue[:NEAR_AHEAD + 1]) if w.booking_id not in already]


def ahead_of_place(queue: Sequence[Waiting], periods: Sequence[str], period: str, queue_number: str) -> int:
    """For a number not waiting yet (allocated, not checked in): how many waiting numbers
    of its desk queue come before its natural place."""
    mine = (natural_key(periods, period, queue_number), len(queue_number), queue_number)
    return sum(1 for w in queue if queue_key(periods, w) < mine)
