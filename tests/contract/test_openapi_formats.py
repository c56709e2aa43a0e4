"""The shapes the OpenAPI document declares for values the domain checks itself (phone, SMS
code, 组织机构代码 / 统一社会信用代码, period: shared.http.formats) are declared only: the request
models still take what the patterns refuse, so that the domain answers its own codes
(enterprise.code_invalid, booking.period_unknown, a validation_error naming the field) and
forgives what it forgives (spaces, lower case, full-width characters), as before."""
from __future__ import annotations

import pytest

from booking.api.models import BookingBody, CapacityBody, EnterpriseBody
from identity.api.models import LoginRequest, PasswordResetRequest, RegistrationRequest, SmsCodeRequest
from shared.http.formats import ORG_OR_CREDIT_CODE, PERIOD, PHONE, SMS_CODE

# (model, a body the declared patterns refuse, {field: the format it declares})
CASES = [
    (SmsCodeRequest, {"phone": " 138-0013-8000 ", "purpose": "login"}, {"phone": PHONE}),
    (LoginRequest, {"phone": "1380013800", "sms_code": "12a45"}, {"phone": PHONE, "sms_code": SMS_CODE}),
    (RegistrationRequest, {"phone": "23800138000", "sms_code": "1234567", "username": "zw", "password": "p",
                           "name": "张伟", "org_code": "ｍａ1k4lxl8"},
     {"phone": PHONE, "sms_code": SMS_CODE, "org_code": ORG_OR_CREDIT_CODE}),
    (PasswordResetRequest, {"phone": "1", "sms_code": "", "new_password": "x"}, {"phone": PHONE, "sms_code": SMS_CODE}),
    (EnterpriseBody, {"code": "ma1k4lxl-8", "name": "青岛海川电子科技有限公司"}, {"code": ORG_OR_CREDIT_CODE}),
    (CapacityBody, {"center": "qingdao", "date": "2027-03-15", "period": "am", "capacity": 40}, {"period": PERIOD}),
    (BookingBody, {"date": "2027-03-15", "period": "morning", "contact_phone": "12345",
                   "enterprises": [{"org_code": "not a code", "businesses": []}]},
     {"period": PERIOD, "contact_phone": PHONE}),
]


@pytest.mark.parametrize(("model", "body", "declared"), CASES, ids=[c[0].__name__ for c in CASES])
def test_a_declared_shape_is_not_enforced_by_the_model(model, body, declared):
    schema = model.model_json_schema(mode="validation")
    for name, fmt in declared.items():
        prop = schema["properties"][name]
        shapes = [prop, *prop.get("anyOf", [])]
        assert any(s.get("pattern") == fmt["pattern"] for s in shapes), f"{model.__name__}.{name} declares no pattern"
    model.model_validate(body)   # the domain, not the model, refuses these (with its own codes)
