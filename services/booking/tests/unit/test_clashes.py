from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from booking.domain.clashes import ensure_no_clash
from booking.domain.errors import DuplicatePeriod, EnterpriseAlreadyBooked
from shared.http.statuses import status_of

CUTOFF = datetime(2026, 11, 30, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EARLY = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def enterprises(*codes):
    return [{"org_code": c, "businesses": [{"type": "NEW_CARD"}]} for c in codes]


@pytest.fixture
def existing(new_booking, codes):
    return new_booking(id="old", agent_id="agent-1", contact_phone="13800000000",
                       enterprises=enterprises(codes[0], codes[1]))


def test_same_agent_same_period_is_a_duplicate(new_booking, existing, codes):
    candidate = new_booking(id="new", agent_id="agent-1", contact_phone="13900000000",
                            enterprises=enterprises(codes[5]))
    with pytest.raises(DuplicatePeriod) as caught:
        ensure_no_clash(candidate, [existing])
    assert status_of(caught.value) == 409
    assert caught.value.code == "booking.duplicate_period"


def test_same_phone_same_period_is_a_duplicate_even_for_another_agent(new_booking, existing, codes):
    candidate = new_booking(id="new", agent_id="agent-2", contact_phone="13800000000",
                            enterprises=enterprises(codes[5]))
    with pytest.raises(DuplicatePeriod) as caught:
        ensure_no_clash(candidate, [existing])
    assert "old" not in caught.value.detail          # another agent's booking id is not shown


def test_same_agent_other_period_or_other_day_is_fine(new_booking, existing, codes):
    pm = new_booking(id="pm", period="PM", enterprises=enterprises(codes[5]))
    next_day = new_booking(id="wed", date=date(2026, 12, 2), enterprises=enterprises(codes[0]))
    ensure_no_clash(pm, [existing])
    ensure_no_clash(next_day, [existing])
    assert pm.period != existing.period and next_day.date != existing.date


def test_an_enterprise_booked_that_day_by_anyone_clashes(new_booking, existing, codes):
    candidate = new_booking(id="new", agent_id="agent-2", contact_phone="13900000000",
                            period="PM", enterprises=enterprises(codes[5], codes[1]))
    with pytest.raises(EnterpriseAlreadyBooked) as caught:
        ensure_no_clash(candidate, [existing])
    assert caught.value.code == "booking.enterprise_already_booked"
    assert caught.value.extra["org_codes"] == [codes[1]]


def test_cancelled_bookings_and_lines_do_not_clash(new_booking, existing, codes):
    existing.cancel_line(codes[1], EARLY, CUTOFF)
    candidate = new_booking(id="new", agent_id="agent-2", contact_phone="13900000000",
                            enterprises=enterprises(codes[1]))
    ensure_no_clash(candidate, [existing])
    existing.cancel(EARLY, CUTOFF)
    again = new_booking(id="again", agent_id="agent-1", contact_phone="13800000000",
                        enterprises=enterprises(codes[0]))
    ensure_no_clash(again, [existing])
    assert existing.is_cancelled


def test_a_booking_does_not_clash_with_itself(existing):
    ensure_no_clash(existing, [existing])
    assert existing.active_line_count == 2
