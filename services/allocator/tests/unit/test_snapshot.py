"""Reading the allocation.requested snapshot, and what it refuses."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from allocator.domain import Business, DaySnapshot, InvalidSnapshot


def data(*bookings, periods=None):
    return {"center": "qingdao", "date": "2026-12-01",
            "periods": periods if periods is not None else [
                {"code": "PM", "start": "13:30", "end": "17:00"},
                {"code": "AM", "start": "09:00", "end": "11:30"}],
            "bookings": list(bookings)}


def test_the_event_shape_is_read_into_value_objects(build):
    raw = build.booking("b1", businesses=[{"type": "RENEW_UNLOCK", "count": 2},
                                          {"type": "BUY_READER"}])
    raw["enterprises"].append({"org_code": "GONE0000X", "status": "cancelled",
                               "businesses": [{"type": "NEW_CARD"}]})

    snapshot = DaySnapshot.from_dict(data(raw))

    assert (snapshot.center, snapshot.date) == ("qingdao", date(2026, 12, 1))
    # Sorted by start, and lettered A, B when no prefix is configured.
    assert [(p.code, p.start, p.end, p.queue_prefix) for p in snapshot.periods] == [
        ("AM", time(9, 0), time(11, 30), "A"), ("PM", time(13, 30), time(17, 0), "B")]
    (booking,) = snapshot.bookings
    assert booking.created_at == datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)
    # The cancelled line is left out.
    assert [line.org_code for line in booking.enterprises] == ["0000b100X"]
    assert booking.enterprises[0].businesses == (Business("RENEW_UNLOCK", 2),
                                                 Business("BUY_READER", 1))


def test_already_parsed_values_are_accepted(build):
    raw = data(dict(build.booking("b1"), created_at=datetime(2026, 11, 27, 1, tzinfo=timezone.utc)),
               periods=[{"code": "AM", "start": time(9), "end": time(11, 30), "queue_prefix": "M"}])
    raw["date"] = date(2026, 12, 1)

    snapshot = DaySnapshot.from_dict(raw)

    assert snapshot.periods[0].queue_prefix == "M" and snapshot.bookings[0].id == "b1"


@pytest.mark.parametrize("change, message", [
    (lambda b: b.update(created_at="2026-11-27T10:00:00"), "bookings[0].created_at"),
    (lambda b: b.update(period="EVENING"), "unknown period 'EVENING'"),
    (lambda b: b["enterprises"][0]["businesses"].append({"type": "LAMINATE"}),
     "bookings[0].enterprises[0].businesses[1].type"),
    (lambda b: b["enterprises"][0]["businesses"][0].update(type="RENEW_UNLOCK", count=0),
     "bookings[0].enterprises[0].businesses[0].count"),
    (lambda b: b["enterprises"][0]["businesses"][0].update(type="RENEW_UNLOCK", count=True),
     "bookings[0].enterprises[0].businesses[0].count"),
    (lambda b: b["enterprises"][0].pop("org_code"), "bookings[0].enterprises[0].org_code: missing"),
    (lambda b: b.pop("id"), "bookings[0].id: missing"),
])
def test_a_broken_booking_is_refused_naming_the_field(build, change, message):
    raw = build.booking("b1")
    change(raw)

    with pytest.raises(InvalidSnapshot) as refused:
        DaySnapshot.from_dict(data(raw))
    assert message in refused.value.detail


def test_a_count_of_true_is_not_mistaken_for_one_after_a_real_one(build):
    good = build.booking("b1", businesses=[{"type": "OPERATOR_CARD", "count": 1}])
    bad = build.booking("b2", businesses=[{"type": "OPERATOR_CARD", "count": True}])

    with pytest.raises(InvalidSnapshot):
        DaySnapshot.from_dict(data(good, bad))


def test_the_same_booking_twice_is_refused(build):
    with pytest.raises(InvalidSnapshot, match="appears twice"):
        DaySnapshot.from_dict(data(build.booking("b1"), build.booking("b1", second=9)))


@pytest.mark.parametrize("periods", [
    [{"code": "AM", "start": "09:00", "end": "12:00"},
     {"code": "MID", "start": "11:30", "end": "13:00"}],
    [{"code": "AM", "start": "11:30", "end": "09:00"}],
    [{"code": "AM", "start": "09:00", "end": "11:30", "queue_prefix": "A"},
     {"code": "PM", "start": "13:30", "end": "17:00", "queue_prefix": "A"}],
    [{"code": "AM", "start": "09:00", "end": "11:30"},
     {"code": "AM", "start": "13:30", "end": "17:00"}],
    [{"code": "AM", "start": "09:00:30", "end": "11:30"}],
])
def test_periods_that_cannot_be_scheduled_are_refused(periods):
    with pytest.raises(InvalidSnapshot):
        DaySnapshot.from_dict(data(periods=periods))


def test_a_day_without_bookings_or_periods_is_valid():
    snapshot = DaySnapshot.from_dict(data(periods=[]))

    assert snapshot.periods == () and snapshot.bookings == ()
