from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.domain.booking import Allocation, BookingStatus, LineStatus
from booking.domain.errors import CutoffPassed, LineNotFound, NotActive
from booking.domain.events import BookingCancelled
from booking.domain.org_codes import uscc_check_char
from shared.http.statuses import status_of

SH = ZoneInfo("Asia/Shanghai")
CUTOFF = datetime(2026, 11, 30, 15, 0, tzinfo=SH)     # Monday 15:00 for Tuesday 1 December
BEFORE = CUTOFF - timedelta(seconds=1)


def test_cancel_whole_booking_releases_every_active_line(two_line_booking, codes):
    assert two_line_booking.cancel(BEFORE, CUTOFF) == 2
    assert two_line_booking.status is BookingStatus.CANCELLED
    assert all(l.status is LineStatus.CANCELLED for l in two_line_booking.lines)
    assert two_line_booking.active_line_count == 0
    [event] = two_line_booking.events
    assert event == BookingCancelled(
        booking_id="b1", agent_id="agent-1", center="qingdao", date=two_line_booking.date,
        period="AM", contact_phone="13800000000", org_codes=tuple(codes[:2]), whole=True,
        booking_cancelled=True, at=BEFORE)
    assert event.lines_released == 2


def test_cancel_whole_after_a_line_releases_only_what_is_left(two_line_booking, codes):
    two_line_booking.cancel_line(codes[0], BEFORE, CUTOFF)
    assert two_line_booking.cancel(BEFORE, CUTOFF) == 1


def test_cancel_at_the_cutoff_instant_is_refused(two_line_booking):
    with pytest.raises(CutoffPassed) as caught:
        two_line_booking.cancel(CUTOFF, CUTOFF)
    assert caught.value.code == "booking.cutoff_passed"
    assert status_of(caught.value) == 409
    assert two_line_booking.status is BookingStatus.CONFIRMED
    assert two_line_booking.events == []


def test_cancelling_twice_is_not_active(two_line_booking):
    two_line_booking.cancel(BEFORE, CUTOFF)
    with pytest.raises(NotActive) as caught:
        two_line_booking.cancel(BEFORE, CUTOFF)
    assert caught.value.code == "booking.not_active"
    # a cancelled booking is not_active even after the cutoff
    with pytest.raises(NotActive):
        two_line_booking.cancel(CUTOFF + timedelta(days=1), CUTOFF)


def test_an_allocated_booking_cannot_be_cancelled_even_before_the_usual_cutoff(two_line_booking):
    # an administrator closed the date early and the allocation ran
    two_line_booking.assign(Allocation(1, time(9), time(9, 30), "A001"))
    with pytest.raises(CutoffPassed):
        two_line_booking.cancel(BEFORE, CUTOFF)


def test_cancel_one_line_keeps_the_booking(two_line_booking, codes):
    assert two_line_booking.cancel_line(codes[0], BEFORE, CUTOFF) == 1
    assert two_line_booking.status is BookingStatus.CONFIRMED
    assert [l.status for l in two_line_booking.lines] == [LineStatus.CANCELLED, LineStatus.ACTIVE]
    assert two_line_booking.active_line_count == 1
    [event] = two_line_booking.events
    assert (event.org_codes, event.whole, event.booking_cancelled) == ((codes[0],), False, False)


def test_cancelling_the_last_line_cancels_the_booking(two_line_booking, codes):
    two_line_booking.cancel_line(codes[0], BEFORE, CUTOFF)
    assert two_line_booking.cancel_line(codes[1], BEFORE, CUTOFF) == 1
    assert two_line_booking.status is BookingStatus.CANCELLED
    last = two_line_booking.events[-1]
    assert (last.whole, last.booking_cancelled) == (False, True)


def test_cancelling_a_line_twice_is_not_active(two_line_booking, codes):
    two_line_booking.cancel_line(codes[0], BEFORE, CUTOFF)
    with pytest.raises(NotActive):
        two_line_booking.cancel_line(codes[0], BEFORE, CUTOFF)


def test_cancelling_a_line_of_a_cancelled_booking_is_not_active(two_line_booking, codes):
    two_line_booking.cancel(BEFORE, CUTOFF)
    with pytest.raises(NotActive):
        two_line_booking.cancel_line(codes[1], BEFORE, CUTOFF)


def test_cancel_line_after_the_cutoff_is_refused(two_line_booking, codes):
    with pytest.raises(CutoffPassed):
        two_line_booking.cancel_line(codes[0], CUTOFF + timedelta(minutes=1), CUTOFF)
    assert two_line_booking.lines[0].is_active


def test_cancel_line_accepts_the_credit_code_form(two_line_booking, codes):
    body = "91370200" + codes[1]
    assert two_line_booking.cancel_line((body + uscc_check_char(body)).lower(), BEFORE, CUTOFF) == 1
    assert not two_line_booking.lines[1].is_active


@pytest.mark.parametrize("which", ["unbooked", "garbage"])
def test_cancel_line_of_an_enterprise_not_in_the_booking(two_line_booking, codes, which):
    code = codes[5] if which == "unbooked" else "nonsense"
    with pytest.raises(LineNotFound) as caught:
        two_line_booking.cancel_line(code, BEFORE, CUTOFF)
    assert status_of(caught.value) == 404
