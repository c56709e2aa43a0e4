"""Card numbers and the binding of a card to a user."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from identity.domain.card_keys import CardKey
from identity.domain.errors import invalid_field

CARD_NO_MAX = 32
# ASCII letters and digits only; stored upper-cased so that one card has one spelling.
_CARD_NO = re.compile(r"[0-9A-Z]{1,%d}" % CARD_NO_MAX, re.ASCII)


def normalize_card_no(raw: object, field: str = "card_no") -> str:
    if not isinstance(raw, str):
        raise invalid_field(field, "is required")
    card_no = raw.strip().upper()
    if not _CARD_NO.fullmatch(card_no):
        raise invalid_field(field, f"must be 1-{CARD_NO_MAX} letters or digits")
    return card_no


@dataclass(frozen=True)
class CardBinding:
    """One card bound to one user. A card number is bound at most once (409 card.already_bound)."""
    card_no: str
    user_id: str
    key: CardKey
    bound_at: datetime
