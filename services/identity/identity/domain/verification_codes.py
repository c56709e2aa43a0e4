"""SMS verification codes: 6 digits, stored only as a keyed hash, 5 minutes, one use,
burnt by the 5th wrong try.

The service layer keeps one record per code. It must SAVE the record after every ``check``
(also when the answer is a refusal) before it raises: a rolled-back transaction would
forget the wrong try and give an attacker unlimited guesses at a million codes.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from identity.domain.errors import CodeInvalid
from identity.domain.timeutil import require_aware

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
MAX_WRONG_TRIES = 5


class Purpose(StrEnum):
    REGISTER = "register"
    LOGIN = "login"
    RESET_PASSWORD = "reset_password"
    BIND_CARD = "bind_card"          # the fresh proof for binding a card (signed-in users only)


class CheckResult(StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    BURNT = "burnt"      # the 5th wrong try, and every try after it
    EXPIRED = "expired"
    USED = "used"

    @property
    def ok(self) -> bool:
        return self is CheckResult.ACCEPTED


_MESSAGES = {
    CheckResult.WRONG: "The code is wrong",
    CheckResult.BURNT: "Too many wrong tries; ask for a new code",
    CheckResult.EXPIRED: "The code has expired; ask for a new code",
    CheckResult.USED: "The code has already been used; ask for a new code",
}


def code_invalid(result: CheckResult | None) -> CodeInvalid:
    """The 422 sms.code_invalid for a refusal; ``None`` means no code was ever sent."""
    if result is None:
        return CodeInvalid("No code was requested for this phone", reason="missing")
    return CodeInvalid(_MESSAGES[result], reason=result.value)


def generate_code() -> str:
    """Six digits from the OS's CSPRNG, leading zeros kept."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(secret: bytes, phone: str, purpose: Purpose | str, code: str) -> str:
    """HMAC-SHA256 keyed by a server secret over purpose, phone and code.

    A plain hash of a 6-digit code is reversed by trying a million values; keyed by a secret
    that is not in the table, a stolen table reveals nothing. Phone and purpose in the
    message tie the hash to them: a code for ``register`` cannot pass as a ``login`` one.
    """
    if not secret:
        raise ValueError("the code hashing secret must not be empty")
    message = f"{Purpose(purpose).value}\x00{phone}\x00{code}".encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


@dataclass
class VerificationCode:
    phone: str
    purpose: Purpose
    code_hash: str
    created_at: datetime
    expires_at: datetime
    wrong_tries: int = 0
    used_at: datetime | None = None
    burnt_at: datetime | None = None

    @classmethod
    def issue(cls, *, secret: bytes, phone: str, purpose: Purpose | str, now: datetime,
              ttl: timedelta = CODE_TTL) -> tuple["VerificationCode", str]:
        """A new record and the plain code (for the SMS, never stored or logged)."""
        require_aware(now)
        purpose = Purpose(purpose)
        code = generate_code()
        record = cls(phone=phone, purpose=purpose, code_hash=hash_code(secret, phone, purpose, code),
                     created_at=now, expires_at=now + ttl)
        return record, code

    def is_expired(self, now: datetime) -> bool:
        # Valid up to and including expires_at ("valid 5 minutes": 5:00 still counts).
        return now > self.expires_at

    def check(self, candidate: str, now: datetime, *, secret: bytes) -> CheckResult:
        """Judge a try and record it on this record (the caller saves it whatever the result)."""
        require_aware(now)
        if self.used_at is not None:
            return CheckResult.USED
        if self.burnt_at is not None:
            return CheckResult.BURNT
        if self.is_expired(now):
            return CheckResult.EXPIRED
        candidate_hash = hash_code(secret, self.phone, self.purpose, candidate) if isinstance(candidate, str) else ""
        # compare_digest: the time taken does not tell how many leading characters matched.
        if hmac.compare_digest(candidate_hash.encode(), self.code_hash.encode()):
            self.used_at = now
            return CheckResult.ACCEPTED
        self.wrong_tries += 1
        if self.wrong_tries >= MAX_WRONG_TRIES:
            self.burnt_at = now
            return CheckResult.BURNT
        return CheckResult.WRONG


def raise_if_refused(result: CheckResult | None) -> None:
    """After saving the record: 422 sms.code_invalid unless the code was accepted."""
    if result is None or not result.ok:
        raise code_invalid(result)
