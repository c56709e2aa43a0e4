import pytest

from identity.domain.errors import PasswordWeak
from identity.domain.registration import validate_registration
from shared.errors import ValidationFailed

GOOD = dict(phone="13800000000", username="ZhangSan", password="correct horse battery",
            name="张三", email="zs@example.com", org_code="12345678x")


def test_a_good_form_comes_back_normalised():
    reg = validate_registration(**GOOD)
    assert (reg.phone, reg.username, reg.name, reg.email, reg.org_code) == (
        "13800000000", "zhangsan", "张三", "zs@example.com", "12345678X")
    assert reg.password == "correct horse battery"


def test_the_password_is_not_in_the_repr():
    assert "battery" not in repr(validate_registration(**GOOD))


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(ValidationFailed) as exc:
        validate_registration(**{**GOOD, "phone": "123", "username": "x", "name": "", "email": "bad",
                                 "org_code": "1", "password": ""})
    fields = {e["field"] for e in exc.value.extra["errors"]}
    assert fields == {"phone", "username", "name", "email", "org_code", "password"}


def test_optional_fields_may_be_missing():
    reg = validate_registration(**{**GOOD, "email": None, "org_code": None})
    assert reg.email is None and reg.org_code is None


def test_a_weak_password_is_its_own_error_after_the_shape_checks():
    with pytest.raises(PasswordWeak):
        validate_registration(**{**GOOD, "password": "password"})
    with pytest.raises(PasswordWeak):
        validate_registration(**{**GOOD, "password": "ZHANGSAN2024"})  # the username again
