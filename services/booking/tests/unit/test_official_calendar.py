"""The official calendar a year at a time, the rule that an unconfirmed year is never
released, the clerk's no-show after the lateness minutes, and suspension months counted on
the center's clock (domain only, no database)."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from booking.domain.booking import Allocation, Booking, BookingStatus
from booking.domain.center import QINGDAO
from booking.domain.errors import DateNotBookable, NotActive, NotLateYet
from booking.domain.official_calendar import (DateInBothLists, DateOutsideYear, OfficialSchedule, OfficialYear,
                                              WorkdayNotWeekend, YearInvalid, official_year)
from booking.domain.release import ensure_bookable
from booking.domain.rights import BookingRights
from booking.domain.service_day import due_for_closing
from booking.domain.working_calendar import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")


class Package:
    """A holiday package that knows only the years given."""

    def __init__(self, years: dict[int, OfficialYear]) -> None:
        self.years = years

    def knows(self, year):
        return year in self.years

    def is_working(self, day):
        y = self.years.get(day.year)
        return y.is_working(day) if y else None

    def year_lists(self, year):
        y = self.years[year]
        return sorted(y.holidays), sorted(y.workdays)


Y2027 = official_year(2027, [date(2027, 1, 1), date(2027, 2, 11)], [date(2027, 2, 20)])


def test_an_unconfirmed_year_is_never_released_nor_closed():
    cal = WorkingCalendar(official=OfficialSchedule(Package({})))
    now = datetime(2026, 12, 30, 10, 0, tzinfo=SH)
    assert cal.is_working(date(2027, 1, 1)) and not cal.confirmed(date(2027, 1, 1))   # shown Mon-Fri
    with pytest.raises(DateNotBookable) as refused:
        ensure_bookable(QINGDAO, cal, date(2027, 1, 1), now)
    assert refused.value.extra["reason"] == "calendar_unconfirmed"
    assert not due_for_closing(QINGDAO, cal, date(2027, 1, 1), datetime(2026, 12, 31, 15, 1, tzinfo=SH))


def test_a_loaded_year_is_followed_and_wins_over_the_package():
    package_says = official_year(2027, [], [])       # a package release with a plain 2027
    cal = WorkingCalendar(official=OfficialSchedule(Package({2027: package_says}), {2027: Y2027}))
    assert cal.official.source(2027) == "admin"
    assert not cal.is_working(date(2027, 1, 1)) and cal.is_working(date(2027, 2, 20))   # Saturday worked
    assert cal.is_working(date(2027, 1, 4)) and cal.confirmed(date(2027, 1, 4))
    # Saturday 20 February closes on Friday 19 at 15:00.
    ensure_bookable(QINGDAO, cal, date(2027, 2, 20), datetime(2027, 2, 19, 10, 0, tzinfo=SH))
    only_package = WorkingCalendar(official=OfficialSchedule(Package({2027: package_says})))
    assert only_package.official.source(2027) == "package" and only_package.is_working(date(2027, 1, 1))


def test_an_override_confirms_its_day_only():
    cal = WorkingCalendar({date(2027, 1, 4): True}, official=OfficialSchedule(Package({})))
    assert cal.confirmed(date(2027, 1, 4)) and not cal.confirmed(date(2027, 1, 5))


@pytest.mark.parametrize("holidays, workdays, error", [
    ([date(2028, 1, 1)], [], DateOutsideYear),
    ([date(2027, 3, 6)], [date(2027, 3, 6)], DateInBothLists),
    ([], [date(2027, 3, 8)], WorkdayNotWeekend),
])
def test_a_loaded_year_is_checked(holidays, workdays, error):
    with pytest.raises(error) as refused:
        official_year(2027, holidays, workdays)
    assert refused.value.extra["dates"]
    with pytest.raises(YearInvalid):
        official_year(1999, [], [])


def _allocated() -> Booking:
    b = Booking(id="b1", agent_id="a1", center=QINGDAO.id, date=date(2026, 12, 8), period="AM",
                contact_name="张三", contact_phone="13800000000", created_at=datetime(2026, 12, 7, tzinfo=SH),
                lines=[])
    b.status = BookingStatus.ALLOCATED
    b.allocation = Allocation(desk=1, start=time(9, 30), end=time(10, 0), queue_number="A001")
    return b


@pytest.mark.parametrize("minutes, allowed", [(5, False), (10, False), (10.99, False), (11, True), (90, True)])
def test_the_clerk_marks_a_no_show_only_more_than_ten_minutes_late(minutes, allowed):
    b = _allocated()
    now = datetime(2026, 12, 8, 9, 30, tzinfo=SH) + timedelta(minutes=minutes)
    if allowed:
        b.mark_no_show_at_desk(now, QINGDAO)
        assert b.status is BookingStatus.NO_SHOW
    else:
        with pytest.raises(NotLateYet) as refused:
            b.mark_no_show_at_desk(now, QINGDAO)
        assert refused.value.extra["late_after"] == "2026-12-08T09:40:00+08:00"
        assert b.status is BookingStatus.ALLOCATED


def test_a_no_show_of_an_earlier_day_needs_no_waiting_and_a_done_booking_none_at_all():
    b = _allocated()
    b.mark_no_show_at_desk(datetime(2026, 12, 9, 8, 0, tzinfo=SH), QINGDAO)
    assert b.status is BookingStatus.NO_SHOW
    with pytest.raises(NotActive):
        b.mark_no_show_at_desk(datetime(2026, 12, 9, 8, 0, tzinfo=SH), QINGDAO)


def test_the_resend_is_refused_unless_the_booking_is_to_be_served():
    for status in (BookingStatus.CANCELLED, BookingStatus.NO_SHOW, BookingStatus.COMPLETED,
                   BookingStatus.CHECKED_IN):
        b = _allocated()
        b.status = status
        with pytest.raises(NotActive):
            b.use_sms_resend()
        assert not b.sms_resend_used and not b.events


def test_six_months_from_31_august_end_on_28_february_on_the_centers_clock():
    # 04:00 on 31 August in Qingdao is still 30 August in UTC: counted in UTC months the
    # suspension ran to 28 February 20:00 UTC, i.e. 1 March in Qingdao, a day long.
    start = datetime(2026, 8, 31, 4, 0, tzinfo=SH).astimezone(timezone.utc)
    rights = BookingRights("a1", no_shows=2)
    rights.record_no_show(start, zone=SH)
    assert rights.suspended_until.astimezone(SH) == datetime(2027, 2, 28, 4, 0, tzinfo=SH)
    in_utc = BookingRights("a2", no_shows=2)
    in_utc.record_no_show(start)
    assert in_utc.suspended_until.astimezone(SH).date() == date(2027, 3, 1)   # what the zone fixes
