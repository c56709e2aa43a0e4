"""A day that does not fit its desks: the late tail is kept, marked and reported."""
from __future__ import annotations

from datetime import datetime, time

from allocator.domain import allocate


def test_a_booking_starting_after_the_period_is_kept_in_the_last_segment_and_marked(build):
    # One desk, 150 minutes, four bookings of 60: starts 09:00, 10:00, 11:00, 12:00.
    snapshot = build.day(*[build.booking(f"b{i}", second=i, lines=6) for i in range(1, 5)])

    schedule = allocate(snapshot, build.policy(desks=1))

    b1, b2, b3, b4 = schedule.assignments
    assert b3.overflow is False  # starts inside the period, even though it ends after it
    assert b3.estimated_end == datetime(2026, 12, 1, 12, 0)
    assert b4.overflow is True
    assert (b4.segment_start, b4.segment_end) == (time(11, 0), time(11, 30))
    assert b4.queue_number == "A004" and b4.desk == 1
    assert b4.estimated_start == datetime(2026, 12, 1, 12, 0)  # estimates stay honest
    assert schedule.periods[0].overflow == 1 and schedule.overflow_count == 1
    assert schedule.periods[0].desk_last_end == (datetime(2026, 12, 1, 13, 0),)


def test_starting_exactly_at_the_period_end_is_overflow(build):
    snapshot = build.day(build.booking("a", second=1, lines=15),  # 09:00-11:30
                         build.booking("b", second=2))

    b = allocate(snapshot, build.policy(desks=1)).by_booking()["b"]

    assert b.overflow and b.estimated_start.time() == time(11, 30)
    assert (b.segment_start, b.segment_end) == (time(11, 0), time(11, 30))


def test_a_heavily_overbooked_day_drops_nobody_and_keeps_every_segment_inside(build):
    snapshot = build.day(*[build.booking(f"b{i:03d}", second=i, lines=5) for i in range(60)])

    schedule = allocate(snapshot, build.policy(desks=2))

    assert sorted(a.booking_id for a in schedule.assignments) == [f"b{i:03d}" for i in range(60)]
    assert all(time(9, 0) <= a.segment_start < a.segment_end <= time(11, 30)
               for a in schedule.assignments)
    flags = [a.overflow for a in schedule.assignments]
    # Overflow is the queue's tail: once one overflows, every later one does.
    assert flags == sorted(flags) and flags.count(True) == 54
    assert schedule.overflow_count == 54
    assert {a.desk for a in schedule.assignments if a.overflow} == {1, 2}
    assert [a.queue_number for a in schedule.assignments][-1] == "A060"


def test_estimates_may_run_past_midnight_without_breaking(build):
    snapshot = build.day(*[build.booking(f"b{i}", period="PM", second=i, lines=10)
                           for i in range(70)])  # 70 x 100 minutes on one desk

    schedule = allocate(snapshot, build.policy(desks=1))

    last = schedule.assignments[-1]
    assert last.overflow and last.estimated_end.date() > schedule.date
    assert (last.segment_start, last.segment_end) == (time(16, 30), time(17, 0))
