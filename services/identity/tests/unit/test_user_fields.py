import pytest

from identity.domain.user_fields import (
    normalize_email,
    normalize_org_code,
    normalize_real_name,
    normalize_username,
)
from shared.errors import ValidationFailed


def field_of(exc_info) -> str:
    return exc_info.value.extra["errors"][0]["field"]


@pytest.mark.parametrize("raw, stored", [
    ("zhangsan", "zhangsan"),
    ("ZhangSan", "zhangsan"),       # case-insensitive: one spelling stored
    ("  li.si_01-a ", "li.si_01-a"),
    ("abc", "abc"),
    ("a" * 32, "a" * 32),
    ("007agent", "007agent"),
])
def test_good_usernames_are_lower_cased(raw, stored):
    assert normalize_username(raw) == stored


@pytest.mark.parametrize("raw", ["ab", "a" * 33, "_zhang", ".zhang", "-zhang", "zhang san",
                                 "张三丰", "zhang@san", "zha\nng", "", None, 123])
def test_bad_usernames_are_refused(raw):
    with pytest.raises(ValidationFailed) as exc:
        normalize_username(raw)
    assert field_of(exc) == "username"


def test_real_names_in_any_script_are_kept():
    assert normalize_real_name(" 张三 ") == "张三"
    assert normalize_real_name("阿依古丽·买买提") == "阿依古丽·买买提"
    assert normalize_real_name("Li Lei") == "Li Lei"


@pytest.mark.parametrize("raw", ["", "   ", None, "x" * 51, "张\n三", "evil\u202etext"])
def test_bad_real_names_are_refused(raw):
    with pytest.raises(ValidationFailed) as exc:
        normalize_real_name(raw)
    assert field_of(exc) == "name"


def test_email_is_optional_and_its_domain_lower_cased():
    assert normalize_email(None) is None
    assert normalize_email("  ") is None
    assert normalize_email("Zhang.San@Example.COM") == "Zhang.San@example.com"


@pytest.mark.parametrize("raw", ["zhang", "zhang@", "@example.com", "zhang@example", "a b@example.com",
                                 "a@b@example.com", "zhang@example.", "x" * 250 + "@example.com", 42])
def test_bad_emails_are_refused(raw):
    with pytest.raises(ValidationFailed) as exc:
        normalize_email(raw)
    assert field_of(exc) == "email"


def test_org_code_is_optional_upper_cased_9_or_18_chars():
    assert normalize_org_code(None) is None
    assert normalize_org_code("") is None
    assert normalize_org_code(" 12345678x ") == "12345678X"
    assert normalize_org_code("91370200MA3C12345X") == "91370200MA3C12345X"


@pytest.mark.parametrize("raw", ["1234567", "1234567890", "12345678-X", "9137020012345678901", 123456789])
def test_bad_org_codes_are_refused(raw):
    with pytest.raises(ValidationFailed) as exc:
        normalize_org_code(raw)
    assert field_of(exc) == "org_code"
