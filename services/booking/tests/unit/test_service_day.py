"""When the scheduler closes a date and when its day is over (domain/service_day.py)."""
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.domain.center import QINGDAO
from booking.domain.service_day import closing_at, due_for_closing, last_closed_day
from booking.domain.working_calendar import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()
FRI, SAT, MON, TUE = date(2026, 11, 27), date(2026, 11, 28), date(2026, 11, 30), date(2026, 12, 1)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=SH)


def test_the_center_closes_at_1700_its_time():
    assert closing_at(QINGDAO, TUE) == at(TUE, 17)
    assert closing_at(replace(QINGDAO, closing_time=time(16, 30)), TUE) == at(TUE, 16, 30)


@pytest.mark.parametrize("now, expected", [
    (at(TUE, 16, 59, 59), MON),
    (at(TUE, 17), TUE),
    (at(TUE, 23, 59), TUE),
    (at(TUE, 0, 0), MON),
    # 09:30 UTC is 17:30 in Qingdao: measured on the center's wall clock.
    (datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("UTC")), TUE),
])
def test_the_last_closed_day(now, expected):
    assert last_closed_day(QINGDAO, now) == expected


@pytest.mark.parametrize("now, due", [
    (at(FRI, 14, 59, 59), False),   # before Monday's cutoff (Friday 15:00)
    (at(FRI, 15), True),            # at it
    (at(SAT, 10), True),            # missed over the weekend: caught up
    (at(MON, 16, 59), True),        # still on the day itself
    (at(MON, 17), False),           # the day is over: nothing left to allocate
    (at(TUE, 9), False),
])
def test_mondays_date_is_due_from_fridays_cutoff_until_monday_closes(now, due):
    assert due_for_closing(QINGDAO, CAL, MON, now) is due


def test_an_override_moves_the_cutoff_with_the_calendar():
    # Friday declared a holiday: Monday's cutoff is Thursday 15:00.
    calendar = WorkingCalendar({FRI: False})
    assert due_for_closing(QINGDAO, calendar, MON, at(FRI - timedelta(days=1), 15))
    assert not due_for_closing(QINGDAO, CAL, MON, at(FRI - timedelta(days=1), 15))
