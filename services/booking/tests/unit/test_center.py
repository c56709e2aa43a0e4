from dataclasses import replace
from datetime import date, datetime, time, timezone

import pytest

from booking.domain.center import QINGDAO, CenterConfig, Period
from booking.domain.errors import PeriodUnknown
from shared.http.statuses import status_of


def test_qingdao_defaults_match_the_docs():
    assert QINGDAO.id == "qingdao"
    assert QINGDAO.timezone == "Asia/Shanghai"
    assert [(p.code, p.start, p.end, p.queue_prefix) for p in QINGDAO.periods] == [
        ("AM", time(9, 0), time(11, 30), "A"), ("PM", time(13, 30), time(17, 0), "B")]
    assert (QINGDAO.desks, QINGDAO.segment_minutes, QINGDAO.default_capacity) == (4, 30, 40)
    assert (QINGDAO.release_working_days, QINGDAO.cutoff_time, QINGDAO.closing_time,
            QINGDAO.late_minutes) == (2, time(15, 0), time(17, 0), 10)


def test_period_lookup_and_unknown_period():
    assert QINGDAO.period("PM").start == time(13, 30)
    with pytest.raises(PeriodUnknown) as caught:
        QINGDAO.period("EVENING")
    assert caught.value.code == "booking.period_unknown"
    assert status_of(caught.value) == 422
    with pytest.raises(PeriodUnknown):
        QINGDAO.period("am")   # codes are exact


def test_local_date_crosses_midnight_in_the_centers_zone():
    # 16:30 UTC is 00:30 the next day in Shanghai
    assert QINGDAO.local_date(datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc)) == date(2026, 12, 1)


def test_naive_instants_are_a_programming_error():
    with pytest.raises(ValueError):
        QINGDAO.local_date(datetime(2026, 12, 1, 9, 0))


def test_at_gives_an_aware_local_instant():
    instant = QINGDAO.at(date(2026, 12, 1), time(15, 0))
    assert instant.astimezone(timezone.utc) == datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)


def test_period_must_start_before_it_ends():
    with pytest.raises(ValueError):
        Period("X", time(12, 0), time(12, 0), "X")


@pytest.mark.parametrize("change", [
    {"periods": ()},
    {"periods": (Period("AM", time(9), time(10), "A"), Period("AM", time(11), time(12), "B"))},
    {"periods": (Period("AM", time(9), time(10), "A"), Period("PM", time(11), time(12), "A"))},
    {"desks": 0},
    {"segment_minutes": 0},
    {"default_capacity": -1},
    {"release_working_days": 0},
])
def test_nonsense_settings_are_refused(change):
    with pytest.raises(ValueError):
        replace(QINGDAO, **change)


def test_unknown_time_zone_is_refused_at_construction():
    with pytest.raises(Exception) as caught:
        replace(QINGDAO, timezone="Mars/Olympus")
    assert "Mars/Olympus" in str(caught.value)


def test_a_center_is_immutable():
    with pytest.raises(AttributeError):
        QINGDAO.desks = 5  # type: ignore[misc]  # on purpose: frozen
    assert isinstance(QINGDAO, CenterConfig)
