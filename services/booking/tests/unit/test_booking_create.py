from datetime import date

import pytest

from booking.domain.booking import Booking, BookingStatus, LineStatus
from booking.domain.business_types import BusinessLine
from booking.domain.errors import (BusinessConflict, CountRequired, InvalidOrgCode, PeriodUnknown,
                                   ValidationFailed)
from booking.domain.events import BookingConfirmed
from booking.domain.org_codes import uscc_check_char


def fields_of(error: ValidationFailed) -> list[str]:
    return [e["field"] for e in error.extra["errors"]]


def enterprise(code, *types):
    return {"org_code": code, "businesses": [{"type": t} for t in types or ("NEW_CARD",)]}


def test_a_valid_booking_is_confirmed(new_booking, codes):
    booking = new_booking()
    assert booking.status is BookingStatus.CONFIRMED
    assert (booking.center, booking.date, booking.period) == ("qingdao", date(2026, 12, 1), "AM")
    assert [(l.org_code, l.name, l.status) for l in booking.lines] == [(codes[0], "甲公司", LineStatus.ACTIVE)]
    assert booking.lines[0].businesses == (BusinessLine("RENEW_UNLOCK", 2),)
    assert booking.active_line_count == 1
    assert booking.allocation is None and booking.sms_resend_available


def test_creation_records_booking_confirmed(new_booking):
    booking = new_booking()
    assert booking.events == [BookingConfirmed(
        booking_id="b1", agent_id="agent-1", center="qingdao", date=date(2026, 12, 1),
        period="AM", contact_phone="13800000000", lines=1)]


def test_ten_enterprises_are_allowed(new_booking, codes):
    booking = new_booking(enterprises=[enterprise(c) for c in codes[:10]])
    assert booking.active_line_count == 10


@pytest.mark.parametrize("n", [0, 11])
def test_zero_or_eleven_enterprises_are_refused(new_booking, codes, n):
    with pytest.raises(ValidationFailed) as caught:
        new_booking(enterprises=[enterprise(c) for c in codes[:n]])
    assert caught.value.code == "validation_error"
    assert fields_of(caught.value) == ["enterprises"]


def test_missing_enterprises_is_refused(new_booking):
    with pytest.raises(ValidationFailed) as caught:
        new_booking(enterprises=None)
    assert fields_of(caught.value) == ["enterprises"]


def test_same_enterprise_twice_is_refused(new_booking, codes):
    with pytest.raises(ValidationFailed) as caught:
        new_booking(enterprises=[enterprise(codes[0]), enterprise(codes[1]), enterprise(codes[0])])
    assert fields_of(caught.value) == ["enterprises[2].org_code"]


def test_same_enterprise_as_org_code_and_credit_code_is_refused(new_booking, codes):
    body = "91370200" + codes[0]
    uscc = body + uscc_check_char(body)
    with pytest.raises(ValidationFailed) as caught:
        new_booking(enterprises=[enterprise(codes[0]), enterprise(uscc.lower())])
    assert fields_of(caught.value) == ["enterprises[1].org_code"]


def test_codes_are_stored_as_the_9_char_org_code(new_booking, codes):
    body = "91370200" + codes[1]
    booking = new_booking(enterprises=[enterprise(f"{codes[0][:8]}-{codes[0][8]}"),
                                       enterprise(body + uscc_check_char(body))])
    assert [l.org_code for l in booking.lines] == codes[:2]


def test_invalid_code_is_enterprise_code_invalid_with_its_field(new_booking, codes):
    wrong = codes[1][:8] + ("0" if codes[1][8] != "0" else "1")
    with pytest.raises(InvalidOrgCode) as caught:
        new_booking(enterprises=[enterprise(codes[0]), enterprise(wrong)])
    assert caught.value.code == "enterprise.code_invalid"
    assert caught.value.extra["field"] == "enterprises[1].org_code"


@pytest.mark.parametrize("phone", ["12800000000", "1380000000", "138000000000", "+8613800000000",
                                   "138-0000-0000", "１３８００００００００", "", None])
def test_bad_phone_is_refused(new_booking, phone):
    with pytest.raises(ValidationFailed) as caught:
        new_booking(contact_phone=phone)
    assert fields_of(caught.value) == ["contact_phone"]


@pytest.mark.parametrize("phone", ["13000000000", "19999999999", " 13800000000 "])
def test_good_phones(new_booking, phone):
    assert new_booking(contact_phone=phone).contact_phone == phone.strip()


@pytest.mark.parametrize("name", ["", "   ", None, "名" * 51])
def test_bad_contact_name_is_refused(new_booking, name):
    with pytest.raises(ValidationFailed) as caught:
        new_booking(contact_name=name)
    assert fields_of(caught.value) == ["contact_name"]


def test_all_shape_errors_come_in_one_answer(new_booking, codes):
    with pytest.raises(ValidationFailed) as caught:
        new_booking(contact_name="", contact_phone="123", enterprises=[
            {"org_code": "", "businesses": [{"type": "NEW_CARD"}]},
            {"org_code": codes[1], "businesses": []},
            "not an object",
        ])
    assert fields_of(caught.value) == ["contact_name", "contact_phone", "enterprises[0].org_code",
                                       "enterprises[1].businesses", "enterprises[2]"]


def test_unknown_period(new_booking):
    with pytest.raises(PeriodUnknown):
        new_booking(period="NIGHT")


@pytest.mark.parametrize("period", [None, ""])
def test_missing_period_is_a_validation_error(new_booking, period):
    with pytest.raises(ValidationFailed) as caught:
        new_booking(period=period)
    assert fields_of(caught.value) == ["period"]


def test_shape_errors_come_before_an_unknown_period(new_booking):
    with pytest.raises(ValidationFailed):
        new_booking(period="NIGHT", contact_phone="1")


def test_business_rules_apply_per_enterprise(new_booking, codes):
    with pytest.raises(BusinessConflict) as caught:
        new_booking(enterprises=[enterprise(codes[0], "CHANGE_INFO"),
                                 {"org_code": codes[1], "businesses": [
                                     {"type": "CHANGE_INFO"}, {"type": "RENEW_UNLOCK", "count": 1}]}])
    assert caught.value.extra["field"] == "enterprises[1].businesses"


def test_one_enterprise_per_type_rule_does_not_cross_enterprises(new_booking, codes):
    # PRE_ENTRY for one company and NEW_CARD for another is fine
    booking = new_booking(enterprises=[enterprise(codes[0], "PRE_ENTRY"), enterprise(codes[1], "NEW_CARD")])
    assert booking.active_line_count == 2


def test_missing_count_in_a_booking(new_booking, codes):
    with pytest.raises(CountRequired) as caught:
        new_booking(enterprises=[enterprise(codes[0], "OPERATOR_CARD")])
    assert caught.value.extra["field"] == "enterprises[0].businesses[0].count"


def test_unknown_type_in_a_booking_is_a_validation_error(new_booking, codes):
    with pytest.raises(ValidationFailed) as caught:
        new_booking(enterprises=[enterprise(codes[0], "MAKE_COFFEE")])
    assert fields_of(caught.value) == ["enterprises[0].businesses[0].type"]


def test_enterprise_name_is_optional_and_trimmed(new_booking, codes):
    booking = new_booking(enterprises=[enterprise(codes[0]),
                                       {**enterprise(codes[1]), "name": "  乙公司 "},
                                       {**enterprise(codes[2]), "name": None}])
    assert [l.name for l in booking.lines] == ["", "乙公司", ""]


def test_bookings_are_equal_by_id(new_booking):
    assert new_booking(id="x") == new_booking(id="x", contact_phone="13900000000")
    assert new_booking(id="x") != new_booking(id="y")
    assert len({new_booking(id="x"), new_booking(id="x")}) == 1


def test_rebuilding_from_storage_records_no_events(new_booking):
    stored = new_booking()
    rebuilt = Booking(id=stored.id, agent_id=stored.agent_id, center=stored.center,
                      date=stored.date, period=stored.period, contact_name=stored.contact_name,
                      contact_phone=stored.contact_phone, created_at=stored.created_at,
                      lines=stored.lines, status=BookingStatus.CONFIRMED)
    assert rebuilt.events == []
    assert rebuilt.active_line_count == 1


def test_lines_are_named_from_the_agents_list_then_the_directory_then_the_request(new_booking, codes):
    booking = new_booking(enterprises=[
        {"org_code": codes[0], "name": "请求", "businesses": [{"type": "NEW_CARD"}]},
        {"org_code": codes[1], "name": "请求", "businesses": [{"type": "NEW_CARD"}]},
        {"org_code": codes[2], "name": "请求", "businesses": [{"type": "NEW_CARD"}]}])
    booking.name_lines(own={codes[0]: "自己的"}, directory={codes[0]: "目录", codes[1]: "目录"})
    assert [line.name for line in booking.lines] == ["自己的", "目录", "请求"]
