from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.domain.errors import Suspended
from booking.domain.events import RightsSnapshot
from booking.domain.rights import (REASON_CANCELLATIONS, REASON_NO_SHOWS, BookingRights,
                                   add_months)
from shared.http.statuses import status_of

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SH)


def test_a_fresh_agent_can_book():
    rights = BookingRights("agent-1")
    rights.ensure_can_book(NOW)
    assert not rights.is_suspended(NOW)


# --- cancellations --------------------------------------------------------------------

def test_ten_cancellations_do_not_suspend():
    rights = BookingRights("agent-1")
    for _ in range(10):
        event = rights.record_cancellations(1, NOW)
    assert event.change == "cancellation_counted"
    assert rights.cancellations == 10
    rights.ensure_can_book(NOW)


def test_the_eleventh_cancellation_suspends_for_15_days_and_resets_its_counter():
    rights = BookingRights("agent-1", cancellations=10)
    event = rights.record_cancellations(1, NOW, note="booking b9 cancelled")
    assert event.change == "suspended"
    assert rights.suspended_until == NOW + timedelta(days=15)
    assert rights.reason == REASON_CANCELLATIONS
    assert rights.cancellations == 0
    assert event.before == RightsSnapshot(0, 10, None, None)
    assert event.after == RightsSnapshot(0, 0, NOW + timedelta(days=15), REASON_CANCELLATIONS)
    assert (event.agent_id, event.at, event.actor, event.note) == ("agent-1", NOW, None, "booking b9 cancelled")
    assert rights.events == [event]


def test_several_cancellations_at_once_can_cross_the_limit():
    rights = BookingRights("agent-1", cancellations=9)
    assert rights.record_cancellations(3, NOW).change == "suspended"
    assert rights.cancellations == 0


def test_counting_no_cancellation_is_a_programming_error():
    with pytest.raises(ValueError):
        BookingRights("agent-1").record_cancellations(0, NOW)


def test_the_counter_really_restarts_after_a_cancellation_suspension():
    rights = BookingRights("agent-1", cancellations=10)
    rights.record_cancellations(1, NOW)
    later = NOW + timedelta(days=16)
    for _ in range(10):
        rights.record_cancellations(1, later)
    rights.ensure_can_book(later)
    assert rights.record_cancellations(1, later).change == "suspended"


# --- no-shows -------------------------------------------------------------------------

def test_two_no_shows_do_not_suspend():
    rights = BookingRights("agent-1")
    rights.record_no_show(NOW)
    event = rights.record_no_show(NOW)
    assert event.change == "no_show_counted"
    assert rights.no_shows == 2
    rights.ensure_can_book(NOW)


def test_the_third_no_show_suspends_for_six_calendar_months():
    rights = BookingRights("agent-1", no_shows=2)
    event = rights.record_no_show(NOW)
    assert event.change == "suspended"
    assert rights.suspended_until == datetime(2027, 6, 1, 10, 0, tzinfo=SH)
    assert rights.reason == REASON_NO_SHOWS
    assert rights.no_shows == 0


def test_a_suspension_for_one_reason_leaves_the_other_counter_alone():
    rights = BookingRights("agent-1", no_shows=2, cancellations=7)
    rights.record_no_show(NOW)
    assert (rights.no_shows, rights.cancellations) == (0, 7)
    rights = BookingRights("agent-1", no_shows=1, cancellations=10)
    rights.record_cancellations(1, NOW)
    assert (rights.no_shows, rights.cancellations) == (1, 0)


def test_a_shorter_suspension_does_not_shorten_a_longer_one():
    rights = BookingRights("agent-1", no_shows=2, cancellations=10)
    rights.record_no_show(NOW)
    rights.record_cancellations(1, NOW + timedelta(days=1))
    assert rights.suspended_until == datetime(2027, 6, 1, 10, 0, tzinfo=SH)
    assert rights.reason == REASON_NO_SHOWS
    assert rights.cancellations == 0


def test_a_longer_suspension_replaces_a_shorter_one():
    rights = BookingRights("agent-1", no_shows=2, cancellations=10)
    rights.record_cancellations(1, NOW)
    rights.record_no_show(NOW + timedelta(days=1))
    assert rights.reason == REASON_NO_SHOWS
    assert rights.suspended_until == datetime(2027, 6, 2, 10, 0, tzinfo=SH)


@pytest.mark.parametrize("start, months, end", [
    (datetime(2026, 8, 31, 9, tzinfo=SH), 6, datetime(2027, 2, 28, 9, tzinfo=SH)),
    (datetime(2027, 8, 31, 9, tzinfo=SH), 6, datetime(2028, 2, 29, 9, tzinfo=SH)),
    (datetime(2026, 12, 15, 9, tzinfo=SH), 6, datetime(2027, 6, 15, 9, tzinfo=SH)),
    (datetime(2026, 6, 30, 9, tzinfo=SH), 6, datetime(2026, 12, 30, 9, tzinfo=SH)),
])
def test_add_months_clamps_to_the_month_end(start, months, end):
    assert add_months(start, months) == end


# --- blocking, expiry and lifting -----------------------------------------------------

def test_a_suspended_agent_cannot_book_and_is_told_until_when():
    rights = BookingRights("agent-1", cancellations=10)
    rights.record_cancellations(1, NOW)
    with pytest.raises(Suspended) as caught:
        rights.ensure_can_book(NOW + timedelta(days=14))
    assert status_of(caught.value) == 403
    assert caught.value.code == "booking.suspended"
    assert caught.value.extra["suspended_until"] == "2026-12-16T10:00:00+08:00"
    assert caught.value.extra["reason"] == REASON_CANCELLATIONS
    assert "2026-12-16" in caught.value.detail


def test_the_suspension_ends_at_its_end_instant():
    rights = BookingRights("agent-1", suspended_until=NOW, reason=REASON_CANCELLATIONS)
    with pytest.raises(Suspended):
        rights.ensure_can_book(NOW - timedelta(seconds=1))
    rights.ensure_can_book(NOW)
    assert rights.status(NOW) == RightsSnapshot(0, 0, None, None)
    assert rights.status(NOW - timedelta(seconds=1)).suspended_until == NOW


def test_an_admin_lifts_a_suspension_and_the_change_is_recorded():
    rights = BookingRights("agent-1", no_shows=2, cancellations=4)
    rights.record_no_show(NOW)
    later = NOW + timedelta(days=3)
    event = rights.lift(later, actor="admin-7", note="hospital certificate")
    rights.ensure_can_book(later)
    assert (event.change, event.actor, event.note, event.at) == ("lifted", "admin-7", "hospital certificate", later)
    assert event.before.suspended_until is not None and event.after.suspended_until is None
    assert (rights.no_shows, rights.cancellations, rights.reason) == (0, 4, None)
    assert [e.change for e in rights.events] == ["suspended", "lifted"]


def test_lifting_when_not_suspended_changes_nothing():
    rights = BookingRights("agent-1", cancellations=3)
    assert rights.lift(NOW, actor="admin-7") is None
    assert rights.events == []
    expired = BookingRights("agent-1", suspended_until=NOW - timedelta(days=1), reason=REASON_NO_SHOWS)
    assert expired.lift(NOW, actor="admin-7") is None
