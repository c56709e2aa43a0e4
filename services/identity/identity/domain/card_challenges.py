"""Card login: a one-use server nonce, valid two minutes, signed by the card's private key.

What the card signs is the nonce exactly as the server sent it: the ASCII bytes of its
base64url text (43 characters), not the 32 bytes it encodes. A client needs no decoding.

The service layer must persist the consumed challenge even when the login is refused (or
consume it with one atomic ``UPDATE ... WHERE used_at IS NULL``): a challenge is one TRY,
not one success, so a captured challenge and signature cannot be replayed.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from identity.domain.cards import CardBinding
from identity.domain.encoding import b64url_encode
from identity.domain.errors import CardInvalid
from identity.domain.timeutil import require_aware

CHALLENGE_TTL = timedelta(minutes=2)
NONCE_BYTES = 32


class ChallengeRefusal(StrEnum):
    UNKNOWN = "unknown"          # no such challenge id
    USED = "used"                # replay
    EXPIRED = "expired"
    OTHER_CARD = "other_card"    # issued for another card number
    NOT_BOUND = "not_bound"      # no key bound to this card
    BAD_SIGNATURE = "bad_signature"


@dataclass
class CardChallenge:
    id: str
    card_no: str
    nonce: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @classmethod
    def issue(cls, card_no: str, now: datetime, ttl: timedelta = CHALLENGE_TTL) -> "CardChallenge":
        """Issued for any well-formed card number, bound or not: the answer must not tell
        which cards are bound."""
        require_aware(now)
        return cls(id=str(uuid.uuid4()), card_no=card_no,
                   nonce=b64url_encode(secrets.token_bytes(NONCE_BYTES)),
                   issued_at=now, expires_at=now + ttl)

    @property
    def message(self) -> bytes:
        """The bytes the card signs."""
        return self.nonce.encode("ascii")

    def take(self, now: datetime) -> ChallengeRefusal | None:
        """Use the challenge up: None when it was still fresh, else why it cannot be used."""
        require_aware(now)
        if self.used_at is not None:
            return ChallengeRefusal.USED
        if now > self.expires_at:  # valid up to and including expires_at
            return ChallengeRefusal.EXPIRED
        self.used_at = now
        return None


@dataclass(frozen=True)
class CardLoginResult:
    user_id: str | None
    refusal: ChallengeRefusal | None = None

    @property
    def ok(self) -> bool:
        return self.user_id is not None

    def raise_if_refused(self) -> None:
        # One answer for every refusal: the client learns nothing about cards or challenges.
        if not self.ok:
            raise CardInvalid()


def authenticate_card(challenge: CardChallenge | None, card_no: str, binding: CardBinding | None,
                      signature_b64: str, now: datetime) -> CardLoginResult:
    """Judge a card login. Consumes ``challenge`` (sets ``used_at``) whatever the outcome."""
    if challenge is None:
        return CardLoginResult(None, ChallengeRefusal.UNKNOWN)
    refusal = challenge.take(now)
    if refusal is not None:
        return CardLoginResult(None, refusal)
    if challenge.card_no != card_no:
        return CardLoginResult(None, ChallengeRefusal.OTHER_CARD)
    if binding is None or binding.card_no != card_no:
        return CardLoginResult(None, ChallengeRefusal.NOT_BOUND)
    if not binding.key.verify(challenge.message, signature_b64):
        return CardLoginResult(None, ChallengeRefusal.BAD_SIGNATURE)
    return CardLoginResult(binding.user_id)
