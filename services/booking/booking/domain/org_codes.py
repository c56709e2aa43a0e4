"""Enterprise identifiers: the 9-char organisation code (GB 11714) and the 18-char unified
social credit code (GB 32100), which carries the organisation code in characters 9-17.

Bookings and enterprise lists store the 9-char code only, so both forms normalise to it.
"""
from __future__ import annotations

import string
import unicodedata

from booking.domain.errors import InvalidOrgCode

# GB 11714: body characters are digits and upper-case letters, valued 0-9 then A=10..Z=35.
_ORG_BODY_CHARS = string.digits + string.ascii_uppercase
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# GB 32100: 31 characters; I, O, Z, S, V are left out so they cannot be misread.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

ORG_CODE_LENGTH = 9
USCC_LENGTH = 18


def org_code_check_char(first8: str) -> str:
    """The 9th character of an organisation code whose first eight are ``first8``."""
    if len(first8) != 8 or any(c not in _ORG_BODY_CHARS for c in first8):
        raise ValueError("an organisation code body is 8 digits or upper-case letters")
    total = sum(_ORG_BODY_CHARS.index(c) * w for c, w in zip(first8, _ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are ``first17``."""
    if len(first17) != 17 or any(c not in _USCC_CHARS for c in first17):
        raise ValueError("a credit code body is 17 characters of 0-9A-Z without I, O, Z, S, V")
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def normalize_org_code(raw: str) -> str:
    """The 9-char organisation code that ``raw`` stands for, or InvalidOrgCode.

    Accepts a 9-char code, its 'XXXXXXXX-X' printed form, or an 18-char credit code;
    surrounding whitespace, lower case and full-width characters (typed by Chinese input
    methods) are forgiven, wrong check characters are not.
    """
    if not isinstance(raw, str):
        raise InvalidOrgCode("the code must be a string")
    code = unicodedata.normalize("NFKC", raw).strip().upper()
    if len(code) == ORG_CODE_LENGTH + 1 and code[8] == "-":
        code = code[:8] + code[9:]
    if len(code) == ORG_CODE_LENGTH:
        _check_org_code(code)
        return code
    if len(code) == USCC_LENGTH:
        _check_uscc(code)
        return code[8:17]
    raise InvalidOrgCode(
        f"{raw!r} is neither a 9-character organisation code nor an 18-character credit code")


def _check_org_code(code: str) -> None:
    body, check = code[:8], code[8]
    if any(c not in _ORG_BODY_CHARS for c in body):
        raise InvalidOrgCode(f"{code}: the first 8 characters must be digits or letters A-Z")
    expected = org_code_check_char(body)
    if check != expected:
        raise InvalidOrgCode(f"{code}: wrong check character {check!r} (expected {expected!r})")


def _check_uscc(code: str) -> None:
    if any(c not in _USCC_CHARS for c in code):
        raise InvalidOrgCode(f"{code}: a credit code uses 0-9 and A-Z without I, O, Z, S, V")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise InvalidOrgCode(f"{code}: wrong check character {code[17]!r} (expected {expected!r})")
    # Characters 9-17 are the organisation code and carry their own check character.
    _check_org_code(code[8:17])
