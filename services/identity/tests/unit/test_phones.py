import pytest

from identity.domain.phones import is_valid_phone, normalize_phone
from shared.errors import ValidationFailed


@pytest.mark.parametrize("phone", ["13800000000", "19912345678", " 15012345678 ", "13800000000\n"])
def test_mainland_mobile_numbers_are_accepted(phone):
    assert normalize_phone(phone) == phone.strip()


@pytest.mark.parametrize("phone", [
    "12800000000",        # second digit 2
    "1380000000",         # 10 digits
    "138000000000",       # 12 digits
    "+8613800000000",     # country code not accepted: 11 digits only
    "1380000000a",
    "138 0000 0000",
    "13800000000x",
    "113800000000",       # a prefix match would take it
    "１３８００００００００",  # full-width digits
    "١٣٨٠٠٠٠٠٠٠٠",        # Arabic-Indic digits: \d without re.ASCII would take them
    "",
    None,
    13800000000,
])
def test_anything_else_is_a_validation_error_on_the_field(phone):
    assert not is_valid_phone(phone)
    with pytest.raises(ValidationFailed) as exc:
        normalize_phone(phone, field="contact_phone")
    assert exc.value.extra["errors"][0]["field"] == "contact_phone"
