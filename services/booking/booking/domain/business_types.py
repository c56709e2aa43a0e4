"""The eight business types (业务种类) an enterprise line can book, and the rules for
combining them within one enterprise.

Input items are plain JSON-shaped mappings ``{"type": "RENEW_UNLOCK", "count": 2}``, the
way api.md's request carries them.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from booking.domain.errors import BusinessConflict, CountRequired, ValidationFailed

MIN_COUNT = 1
MAX_COUNT = 99


class CountRule(enum.Enum):
    REQUIRED = "required"   # card count needed: 1..99
    OPTIONAL = "optional"   # quantity may be given: 1..99, default 1
    NONE = "none"           # no count; giving one is refused (see validate_businesses)


@dataclass(frozen=True)
class BusinessType:
    code: str
    name: str                       # the manual's Chinese label, shown to users
    count_rule: CountRule
    excludes: frozenset[str]        # symmetric: filled in below from _EXCLUSIONS

    @property
    def needs_count(self) -> bool:
        return self.count_rule is CountRule.REQUIRED

    @property
    def default_count(self) -> int | None:
        return 1 if self.count_rule is CountRule.OPTIONAL else None


@dataclass(frozen=True)
class BusinessLine:
    """One business type booked for one enterprise (count None for types without one)."""
    type: str
    count: int | None = None


@dataclass(frozen=True)
class BusinessRequest:
    """One business type asked for one enterprise, its shape already checked (a known
    type, a count 1..99 or none: api/booking_request.py)."""
    type: str
    count: int | None = None


_DEFINITIONS = (  # in the manual's order, which is also the order shown to users
    ("PRE_ENTRY", "预录入", CountRule.NONE),
    ("NEW_CARD", "新制卡", CountRule.NONE),
    ("CHANGE_INFO", "变更企业信息", CountRule.NONE),
    ("RENEW_UNLOCK", "卡延期、解锁", CountRule.REQUIRED),
    ("DECLARANT_CARD", "增加、更换报关员卡", CountRule.REQUIRED),
    ("OPERATOR_CARD", "增加操作员卡", CountRule.REQUIRED),
    ("REISSUE_CARD", "补卡、换卡", CountRule.REQUIRED),
    ("BUY_READER", "购读卡器", CountRule.OPTIONAL),
)
_ALL_CODES = tuple(code for code, _, _ in _DEFINITIONS)
_EXCLUSIVE = frozenset({"PRE_ENTRY", "NEW_CARD"})  # "与其他业务互斥"
_PAIRS = {frozenset({"CHANGE_INFO", "RENEW_UNLOCK"})}  # "与卡延期、解锁业务互斥"


def _excluded_by(code: str) -> frozenset[str]:
    # Made symmetric so that a frontend can grey out options from either side.
    if code in _EXCLUSIVE:
        return frozenset(_ALL_CODES) - {code}
    partners = {other for pair in _PAIRS if code in pair for other in pair - {code}}
    return frozenset(_EXCLUSIVE | partners)


BUSINESS_TYPES: tuple[BusinessType, ...] = tuple(
    BusinessType(code, name, rule, _excluded_by(code)) for code, name, rule in _DEFINITIONS)
BUSINESS_TYPES_BY_CODE: Mapping[str, BusinessType] = {t.code: t for t in BUSINESS_TYPES}


def business_shape_errors(items: Any, field: str = "businesses") -> list[dict[str, str]]:
    """Field errors for input that is malformed on its own: no types, a non-object item,
    an unknown or repeated type, a count that is not an integer 1..99, a count given to a
    type that takes none. Missing counts and forbidden combinations are not shape errors
    (they have their own codes) and are checked by ``validate_businesses``."""
    if not isinstance(items, Sequence) or isinstance(items, (str, bytes)):
        return [{"field": field, "message": "must be a list of business types"}]
    if not items:
        return [{"field": field, "message": "at least one business type is required"}]
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        at = f"{field}[{i}]"
        if not isinstance(item, Mapping):
            errors.append({"field": at, "message": "must be an object with a type"})
            continue
        code = item.get("type")
        kind = BUSINESS_TYPES_BY_CODE.get(code) if isinstance(code, str) else None
        if kind is None:
            errors.append({"field": f"{at}.type", "message": f"unknown business type {code!r}"})
            continue
        if code in seen:
            errors.append({"field": f"{at}.type", "message": f"{code} is given twice"})
        seen.add(kind.code)
        errors += _count_shape_errors(kind, item.get("count"), f"{at}.count")
    return errors


def _count_shape_errors(kind: BusinessType, count: Any, at: str) -> list[dict[str, str]]:
    if count is None:
        return []
    if kind.count_rule is CountRule.NONE:
        # Decision: refuse rather than drop it, so a client bug cannot hide and stored
        # lines never carry a number that means nothing.
        return [{"field": at, "message": f"{kind.code} takes no count"}]
    if isinstance(count, bool) or not isinstance(count, int):
        return [{"field": at, "message": "must be an integer"}]
    if not MIN_COUNT <= count <= MAX_COUNT:
        return [{"field": at, "message": f"must be between {MIN_COUNT} and {MAX_COUNT}"}]
    return []


def validate_businesses(items: Any, field: str = "businesses") -> tuple[BusinessLine, ...]:
    """The business lines of one enterprise, in the order given, or the first refusal:
    ValidationFailed (shape), then BusinessConflict, then CountRequired."""
    errors = business_shape_errors(items, field)
    if errors:
        raise ValidationFailed(errors)
    return business_lines(tuple(BusinessRequest(item["type"], item.get("count")) for item in items), field)


def business_lines(asked: Sequence[BusinessRequest], field: str = "businesses") -> tuple[BusinessLine, ...]:
    """The rules on well-formed business types: BusinessConflict, then CountRequired."""
    codes = [item.type for item in asked]
    for code in codes:
        clash = BUSINESS_TYPES_BY_CODE[code].excludes.intersection(codes)
        if clash:
            raise BusinessConflict(
                f"{code} cannot be booked together with {', '.join(sorted(clash))}",
                field=field)
    lines = []
    for i, item in enumerate(asked):
        kind = BUSINESS_TYPES_BY_CODE[item.type]
        count = item.count
        if count is None and kind.needs_count:
            raise CountRequired(f"{kind.code} needs a card count (1-{MAX_COUNT})",
                                field=f"{field}[{i}].count")
        lines.append(BusinessLine(kind.code, count if count is not None else kind.default_count))
    return tuple(lines)
