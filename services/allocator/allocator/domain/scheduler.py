"""The scheduling function: a day's snapshot in, its schedule out. Pure and
deterministic: no clock, no randomness, no I/O, and nothing depends on input order.

Per period, independently (each period starts with every desk free):
1. Queue: first come, first served by (created_at, booking id); the id settles ties
   so equal creation times never fall back on the event's list order.
2. Pack: each booking goes to the desk that frees up earliest (ties: lowest desk
   number), starting when that desk frees, for its estimated handling time.
3. Tell: the segment holding that estimated start, and the next queue number.
A booking whose start falls at or after the period's end overflows: it is still
placed (same packing, so its estimates stay honest), sent to the period's last
segment and marked; it is never dropped. The earliest free time never decreases
along the queue, so overflow is always the queue's tail.

Cost: one sort plus one heap operation per booking, O(n log n).
"""
from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import date, datetime

from allocator.domain.duration import handling_minutes
from allocator.domain.policy import AllocationPolicy
from allocator.domain.queue_numbers import queue_number
from allocator.domain.schedule import Assignment, PeriodStats, Schedule
from allocator.domain.segments import period_segments, segment_index
from allocator.domain.snapshot import Booking, DaySnapshot, Period
from allocator.domain.wall_clock import midnight, on_day, to_minutes, to_time


def allocate(snapshot: DaySnapshot, policy: AllocationPolicy) -> Schedule:
    queues: dict[str, list[Booking]] = {p.code: [] for p in snapshot.periods}
    for booking in snapshot.bookings:
        queues[booking.period].append(booking)

    assignments: list[Assignment] = []
    stats: list[PeriodStats] = []
    for period in snapshot.periods:  # already in start order
        queue = sorted(queues[period.code], key=_arrival)
        stats.append(_place_period(period, queue, policy, snapshot.date, assignments))
    return Schedule(center=snapshot.center, date=snapshot.date, desks=policy.desks,
                    segment_minutes=policy.segment_minutes,
                    assignments=tuple(assignments), periods=tuple(stats))


def _arrival(booking: Booking) -> tuple[datetime, str]:
    return booking.created_at, booking.id


def _place_period(period: Period, queue: Sequence[Booking], policy: AllocationPolicy,
                  day: date, out: list[Assignment]) -> PeriodStats:
    """Append the period's assignments to ``out`` in queue order; return its stats."""
    start, end = to_minutes(period.start), to_minutes(period.end)
    seg = policy.segment_minutes
    segments = [(to_time(s), to_time(e)) for s, e in period_segments(start, end, seg)]
    day_start = midnight(day)
    # (minute the desk is free, desk number): the heap's head is the earliest free
    # desk, the lowest-numbered one among equals.
    free = [(start, desk) for desk in range(1, policy.desks + 1)]
    last_end: list[int | None] = [None] * policy.desks
    overflow = 0

    for position, booking in enumerate(queue, start=1):
        begins, desk = free[0]
        ends = begins + handling_minutes(booking, policy)
        heapq.heapreplace(free, (ends, desk))
        last_end[desk - 1] = ends  # a desk's bookings only ever move later

        late = begins >= end
        if late:
            overflow += 1
            segment = segments[-1]
        else:
            segment = segments[segment_index(begins, start, seg)]
        out.append(Assignment(
            booking_id=booking.id,
            period=period.code,
            desk=desk,
            queue_number=queue_number(period.queue_prefix, position),
            segment_start=segment[0],
            segment_end=segment[1],
            estimated_start=on_day(day_start, begins),
            estimated_end=on_day(day_start, ends),
            overflow=late,
        ))

    return PeriodStats(
        period=period.code,
        bookings=len(queue),
        overflow=overflow,
        desk_last_end=tuple(None if m is None else on_day(day_start, m) for m in last_end),
    )
