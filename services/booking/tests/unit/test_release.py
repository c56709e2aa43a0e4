from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from booking.domain.center import QINGDAO
from booking.domain.errors import DateNotBookable
from booking.domain.release import bookable_dates, cutoff_at, ensure_bookable, ensure_open, release_opens_on
from booking.domain.working_calendar import WorkingCalendar
from shared.http.statuses import status_of

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()
FRI, SAT, SUN = date(2026, 11, 27), date(2026, 11, 28), date(2026, 11, 29)
MON, TUE, WED = date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=SH)


def refusal(service_date: date, now: datetime, calendar: WorkingCalendar = CAL) -> str:
    with pytest.raises(DateNotBookable) as caught:
        ensure_bookable(QINGDAO, calendar, service_date, now)
    assert caught.value.code == "booking.date_not_bookable"
    assert status_of(caught.value) == 422
    return caught.value.extra["reason"]


# --- cutoff ---------------------------------------------------------------------------

def test_mondays_cutoff_is_friday_1500_shanghai():
    assert cutoff_at(QINGDAO, CAL, MON) == at(FRI, 15)
    assert cutoff_at(QINGDAO, CAL, MON).utcoffset() == timedelta(hours=8)


def test_cutoff_after_national_day_is_the_last_working_day_before_it():
    assert cutoff_at(QINGDAO, CAL, date(2026, 10, 8)) == at(date(2026, 9, 30), 15)


def test_cutoff_can_fall_on_a_working_saturday():
    # Spring Festival 2026: the last working day before Tuesday 24 Feb is Saturday 14 Feb
    assert cutoff_at(QINGDAO, CAL, date(2026, 2, 24)) == at(date(2026, 2, 14), 15)
    assert cutoff_at(QINGDAO, CAL, date(2026, 10, 12)) == at(date(2026, 10, 10), 15)


def test_cutoff_follows_the_centers_setting():
    center = replace(QINGDAO, cutoff_time=time(12, 0))
    assert cutoff_at(center, CAL, TUE) == at(MON, 12)


# --- the domain.md example ------------------------------------------------------------

def test_friday_before_1500_offers_monday_and_tuesday():
    assert bookable_dates(QINGDAO, CAL, at(FRI, 14, 59, 59)) == [MON, TUE]


def test_friday_at_1500_sharp_closes_monday():
    assert bookable_dates(QINGDAO, CAL, at(FRI, 15)) == [TUE]
    assert refusal(MON, at(FRI, 15)) == "cutoff_passed"


def test_saturday_offers_tuesday_only():
    assert bookable_dates(QINGDAO, CAL, at(SAT, 10)) == [TUE]
    assert refusal(MON, at(SAT, 10)) == "cutoff_passed"
    assert refusal(WED, at(SAT, 10)) == "beyond_horizon"
    ensure_bookable(QINGDAO, CAL, TUE, at(SAT, 10))


def test_sunday_late_evening_still_offers_tuesday_only():
    assert bookable_dates(QINGDAO, CAL, at(SUN, 23, 59)) == [TUE]


def test_wednesday_opens_on_monday():
    assert bookable_dates(QINGDAO, CAL, at(MON, 0, 0)) == [TUE, WED]
    assert release_opens_on(QINGDAO, CAL, WED) == MON
    assert bookable_dates(QINGDAO, CAL, at(MON, 15)) == [WED]


def test_the_horizon_error_says_when_the_date_opens():
    with pytest.raises(DateNotBookable) as caught:
        ensure_bookable(QINGDAO, CAL, WED, at(SAT, 10))
    assert caught.value.extra["opens_on"] == "2026-11-30"


def test_local_date_decides_the_day_not_utc():
    # Friday 23:30 UTC is Saturday 07:30 in Shanghai
    now = datetime(2026, 11, 27, 23, 30, tzinfo=timezone.utc)
    assert bookable_dates(QINGDAO, CAL, now) == [TUE]


# --- every reason to refuse -----------------------------------------------------------

def test_today_is_never_bookable():
    assert refusal(TUE, at(TUE, 0, 1)) == "today"


def test_past_is_not_bookable():
    assert refusal(MON, at(TUE, 9)) == "past"


def test_weekend_is_not_bookable():
    assert refusal(SAT, at(date(2026, 11, 26), 9)) == "not_working_day"


def test_public_holiday_is_not_bookable():
    assert refusal(date(2026, 10, 1), at(date(2026, 9, 29), 9)) == "not_working_day"


def test_after_national_day_eve_cutoff():
    sept30 = date(2026, 9, 30)
    assert bookable_dates(QINGDAO, CAL, at(sept30, 14)) == [date(2026, 10, 8), date(2026, 10, 9)]
    assert bookable_dates(QINGDAO, CAL, at(sept30, 15)) == [date(2026, 10, 9)]
    # during the holiday the horizon still counts working days only
    assert bookable_dates(QINGDAO, CAL, at(date(2026, 10, 4), 12)) == [date(2026, 10, 9)]


def test_working_saturday_is_bookable():
    assert bookable_dates(QINGDAO, CAL, at(date(2026, 10, 8), 9)) == [date(2026, 10, 9), date(2026, 10, 10)]
    ensure_bookable(QINGDAO, CAL, date(2026, 10, 10), at(date(2026, 10, 8), 9))


def test_override_closes_a_date_and_shifts_the_horizon():
    calendar = WorkingCalendar({TUE: False})
    assert refusal(TUE, at(SAT, 10), calendar) == "not_working_day"
    # Monday closed at Friday's cutoff; the next two working days after Saturday are now
    # Monday and Wednesday; Wednesday's cutoff is Monday 15:00.
    assert bookable_dates(QINGDAO, calendar, at(SAT, 10)) == [WED]
    assert cutoff_at(QINGDAO, calendar, WED) == at(MON, 15)


def test_override_opens_a_saturday():
    calendar = WorkingCalendar({SAT: True})
    assert bookable_dates(QINGDAO, calendar, at(FRI, 9)) == [SAT, MON]
    assert cutoff_at(QINGDAO, calendar, MON) == at(SAT, 15)


def test_fallback_year_uses_weekdays():
    fri, mon, tue = date(2040, 9, 28), date(2040, 10, 1), date(2040, 10, 2)
    assert bookable_dates(QINGDAO, CAL, at(fri, 9)) == [mon, tue]
    assert cutoff_at(QINGDAO, CAL, mon) == at(fri, 15)


def test_a_three_day_horizon_is_a_setting():
    center = replace(QINGDAO, release_working_days=3)
    assert bookable_dates(center, CAL, at(SAT, 10)) == [TUE, WED]


def test_a_closed_date_is_refused_with_reason_closed():
    ensure_open(date(2026, 12, 1), None)
    with pytest.raises(DateNotBookable) as refusal:
        ensure_open(date(2026, 12, 1), datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc))
    assert refusal.value.extra["reason"] == "closed"
