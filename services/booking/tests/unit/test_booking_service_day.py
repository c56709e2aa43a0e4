from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.domain.booking import Allocation, BookingStatus
from booking.domain.center import QINGDAO
from booking.domain.errors import Late, NotActive, SmsResendUsed, WrongDay
from booking.domain.events import (BookingAllocated, BookingCheckedIn, BookingCompleted, BookingNoShow,
                                   SmsResendRequested)
from shared.http.statuses import status_of

SH = ZoneInfo("Asia/Shanghai")
SEGMENT_START = datetime(2026, 12, 1, 9, 30, tzinfo=SH)   # the allocated_booking fixture's


# --- allocation -----------------------------------------------------------------------

def test_assign_allocates_and_records_it(new_booking):
    booking = new_booking()
    booking.assign(Allocation(desk=3, start=time(9, 30), end=time(10, 0), queue_number="A012"))
    assert booking.status is BookingStatus.ALLOCATED
    assert booking.allocation.queue_number == "A012"
    assert booking.events[-1] == BookingAllocated(
        booking_id="b1", contact_phone="13800000000", desk=3, start="09:30", end="10:00",
        queue_number="A012")


def test_rerun_with_the_same_allocation_records_nothing(allocated_booking):
    allocated_booking.assign(Allocation(desk=2, start=time(9, 30), end=time(10, 0), queue_number="A003"))
    assert allocated_booking.events == []


def test_rerun_with_a_changed_allocation_records_it(allocated_booking):
    allocated_booking.assign(Allocation(desk=1, start=time(9, 30), end=time(10, 0), queue_number="A003"))
    assert allocated_booking.allocation.desk == 1
    assert len(allocated_booking.events) == 1


def test_a_cancelled_booking_is_not_allocated(new_booking):
    booking = new_booking()
    booking.cancel(datetime(2026, 11, 30, 9, tzinfo=SH), datetime(2026, 11, 30, 15, tzinfo=SH))
    with pytest.raises(NotActive):
        booking.assign(Allocation(1, time(9), time(9, 30), "A001"))
    assert booking.allocation is None


# --- check-in -------------------------------------------------------------------------

@pytest.mark.parametrize("offset", [timedelta(minutes=-45), timedelta(0), timedelta(minutes=10),
                                    timedelta(minutes=10, seconds=1), timedelta(minutes=10, seconds=59.999)])
def test_check_in_up_to_ten_minutes_after_the_segment_start(allocated_booking, offset):
    # Whole minutes, as the desk's clock shows them: 09:40:59 is still ten minutes after 09:30.
    allocated_booking.check_in(SEGMENT_START + offset, QINGDAO)
    assert allocated_booking.status is BookingStatus.CHECKED_IN
    assert allocated_booking.events == [BookingCheckedIn(booking_id="b1", at=SEGMENT_START + offset)]


@pytest.mark.parametrize("offset", [timedelta(minutes=11), timedelta(minutes=11, seconds=1),
                                    timedelta(hours=5)])
def test_check_in_later_is_refused_and_a_no_show(allocated_booking, offset):
    with pytest.raises(Late) as caught:
        allocated_booking.check_in(SEGMENT_START + offset, QINGDAO)
    assert caught.value.code == "booking.late"
    assert status_of(caught.value) == 409
    assert caught.value.extra["booking_status"] == "no_show"
    assert allocated_booking.status is BookingStatus.NO_SHOW
    assert allocated_booking.events == [BookingNoShow(booking_id="b1", agent_id="agent-1", late=True)]


def test_lateness_is_measured_in_the_centers_zone(allocated_booking):
    # 01:40 UTC is 09:40 in Shanghai: exactly ten minutes, accepted
    allocated_booking.check_in(datetime(2026, 12, 1, 1, 40, tzinfo=ZoneInfo("UTC")), QINGDAO)
    assert allocated_booking.status is BookingStatus.CHECKED_IN


@pytest.mark.parametrize("day", [30, 2])
def test_check_in_on_another_day_is_wrong_day(allocated_booking, day):
    month = 11 if day == 30 else 12
    with pytest.raises(WrongDay) as caught:
        allocated_booking.check_in(datetime(2026, month, day, 9, 30, tzinfo=SH), QINGDAO)
    assert caught.value.code == "booking.wrong_day"
    assert allocated_booking.status is BookingStatus.ALLOCATED


def test_check_in_without_allocation_is_not_active(new_booking):
    booking = new_booking()
    with pytest.raises(NotActive):
        booking.check_in(SEGMENT_START, QINGDAO)


def test_check_in_twice_is_not_active(allocated_booking):
    allocated_booking.check_in(SEGMENT_START, QINGDAO)
    with pytest.raises(NotActive):
        allocated_booking.check_in(SEGMENT_START, QINGDAO)


# --- complete and no-show -------------------------------------------------------------

def test_complete_after_check_in(allocated_booking):
    allocated_booking.check_in(SEGMENT_START, QINGDAO)
    allocated_booking.complete()
    assert allocated_booking.status is BookingStatus.COMPLETED
    assert allocated_booking.events[-1] == BookingCompleted(booking_id="b1")


def test_complete_without_check_in_is_refused(allocated_booking):
    with pytest.raises(NotActive):
        allocated_booking.complete()
    assert allocated_booking.status is BookingStatus.ALLOCATED


def test_mark_no_show(allocated_booking):
    allocated_booking.mark_no_show()
    assert allocated_booking.status is BookingStatus.NO_SHOW
    assert allocated_booking.events == [BookingNoShow(booking_id="b1", agent_id="agent-1", late=False)]


def test_the_clerk_cannot_mark_a_day_still_to_come(allocated_booking):
    with pytest.raises(WrongDay) as caught:
        allocated_booking.mark_no_show(today=date(2026, 11, 30))
    assert caught.value.code == "booking.wrong_day"
    assert allocated_booking.status is BookingStatus.ALLOCATED and allocated_booking.events == []
    allocated_booking.mark_no_show(today=date(2026, 12, 1))
    assert allocated_booking.status is BookingStatus.NO_SHOW


def test_a_checked_in_booking_cannot_become_a_no_show(allocated_booking):
    allocated_booking.check_in(SEGMENT_START, QINGDAO)
    with pytest.raises(NotActive):
        allocated_booking.mark_no_show()


def test_no_show_twice_is_refused_so_it_is_counted_once(allocated_booking):
    allocated_booking.mark_no_show()
    with pytest.raises(NotActive):
        allocated_booking.mark_no_show()
    assert len(allocated_booking.events) == 1


# --- SMS resend -----------------------------------------------------------------------

def test_sms_can_be_resent_once(new_booking):
    booking = new_booking()
    booking.use_sms_resend()
    assert booking.sms_resend_used and not booking.sms_resend_available
    assert booking.events[-1] == SmsResendRequested(booking_id="b1", contact_phone="13800000000")
    with pytest.raises(SmsResendUsed) as caught:
        booking.use_sms_resend()
    assert caught.value.code == "booking.sms_resend_used"
    assert status_of(caught.value) == 409
