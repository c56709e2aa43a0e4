"""allocate(): desks, segments and queue numbers for a day that fits."""
from __future__ import annotations

from datetime import datetime, time

from allocator.domain import allocate


def starts(schedule):
    return [(a.booking_id, a.desk, a.estimated_start.time()) for a in schedule.assignments]


def test_an_empty_day_gives_an_empty_schedule_with_zeroed_stats(build):
    schedule = allocate(build.day(), build.policy(desks=3))

    assert schedule.assignments == ()
    assert schedule.booking_count == 0 and schedule.overflow_count == 0
    assert [(p.period, p.bookings, p.overflow, p.desk_last_end) for p in schedule.periods] == [
        ("AM", 0, 0, (None, None, None)), ("PM", 0, 0, (None, None, None))]


def test_one_desk_serves_the_queue_back_to_back_in_arrival_order(build):
    snapshot = build.day(build.booking("c", second=30, lines=1),
                         build.booking("a", second=10, lines=1),
                         build.booking("b", second=20, lines=2))

    schedule = allocate(snapshot, build.policy(desks=1))

    assert starts(schedule) == [("a", 1, time(9, 0)), ("b", 1, time(9, 10)), ("c", 1, time(9, 30))]
    assert [a.queue_number for a in schedule.assignments] == ["A001", "A002", "A003"]
    assert [a.estimated_end.time() for a in schedule.assignments] == [
        time(9, 10), time(9, 30), time(9, 40)]
    assert schedule.periods[0].desk_last_end == (datetime(2026, 12, 1, 9, 40),)


def test_many_desks_take_the_earliest_free_desk_and_the_lowest_number_on_a_tie(build):
    # Durations 30, 10, 20, 10, 10 minutes on three desks.
    snapshot = build.day(*[build.booking(f"b{i}", second=i, lines=n)
                           for i, n in enumerate([3, 1, 2, 1, 1], start=1)])

    schedule = allocate(snapshot, build.policy(desks=3))

    assert starts(schedule) == [
        ("b1", 1, time(9, 0)), ("b2", 2, time(9, 0)), ("b3", 3, time(9, 0)),
        ("b4", 2, time(9, 10)),  # desk 2 frees first
        ("b5", 2, time(9, 20)),  # desks 2 and 3 both free at 09:20: the lower number
    ]
    assert not any(a.overflow for a in schedule.assignments)
    assert {a.desk for a in schedule.assignments} <= {1, 2, 3}


def test_the_segment_is_the_one_holding_the_estimated_start(build):
    snapshot = build.day(build.booking("a", second=1, lines=2),  # 09:00-09:20
                         build.booking("b", second=2, lines=1),  # 09:20-09:30
                         build.booking("c", second=3, lines=1))  # 09:30: next segment

    schedule = allocate(snapshot, build.policy(desks=1))

    assert [(a.segment_start, a.segment_end) for a in schedule.assignments] == [
        (time(9, 0), time(9, 30)), (time(9, 0), time(9, 30)), (time(9, 30), time(10, 0))]


def test_segments_follow_the_policy_length_and_are_cut_at_the_period_end(build):
    period = {"code": "PM", "start": "13:30", "end": "16:45", "queue_prefix": "B"}
    # 19 lines = 190 minutes, so the second booking starts at 16:40.
    snapshot = build.day(build.booking("a", period="PM", second=1, lines=19),
                         build.booking("b", period="PM", second=2, lines=1), periods=[period])

    schedule = allocate(snapshot, build.policy(desks=1, segment_minutes=60))

    first, second = schedule.assignments
    assert (first.segment_start, first.segment_end) == (time(13, 30), time(14, 30))
    assert (second.segment_start, second.segment_end) == (time(16, 30), time(16, 45))
    assert not second.overflow


def test_queue_numbers_restart_in_each_period_with_its_prefix(build):
    snapshot = build.day(build.booking("p1", period="PM", second=1),
                         build.booking("a1", period="AM", second=2),
                         build.booking("p2", period="PM", second=3),
                         build.booking("a2", period="AM", second=4))

    schedule = allocate(snapshot, build.policy(desks=2))

    assert [(a.booking_id, a.period, a.queue_number) for a in schedule.assignments] == [
        ("a1", "AM", "A001"), ("a2", "AM", "A002"), ("p1", "PM", "B001"), ("p2", "PM", "B002")]
    assert [a.estimated_start.time() for a in schedule.assignments] == [
        time(9, 0), time(9, 0), time(13, 30), time(13, 30)]


def test_each_period_starts_with_every_desk_free(build):
    # The morning overruns far past 13:30; the afternoon is not pushed back by it.
    snapshot = build.day(build.booking("am", period="AM", second=1, lines=40),
                         build.booking("pm", period="PM", second=2, lines=1))

    schedule = allocate(snapshot, build.policy(desks=1))

    assert schedule.by_booking()["am"].estimated_end == datetime(2026, 12, 1, 15, 40)
    assert schedule.by_booking()["pm"].estimated_start == datetime(2026, 12, 1, 13, 30)


def test_queue_numbers_keep_three_digits_then_grow(build):
    snapshot = build.day(*[build.booking(f"b{i:04d}", second=i) for i in range(1000)])

    schedule = allocate(snapshot, build.policy(desks=4))

    numbers = [a.queue_number for a in schedule.assignments]
    assert numbers[:2] == ["A001", "A002"] and numbers[998:] == ["A999", "A1000"]
    assert len(set(numbers)) == 1000


def test_stats_count_bookings_per_period_and_the_last_end_of_each_desk(build):
    snapshot = build.day(build.booking("a", second=1, lines=2), build.booking("b", second=2),
                         build.booking("c", period="PM", second=3))

    schedule = allocate(snapshot, build.policy(desks=2))

    am, pm = schedule.periods
    assert (am.bookings, pm.bookings, schedule.booking_count) == (2, 1, 3)
    assert am.desk_last_end == (datetime(2026, 12, 1, 9, 20), datetime(2026, 12, 1, 9, 10))
    assert pm.desk_last_end == (datetime(2026, 12, 1, 13, 40), None)
