"""POST /api/v1/bookings's body typed once at the edge: the domain gets typed requests and
checks rules; shape errors travel with the command and are refused first, all at once."""
from datetime import date, datetime

import pytest

from booking.api.booking_request import booking_request
from booking.domain.booking import Booking, EnterpriseRequest
from booking.domain.business_types import BusinessRequest
from booking.domain.center import QINGDAO
from booking.domain.errors import InvalidOrgCode, PeriodUnknown, ValidationFailed


def test_a_well_formed_body_is_typed(codes):
    asked = booking_request(period="AM", contact_name=" 张三 ", contact_phone="13800000000", enterprises=[
        {"org_code": codes[0], "businesses": [{"type": "RENEW_UNLOCK", "count": 2}, {"type": "BUY_READER"}]}])
    assert asked.shape_errors == ()
    assert asked.enterprises == (EnterpriseRequest(codes[0], "", (BusinessRequest("RENEW_UNLOCK", 2),
                                                                   BusinessRequest("BUY_READER", None))),)


def test_every_shape_error_is_found_at_once_with_api_md_s_field_names():
    asked = booking_request(period=None, contact_name=3, contact_phone="12", enterprises=[
        {"org_code": "", "businesses": [{"type": "NOPE"}]}, "x"])
    assert [e["field"] for e in asked.shape_errors] == [
        "contact_name", "contact_phone", "enterprises[0].org_code", "enterprises[0].businesses[0].type",
        "enterprises[1]", "period"]


def create(asked, period=None):
    return Booking.create(id="b1", agent_id="a1", center=QINGDAO, date=date(2026, 12, 1),
                          period=period or asked.period, contact_name=asked.contact_name,
                          contact_phone=asked.contact_phone, enterprises=asked.enterprises,
                          created_at=datetime(2026, 11, 27, 10, 0), shape_errors=asked.shape_errors)


def test_the_domain_refuses_shape_errors_first_then_checks_rules(codes):
    bad_shape = booking_request(period="XX", contact_name="", contact_phone="13800000000",
                                enterprises=[{"org_code": "bad", "businesses": [{"type": "NEW_CARD"}]}])
    with pytest.raises(ValidationFailed):       # before PeriodUnknown and InvalidOrgCode
        create(bad_shape)
    rules = booking_request(period="XX", contact_name="张三", contact_phone="13800000000",
                            enterprises=[{"org_code": "bad", "businesses": [{"type": "NEW_CARD"}]}])
    with pytest.raises(PeriodUnknown):
        create(rules)
    with pytest.raises(InvalidOrgCode) as caught:   # its own code, not a validation_error
        create(rules, period="AM")
    assert caught.value.extra["field"] == "enterprises[0].org_code"
