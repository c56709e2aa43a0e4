from datetime import date

import pytest

from booking.domain.working_calendar import WorkingCalendar

OFFICIAL = WorkingCalendar()


@pytest.mark.parametrize("day, working", [
    (date(2026, 11, 27), True),    # Friday
    (date(2026, 11, 28), False),   # Saturday
    (date(2026, 10, 1), False),    # National Day, a Thursday
    (date(2026, 10, 7), False),    # last day of the National Day week, a Wednesday
    (date(2026, 10, 8), True),
    (date(2026, 10, 10), True),    # Saturday made a working day (调休)
    (date(2026, 9, 20), True),     # Sunday made a working day (调休)
    (date(2026, 2, 14), True),     # Saturday before Spring Festival (调休)
    (date(2026, 2, 17), False),    # Spring Festival, a Tuesday
])
def test_official_2026_days(day, working):
    assert OFFICIAL.is_working(day) is working
    assert OFFICIAL.source(day) == "official"


def test_year_unknown_to_the_library_falls_back_to_monday_to_friday():
    monday, saturday = date(2040, 10, 1), date(2040, 10, 6)   # National Day 2040 is a Monday
    assert OFFICIAL.is_working(monday) is True                 # the fallback knows no holidays
    assert OFFICIAL.is_working(saturday) is False
    assert OFFICIAL.source(monday) == "fallback"


def test_override_wins_both_ways():
    calendar = WorkingCalendar({date(2026, 10, 1): True, date(2026, 12, 1): False})
    assert calendar.is_working(date(2026, 10, 1)) is True
    assert calendar.is_working(date(2026, 12, 1)) is False
    assert calendar.source(date(2026, 12, 1)) == "override"
    assert calendar.source(date(2026, 12, 2)) == "official"


def test_override_fixes_a_fallback_year():
    calendar = WorkingCalendar({date(2040, 10, 1): False})
    assert calendar.is_working(date(2040, 10, 1)) is False
    assert calendar.source(date(2040, 10, 1)) == "override"


def test_overrides_are_copied_so_later_changes_do_not_leak_in():
    overrides = {date(2026, 12, 1): False}
    calendar = WorkingCalendar(overrides)
    overrides[date(2026, 12, 1)] = True
    assert calendar.is_working(date(2026, 12, 1)) is False


def test_next_working_days_skip_the_weekend():
    assert OFFICIAL.next_working_days(date(2026, 11, 27), 2) == [date(2026, 11, 30), date(2026, 12, 1)]


def test_next_working_days_skip_national_day_and_include_the_working_saturday():
    assert OFFICIAL.next_working_days(date(2026, 9, 30), 3) == [
        date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]


def test_next_working_days_are_strictly_after():
    assert OFFICIAL.next_working_days(date(2026, 12, 1), 1) == [date(2026, 12, 2)]
    assert OFFICIAL.next_working_days(date(2026, 12, 1), 0) == []


def test_next_working_days_run_into_the_fallback_year():
    # 2027 is unknown to this chinese_calendar: 1 January 2027 (a Friday) comes out as
    # a working day until an administrator overrides it.
    assert OFFICIAL.next_working_days(date(2026, 12, 31), 1) == [date(2027, 1, 1)]
    fixed = WorkingCalendar({date(2027, 1, 1): False})
    assert fixed.next_working_days(date(2026, 12, 31), 1) == [date(2027, 1, 4)]


def test_previous_working_day():
    assert OFFICIAL.previous_working_day(date(2026, 11, 30)) == date(2026, 11, 27)   # Mon -> Fri
    assert OFFICIAL.previous_working_day(date(2026, 10, 8)) == date(2026, 9, 30)     # over the holiday
    assert OFFICIAL.previous_working_day(date(2026, 2, 24)) == date(2026, 2, 14)     # Spring Festival -> Saturday 调休
    assert OFFICIAL.previous_working_day(date(2026, 9, 21)) == date(2026, 9, 20)     # Monday -> Sunday 调休


def test_a_calendar_overridden_into_nonsense_does_not_loop_for_ever():
    start = date(2026, 12, 1)
    closed = WorkingCalendar({date.fromordinal(start.toordinal() + i): False for i in range(-400, 400)})
    assert closed.next_working_days(start, 1) == []
    with pytest.raises(LookupError):
        closed.previous_working_day(start)
