"""Same snapshot, same schedule: ties, input order and re-runs."""
from __future__ import annotations

import random
from datetime import datetime

from allocator.domain import Assignment, DaySnapshot, allocate


def many(build, count=40):
    # Creation times in steps of 3 seconds over 40 bookings: plenty of exact ties.
    return [build.booking(f"bk-{i:02d}", period=("AM", "PM")[i % 2], second=(i * 7) % 3,
                          lines=1 + i % 4) for i in range(count)]


def test_the_same_snapshot_twice_gives_equal_schedules_and_fingerprints(build):
    snapshot = build.day(*many(build))

    first = allocate(snapshot, build.policy(desks=3))
    second = allocate(snapshot, build.policy(desks=3))

    assert first == second
    assert first.fingerprint() == second.fingerprint()
    assert len(first.fingerprint()) == 64


def test_ties_in_creation_time_go_by_booking_id_whatever_the_input_order(build):
    bookings = many(build)
    shuffled = bookings[:]
    random.Random(7).shuffle(shuffled)

    original = allocate(build.day(*bookings), build.policy(desks=2))
    reordered = allocate(build.day(*shuffled), build.policy(desks=2))

    assert reordered == original
    tied = build.day(build.booking("zz", second=5), build.booking("aa", second=5))
    assert [a.booking_id for a in allocate(tied, build.policy()).assignments] == ["aa", "zz"]


def test_first_come_compares_instants_not_local_clock_readings(build):
    early = build.booking("z-early")
    early["created_at"] = "2026-11-27T10:00:00+08:00"  # 02:00 UTC
    late = build.booking("a-late")
    late["created_at"] = "2026-11-27T03:00:00+00:00"   # 03:00 UTC
    same = build.booking("b-same")
    same["created_at"] = "2026-11-27T02:00:00Z"        # = early; the id breaks the tie

    schedule = allocate(build.day(late, same, early), build.policy())

    assert [a.booking_id for a in schedule.assignments] == ["b-same", "z-early", "a-late"]


def test_the_snapshot_fingerprint_ignores_order_but_not_content(build):
    a = build.booking("a", businesses=[{"type": "RENEW_UNLOCK", "count": 2},
                                       {"type": "BUY_READER"}], lines=2)
    b = build.booking("b", second=3)
    a_reordered = dict(a, enterprises=[dict(line, businesses=line["businesses"][::-1])
                                       for line in a["enterprises"][::-1]])
    more_cards = dict(a, enterprises=[{"org_code": "OTHER0001",
                                       "businesses": [{"type": "RENEW_UNLOCK", "count": 3}]}])

    fingerprint = build.day(a, b).fingerprint()

    assert build.day(b, a_reordered).fingerprint() == fingerprint
    assert build.day(b, more_cards).fingerprint() != fingerprint
    assert build.day(a).fingerprint() != fingerprint


def test_a_changed_policy_changes_the_schedule_fingerprint(build):
    snapshot = build.day(*many(build))

    assert allocate(snapshot, build.policy(desks=1)).fingerprint() != \
        allocate(snapshot, build.policy(desks=2)).fingerprint()


def test_a_rerun_of_an_unchanged_snapshot_changes_no_assignment(build):
    snapshot = build.day(*many(build))
    first = allocate(snapshot, build.policy(desks=2))
    stored = [Assignment.from_dict(a.to_dict()) for a in first.assignments]

    rerun = allocate(DaySnapshot.from_dict({"center": "qingdao", "date": "2026-12-01",
                                            "periods": [build.PM, build.AM],
                                            "bookings": many(build)[::-1]}), build.policy(2))

    assert [a.canonical() for a in rerun.assignments] == [a.canonical() for a in stored]


def test_an_assignment_survives_its_stored_form(build):
    assignment = allocate(build.day(build.booking("a")), build.policy()).assignments[0]

    assert assignment.to_dict() == {
        "booking_id": "a", "period": "AM", "desk": 1, "queue_number": "A001",
        "segment_start": "09:00", "segment_end": "09:30",
        "estimated_start": "2026-12-01T09:00", "estimated_end": "2026-12-01T09:10",
        "overflow": False}
    assert Assignment.from_dict(assignment.to_dict()) == assignment
    assert assignment.estimated_start == datetime(2026, 12, 1, 9, 0)
