"""Mainland mobile numbers: 11 ASCII digits, ``1[3-9]`` then nine more (api.md)."""
from __future__ import annotations

import re
from typing import TypeGuard

from identity.domain.errors import invalid_field

# re.ASCII: without it \d would also match full-width and other Unicode digits.
_PHONE = re.compile(r"1[3-9]\d{9}", re.ASCII)


def is_valid_phone(raw: object) -> TypeGuard[str]:
    return isinstance(raw, str) and _PHONE.fullmatch(raw.strip()) is not None


def normalize_phone(raw: object, field: str = "phone") -> str:
    """The phone as stored and compared; 422 validation_error when it is not one."""
    if not is_valid_phone(raw):
        raise invalid_field(field, "must be a mainland mobile number of 11 digits")
    return raw.strip()
