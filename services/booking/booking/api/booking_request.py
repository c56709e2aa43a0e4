"""POST /api/v1/bookings's body, parsed once at the edge into the typed command.

BookingBody (api/models.py) takes any JSON in these fields, so that every shape error is
found here at once, with api.md's field names and messages ("enterprises[0].org_code"),
instead of pydantic's first ones. The command carries them (``shape_errors``) and the
domain refuses them first, where the other refusals are decided (after the center, under
the Idempotency-Key), so a refused request answers as it always has; without any, the
domain gets typed values and checks the rules only (InvalidOrgCode, PeriodUnknown,
BusinessConflict, CountRequired)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from booking.domain.booking import MAX_CONTACT_NAME_LENGTH, MAX_ENTERPRISES, PHONE_PATTERN, EnterpriseRequest
from booking.domain.business_types import BusinessRequest, business_shape_errors
from booking.domain.errors import InvalidOrgCode
from booking.domain.org_codes import normalize_org_code

FieldError = dict[str, str]


@dataclass(frozen=True)
class BookingRequest:
    """The typed fields of a booking request ("" and () where ``shape_errors`` says why)."""
    period: str
    contact_name: str
    contact_phone: str
    enterprises: tuple[EnterpriseRequest, ...]
    shape_errors: tuple[FieldError, ...] = ()


def booking_request(*, period: Any, contact_name: Any, contact_phone: Any, enterprises: Any) -> BookingRequest:
    errors = _contact_errors(contact_name, contact_phone) + _enterprise_shape_errors(enterprises)
    if not isinstance(period, str) or not period:
        errors.append({"field": "period", "message": "required"})
    if errors:
        return BookingRequest(period="", contact_name="", contact_phone="", enterprises=(),
                              shape_errors=tuple(errors))
    return BookingRequest(period=period, contact_name=contact_name, contact_phone=contact_phone,
                          enterprises=tuple(_enterprise(item) for item in enterprises))


def _enterprise(item: Mapping[str, Any]) -> EnterpriseRequest:
    return EnterpriseRequest(
        org_code=item["org_code"], name=item.get("name") or "",
        businesses=tuple(BusinessRequest(b["type"], b.get("count")) for b in item["businesses"]))


def _contact_errors(name: Any, phone: Any) -> list[FieldError]:
    errors = []
    if not isinstance(name, str) or not name.strip():
        errors.append({"field": "contact_name", "message": "required"})
    elif len(name.strip()) > MAX_CONTACT_NAME_LENGTH:
        errors.append({"field": "contact_name",
                       "message": f"at most {MAX_CONTACT_NAME_LENGTH} characters"})
    if not isinstance(phone, str) or not PHONE_PATTERN.fullmatch(phone.strip()):
        errors.append({"field": "contact_phone",
                       "message": "must be a mainland mobile number: 11 digits starting 13-19"})
    return errors


def _enterprise_shape_errors(enterprises: Any) -> list[FieldError]:
    if not isinstance(enterprises, Sequence) or isinstance(enterprises, (str, bytes)):
        return [{"field": "enterprises", "message": "must be a list of enterprises"}]
    errors = []
    if not 1 <= len(enterprises) <= MAX_ENTERPRISES:
        errors.append({"field": "enterprises",
                       "message": f"between 1 and {MAX_ENTERPRISES} enterprises, not {len(enterprises)}"})
    first_seen: dict[str, int] = {}
    for i, item in enumerate(enterprises):
        at = f"enterprises[{i}]"
        if not isinstance(item, Mapping):
            errors.append({"field": at, "message": "must be an object"})
            continue
        raw_code, name = item.get("org_code"), item.get("name") or ""
        if not isinstance(raw_code, str) or not raw_code.strip():
            errors.append({"field": f"{at}.org_code", "message": "required"})
        else:
            # Invalid codes are refused later with their own code; here only duplicates,
            # compared normalised so a 9-char and an 18-char form of one company clash.
            code = _normalized_or_none(raw_code)
            if code is not None and code in first_seen:
                errors.append({"field": f"{at}.org_code",
                               "message": f"same enterprise as enterprises[{first_seen[code]}]"})
            elif code is not None:
                first_seen[code] = i
        if not isinstance(name, str):
            errors.append({"field": f"{at}.name", "message": "must be a string"})
        errors += business_shape_errors(item.get("businesses"), f"{at}.businesses")
    return errors


def _normalized_or_none(raw: str) -> str | None:
    try:
        return normalize_org_code(raw)
    except InvalidOrgCode:
        return None
