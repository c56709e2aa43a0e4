"""The shapes of the API's common strings, declared in the OpenAPI document (a ``pattern``
or ``format`` in the JSON schema) so that generated clients and fuzzers know them.

Declared only, never enforced by pydantic: the domain checks these values itself and
answers its own codes (``enterprise.code_invalid``, a ``validation_error`` naming the
field, ``booking.date_not_bookable``), forgiving what it forgives (surrounding spaces,
lower case, full-width characters of Chinese input methods in organisation codes). A
pydantic ``pattern=`` would answer a generic ``validation_error`` first and change them.
Use them as ``Field(json_schema_extra=PHONE, ...)``. Dates need nothing: a pydantic ``date``
field is declared ``format: date``."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel

# A mainland mobile number: 11 digits, 1 then 3-9 (identity.domain.phones, booking.domain.booking).
PHONE: dict[str, Any] = {"pattern": "^1[3-9][0-9]{9}$", "examples": ["13800138000"]}
# The SMS verification code: 6 digits (identity.domain.verification_codes).
SMS_CODE: dict[str, Any] = {"pattern": "^[0-9]{6}$", "examples": ["493027"]}
# 组织机构代码 (GB 11714: 8 digits/letters and a check character, printed "XXXXXXXX-X") or
# 统一社会信用代码 (GB 32100: 18 characters of 0-9A-Z without I, O, Z, S, V, the last a check
# character); booking.domain.org_codes checks the check characters.
ORG_CODE_9 = "[0-9A-Z]{8}-?[0-9X]"
CREDIT_CODE_18 = "[0-9A-HJ-NPQRTUWXY]{18}"
ORG_OR_CREDIT_CODE: dict[str, Any] = {"pattern": f"^({ORG_CODE_9}|{CREDIT_CODE_18})$",
                                      "examples": ["MA1K4LXL8", "91350100MA1K4LXL8D"]}
# A period of the center's day: its code (AM, PM at the default center; the calendar lists them).
PERIOD: dict[str, Any] = {"pattern": "^[A-Z][A-Z0-9]{0,15}$", "examples": ["AM"]}


def example(*values: Any) -> dict[str, Any]:
    """``json_schema_extra`` giving a model (or field) its examples."""
    return {"examples": list(values)}


def example_of(model: type[BaseModel]) -> dict[str, Any]:
    """The first example ``example(...)`` gave ``model``, to build a larger example on."""
    extra = model.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    if not isinstance(examples, list) or not examples or not isinstance(examples[0], dict):
        raise TypeError(f"{model.__name__} has no example")
    return examples[0]
