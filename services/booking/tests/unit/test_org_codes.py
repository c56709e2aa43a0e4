import pytest

from booking.domain.errors import InvalidOrgCode
from booking.domain.org_codes import normalize_org_code, org_code_check_char, uscc_check_char
from shared.http.statuses import status_of
from testsupport.generators import credit_code_for

# Published unified social credit codes (the first is GB 32100's own example).
REAL_USCC = {
    "91350100M000100Y43": "M000100Y4",
    "91110108551385082Q": "551385082",
    "914403001922038216": "192203821",
}
ORG_CHECK_ALPHABET = "0123456789X"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def test_org_check_char_computed_by_hand():
    # 1*3 + 2*7 + 3*9 + 4*10 + 5*5 + 6*8 + 7*4 + 8*2 = 201; 201 mod 11 = 3; 11 - 3 = 8
    assert org_code_check_char("12345678") == "8"


def test_org_check_char_ten_is_x_and_eleven_is_zero():
    # "00000000": sum 0 -> 11 - 0 = 11 -> "0"
    assert org_code_check_char("00000000") == "0"
    # "01001000": 1*7 + 1*5 = 12; 12 mod 11 = 1; 11 - 1 = 10 -> "X"
    assert org_code_check_char("01001000") == "X"
    # letters count from A = 10: "0000000A": 10*2 = 20; 20 mod 11 = 9; 11 - 9 = 2
    assert org_code_check_char("0000000A") == "2"


def test_valid_org_code_is_returned_as_is():
    assert normalize_org_code("123456788") == "123456788"


@pytest.mark.parametrize("raw", ["123456788", " 123456788\t", "12345678-8", "１２３４５６７８-８"])
def test_accepted_spellings_of_one_org_code(raw):
    assert normalize_org_code(raw) == "123456788"


def test_lower_case_letters_are_upper_cased():
    code = "M000100Y4"
    assert normalize_org_code(code.lower()) == code


def test_x_check_char_accepted_in_either_case():
    assert normalize_org_code("01001000X") == "01001000X"
    assert normalize_org_code("01001000x") == "01001000X"


@pytest.mark.parametrize("wrong", sorted(set(ORG_CHECK_ALPHABET) - {"8"}))
def test_every_wrong_org_check_char_is_refused(wrong):
    with pytest.raises(InvalidOrgCode) as caught:
        normalize_org_code("12345678" + wrong)
    assert caught.value.code == "enterprise.code_invalid"
    assert status_of(caught.value) == 422


def test_check_char_off_by_one_in_the_body_is_refused():
    # one body character changed, check character kept
    with pytest.raises(InvalidOrgCode):
        normalize_org_code("123456798")


@pytest.mark.parametrize("raw", ["", "12345678", "1234567888", "1234-5678-8", "12345678-88",
                                 "12345 678", "1234567_8", "12345678#"])
def test_malformed_codes_are_refused(raw):
    with pytest.raises(InvalidOrgCode):
        normalize_org_code(raw)


def test_non_string_is_refused():
    with pytest.raises(InvalidOrgCode):
        normalize_org_code(123456788)  # type: ignore[arg-type]  # on purpose: not a str


@pytest.mark.parametrize("uscc, org", sorted(REAL_USCC.items()))
def test_published_credit_codes_give_their_org_code(uscc, org):
    assert normalize_org_code(uscc) == org
    assert normalize_org_code(uscc.lower()) == org


def test_built_credit_code_round_trips():
    assert normalize_org_code(credit_code_for("123456788")) == "123456788"


@pytest.mark.parametrize("uscc", sorted(REAL_USCC))
def test_every_wrong_credit_check_char_is_refused(uscc):
    for wrong in USCC_ALPHABET.replace(uscc[17], ""):
        with pytest.raises(InvalidOrgCode):
            normalize_org_code(uscc[:17] + wrong)


def test_credit_check_char_by_hand_and_31_becomes_0():
    assert uscc_check_char("0" * 17) == "0"            # sum 0 -> 31 - 0 = 31 -> 0
    assert uscc_check_char("1" + "0" * 16) == "Y"      # weight 1: 31 - 1 = 30 -> "Y"
    assert uscc_check_char("0" * 16 + "1") == "3"      # weight 3^16 mod 31 = 28: 31 - 28 = 3


def test_credit_code_with_excluded_letter_is_refused():
    # I, O, Z, S, V are not in GB 32100's alphabet, even with a "matching" check char
    for letter in "IOZSV":
        body = "9137020" + letter + "123456788"[:-1]
        with pytest.raises(InvalidOrgCode):
            normalize_org_code(body + "00")
        with pytest.raises(ValueError):
            uscc_check_char(body + "0")


def test_credit_code_whose_embedded_org_code_is_invalid_is_refused():
    bad_org = "123456780"                   # its check char should be 8
    body = "91370200" + bad_org
    uscc = body + uscc_check_char(body)     # the 18th character is right...
    with pytest.raises(InvalidOrgCode) as caught:
        normalize_org_code(uscc)            # ...but characters 9-17 are not an org code
    assert "123456780" in caught.value.detail


def test_17_and_19_char_codes_are_refused():
    uscc = credit_code_for("123456788")
    with pytest.raises(InvalidOrgCode):
        normalize_org_code(uscc[:17])
    with pytest.raises(InvalidOrgCode):
        normalize_org_code(uscc + "0")


def test_check_char_helpers_refuse_bad_bodies():
    with pytest.raises(ValueError):
        org_code_check_char("1234567")
    with pytest.raises(ValueError):
        org_code_check_char("1234567a")
    with pytest.raises(ValueError):
        uscc_check_char("9137020012345678")
