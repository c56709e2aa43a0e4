"""Rotating refresh tokens: opaque, stored hashed, one use each, grouped in families.

A login starts a family (one session). Each refresh marks the presented token rotated
and issues the next one in the same family. A family also has an absolute lifetime
(``max_age`` from its login): past it a refresh is refused however recently the last one
was, and no token of the family is issued to live beyond it. Presenting a token that was already rotated
means two parties hold it (it was stolen, or a client kept an old copy): the whole family
is revoked, so the thief's newest token dies too (OAuth 2.0 Security BCP, section 4.14).

The service layer must rotate atomically (``SELECT ... FOR UPDATE`` on the token row, or
``UPDATE ... SET rotated_at = $now WHERE token_hash = $1 AND rotated_at IS NULL``): two
concurrent refreshes with one token must not both succeed.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from identity.domain.errors import TokenExpired, TokenInvalid
from identity.domain.timeutil import require_aware

DEFAULT_REFRESH_TTL = timedelta(days=30)
TOKEN_BYTES = 32


def new_refresh_token_value() -> str:
    """32 random bytes, url-safe text (43 characters); shown to the client once."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_refresh_token(token: str) -> str:
    """SHA-256 hex. Unlike SMS codes, 256 random bits need no key or slow hash."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass
class RefreshToken:
    token_hash: str
    family_id: str
    user_id: str
    issued_at: datetime
    expires_at: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None
    session_started_at: datetime | None = None   # None: issued_at (the family's first token)

    def __post_init__(self) -> None:
        if self.session_started_at is None:
            self.session_started_at = self.issued_at

    @classmethod
    def issue(cls, *, user_id: str, now: datetime, ttl: timedelta = DEFAULT_REFRESH_TTL,
              family_id: str | None = None, session_started_at: datetime | None = None,
              max_age: timedelta | None = None) -> tuple["RefreshToken", str]:
        """The record to store and the token value for the client. No family = a new session
        (started now); a token never outlives its session's ``max_age``."""
        require_aware(now)
        started = session_started_at or now
        expires = now + ttl if max_age is None else min(now + ttl, started + max_age)
        value = new_refresh_token_value()
        record = cls(token_hash=hash_refresh_token(value), family_id=family_id or str(uuid.uuid4()),
                     user_id=user_id, issued_at=now, expires_at=expires, session_started_at=started)
        return record, value

    def session_ended(self, now: datetime, max_age: timedelta | None) -> bool:
        return max_age is not None and self.session_started_at is not None \
            and now >= self.session_started_at + max_age

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def revoke(self, now: datetime) -> None:
        """Logout, or the family was compromised. Idempotent: keeps the first time."""
        if self.revoked_at is None:
            self.revoked_at = now


class RotationOutcome(StrEnum):
    ROTATED = "rotated"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"
    REUSED = "reused"


@dataclass(frozen=True)
class Rotation:
    """What the service layer applies: save ``presented`` (now rotated) and ``new_record``,
    or revoke every token of ``revoke_family``; then ``raise_if_refused``."""
    outcome: RotationOutcome
    presented: RefreshToken | None = None
    new_record: RefreshToken | None = None
    new_token: str | None = None
    revoke_family: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is RotationOutcome.ROTATED

    def raise_if_refused(self) -> None:
        if self.outcome is RotationOutcome.EXPIRED:
            raise TokenExpired("The refresh token has expired; log in again")
        if not self.ok:
            raise TokenInvalid("The refresh token is not valid; log in again")


def rotate(presented: RefreshToken | None, now: datetime,
           ttl: timedelta = DEFAULT_REFRESH_TTL, max_age: timedelta | None = None) -> Rotation:
    """Decide a refresh. ``presented`` is the stored record whose hash matched, or None."""
    require_aware(now)
    if presented is None:
        return Rotation(RotationOutcome.UNKNOWN)
    if presented.revoked_at is not None:
        return Rotation(RotationOutcome.REVOKED, presented)
    if presented.rotated_at is not None:
        # Checked before expiry: a stolen old token is a breach even after it expired.
        return Rotation(RotationOutcome.REUSED, presented, revoke_family=presented.family_id)
    if presented.is_expired(now) or presented.session_ended(now, max_age):
        return Rotation(RotationOutcome.EXPIRED, presented)
    presented.rotated_at = now
    new_record, new_token = RefreshToken.issue(user_id=presented.user_id, now=now, ttl=ttl,
                                               family_id=presented.family_id,
                                               session_started_at=presented.session_started_at, max_age=max_age)
    return Rotation(RotationOutcome.ROTATED, presented, new_record, new_token)
