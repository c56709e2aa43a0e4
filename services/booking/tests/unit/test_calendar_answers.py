"""The public calendar's kept days (service/calendar_answers.py) without a database: how many
ranges are kept, and what a reuse needs."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from booking.domain.center import QINGDAO
from booking.domain.working_calendar import WorkingCalendar
from booking.service.calendar_answers import CalendarAnswers, valid_until

MONDAY_10 = datetime(2025, 11, 17, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TUESDAY = date(2025, 11, 18)


def test_at_most_max_kept_ranges_are_kept_the_oldest_going_first():
    answers, calendar, made = CalendarAnswers(max_kept=3), WorkingCalendar(), []

    def ask(start: date) -> None:
        answers.days(QINGDAO, calendar, (), start, start, MONDAY_10, lambda: made.append(start) or [])
    days = [TUESDAY + timedelta(days=i) for i in range(4)]
    for d in days:
        ask(d)
    assert len(answers._kept) == 3
    ask(days[3])                       # kept: not worked out again
    ask(days[0])                       # the oldest went when the fourth came
    assert made == [*days, days[0]]


def test_kept_days_are_used_with_equal_rows_only():
    answers, calendar, made = CalendarAnswers(), WorkingCalendar(), []
    for rows in (((0, TUESDAY, "AM", 40, 1),), ((0, TUESDAY, "AM", 40, 1),), ((0, TUESDAY, "AM", 40, 2),)):
        answers.days(QINGDAO, calendar, rows, TUESDAY, TUESDAY, MONDAY_10, lambda: made.append(1) or [])
    assert (len(made), answers.hits, answers.misses) == (2, 1, 2)


def test_valid_until_is_the_next_cutoff_or_midnight():
    calendar = WorkingCalendar()
    # Monday 10:00, Tuesday..Wednesday: Tuesday closes Monday 15:00.
    assert valid_until(QINGDAO, calendar, TUESDAY, TUESDAY + timedelta(days=1), MONDAY_10) == \
        MONDAY_10.replace(hour=15)
    # After 15:00 only Wednesday's cutoff (Tuesday 15:00) is ahead, midnight comes first.
    late = MONDAY_10.replace(hour=16)
    assert valid_until(QINGDAO, calendar, TUESDAY, TUESDAY + timedelta(days=1), late) == \
        datetime(2025, 11, 18, 0, 0, tzinfo=late.tzinfo)
