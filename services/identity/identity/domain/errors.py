"""Errors the identity domain raises, with the exact codes of api.md.

Each carries a stable ``code`` and says its kind by its base class (shared.errors); it
knows nothing of HTTP: the api layer answers it as problem+json (shared.http.statuses).
Never put a password, code, token or key material into ``detail`` or the extras: they
reach the client and the logs.
"""
from __future__ import annotations

from shared.errors import (
    Conflict,
    Forbidden,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
    ValidationFailed,
)


def invalid_field(field: str, message: str) -> ValidationFailed:
    """validation_error for one field (bad phone, username, e-mail, card number...)."""
    return ValidationFailed([{"field": field, "message": message}])


class UsernameTaken(Conflict):
    code = "user.username_taken"
    title = "This username is already taken"


class PhoneTaken(Conflict):
    code = "user.phone_taken"
    title = "This phone number is already registered"


class PasswordWeak(Unprocessable):
    code = "user.password_weak"
    title = "The password is too weak"

    def __init__(self, reason: str) -> None:
        # The reason describes the rule that failed, never the password itself.
        super().__init__(reason, errors=[{"field": "password", "message": reason}])
        self.reason = reason


class CodeInvalid(Unprocessable):
    code = "sms.code_invalid"
    title = "The SMS code is not valid"

    def __init__(self, detail: str | None = None, *, reason: str = "wrong") -> None:
        super().__init__(detail)
        # For logs and metrics: wrong | expired | used | burnt | missing.
        self.reason = reason


class SmsRateLimited(TooManyRequests):
    code = "sms.rate_limited"
    title = "Too many SMS codes requested"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail or "Too many SMS codes requested; try again later",
                         retry_after=retry_after)


class InvalidCredentials(Unauthorized):
    code = "auth.invalid_credentials"
    title = "Wrong username or password"


class AccountLocked(TooManyRequests):
    code = "auth.locked"
    title = "Too many failed logins"

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed logins; try again later", retry_after=retry_after)


class CardInvalid(Unauthorized):
    code = "auth.card_invalid"
    title = "The card login failed"


class Throttled(TooManyRequests):
    """rate_limited, with retry_after: one of identity's request budgets (per address, per
    account, per card) is spent until its window ends."""
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, retry_after: int, budget: str) -> None:
        super().__init__("Too many requests; try again later", retry_after=retry_after)
        self.budget = budget  # for logs, never sent


class CardProofRequired(Forbidden):
    """Binding a card needs a fresh proof besides the access token."""
    code = "card.proof_required"
    title = "Binding a card needs your password or an SMS code"


class CardProofInvalid(Forbidden):
    code = "card.proof_invalid"
    title = "The password or SMS code is not right"


class CardAlreadyBound(Conflict):
    code = "card.already_bound"
    title = "This card is already bound"


class CardKeyInvalid(ValidationFailed):
    """A public key that is not a PEM Ed25519 or ECDSA P-256 key (validation_error)."""

    def __init__(self, message: str) -> None:
        super().__init__([{"field": "public_key", "message": message}])


class TokenInvalid(Unauthorized):
    """An access or refresh token that is malformed, forged, revoked or unknown."""
    code = "auth.invalid_token"  # the same code as shared.http.auth
    title = "The token is not valid"


class TokenExpired(TokenInvalid):
    # Its own code so that a client knows to refresh rather than log in again.
    code = "auth.token_expired"
    title = "The token has expired"
