"""How long a booking takes at the desk, and how many desks there are: the center's
allocation settings (desk count, segment length, weights per business type).

Durations are whole minutes. Default weights are a first estimate for the Qingdao
center, chosen so that a period filled to its default capacity (40 enterprise lines)
with an ordinary mix fits its 4 desks (AM: 600 desk-minutes, about 15 per line);
the center tunes them in settings.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from allocator.domain.business_types import BUSINESS_TYPES
from allocator.domain.canonical import fingerprint
from allocator.domain.errors import InvalidPolicy


def _is_int(value: Any) -> bool:
    # bool is an int subclass; ``desks: true`` is a settings typo, not one desk.
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class TypeWeight:
    """Minutes for one business type: ``first`` for the first card (or the type when it
    takes no count), ``each_more`` for every further card. The desk does the paperwork
    once and then repeats a shorter step per card."""
    first: int
    each_more: int = 0

    def __post_init__(self) -> None:
        if not _is_int(self.first) or not _is_int(self.each_more) \
                or self.first < 0 or self.each_more < 0:
            raise InvalidPolicy("type weights are whole non-negative minutes")

    def minutes(self, count: int) -> int:
        return self.first + self.each_more * (count - 1)


DEFAULT_TYPE_WEIGHTS: Mapping[str, TypeWeight] = MappingProxyType({
    "PRE_ENTRY": TypeWeight(8),          # data entry of the enterprise, no cards
    "NEW_CARD": TypeWeight(15, 5),       # a first card: identity checks, key issue
    "CHANGE_INFO": TypeWeight(10),       # re-check documents, rewrite the record
    "RENEW_UNLOCK": TypeWeight(3, 2),    # plug the card in, extend/unlock, next
    "DECLARANT_CARD": TypeWeight(6, 4),  # per card: issue and write a new card
    "OPERATOR_CARD": TypeWeight(6, 4),
    "REISSUE_CARD": TypeWeight(6, 4),
    "BUY_READER": TypeWeight(2),         # a sale; extra readers take no longer
})
DEFAULT_DESKS = 4
DEFAULT_SEGMENT_MINUTES = 30
DEFAULT_ENTERPRISE_MINUTES = 3   # per enterprise line: check its documents once
DEFAULT_MIN_BOOKING_MINUTES = 5  # nobody is handled in no time, even a reader purchase


@dataclass(frozen=True, slots=True)
class AllocationPolicy:
    desks: int = DEFAULT_DESKS
    segment_minutes: int = DEFAULT_SEGMENT_MINUTES
    enterprise_minutes: int = DEFAULT_ENTERPRISE_MINUTES
    min_booking_minutes: int = DEFAULT_MIN_BOOKING_MINUTES
    # Overrides by type code (TypeWeight, minutes, or {first, each_more}); after
    # construction it holds all eight types as TypeWeight.
    type_weights: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        for name in ("desks", "segment_minutes", "min_booking_minutes"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise InvalidPolicy(f"{name} must be a positive whole number")
        if not _is_int(self.enterprise_minutes) or self.enterprise_minutes < 0:
            raise InvalidPolicy("enterprise_minutes must be a whole number >= 0")
        if not isinstance(self.type_weights, Mapping):
            raise InvalidPolicy("type_weights must map type codes to weights")
        unknown = set(self.type_weights) - set(BUSINESS_TYPES)
        if unknown:
            raise InvalidPolicy(f"weights for unknown business types: {sorted(unknown)}")
        # Missing types take the defaults: a partial override in settings is the norm,
        # and a type without a weight would make a booking unschedulable.
        merged = {**DEFAULT_TYPE_WEIGHTS,
                  **{code: _read_weight(code, w) for code, w in self.type_weights.items()}}
        object.__setattr__(self, "type_weights", MappingProxyType(merged))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AllocationPolicy:
        """From settings: every key optional; ``type_weights`` maps a type code to
        ``{"first": m, "each_more": m}`` or to a bare number of minutes. Unknown keys
        are refused: a misspelt setting silently ignored would mis-schedule a day."""
        allowed = {"desks", "segment_minutes", "enterprise_minutes", "min_booking_minutes",
                   "type_weights"}
        unknown = set(data) - allowed
        if unknown:
            raise InvalidPolicy(f"unknown policy settings: {sorted(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "desks": self.desks,
            "segment_minutes": self.segment_minutes,
            "enterprise_minutes": self.enterprise_minutes,
            "min_booking_minutes": self.min_booking_minutes,
            "type_weights": {code: {"first": w.first, "each_more": w.each_more}
                             for code, w in self.type_weights.items()},
        }

    def fingerprint(self) -> str:
        return fingerprint(self.to_dict())


def _read_weight(code: str, value: Any) -> TypeWeight:
    if isinstance(value, TypeWeight):
        return value
    if _is_int(value):
        return TypeWeight(value)
    if isinstance(value, Mapping) and set(value) <= {"first", "each_more"} and "first" in value:
        return TypeWeight(value["first"], value.get("each_more", 0))
    raise InvalidPolicy(f"type_weights.{code}: expected minutes or {{first, each_more}}")
