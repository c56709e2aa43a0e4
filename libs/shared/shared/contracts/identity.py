"""Events identity publishes."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from shared.events import event_model

VERIFICATION_CODE_REQUESTED = "identity.verification_code.requested"
USER_REGISTERED = "identity.user.registered"
CARD_BOUND = "identity.card.bound"


@event_model(VERIFICATION_CODE_REQUESTED, 1)
class VerificationCodeRequested(BaseModel):
    """Carries the plain code to the notifier, the only one that sends it. Never logged."""
    request_id: str               # the code record's id: one SMS per request
    phone: str
    purpose: Literal["register", "login", "reset_password", "bind_card"]
    code: str
    expires_at: datetime
    ttl_seconds: int = 300


@event_model(USER_REGISTERED, 1)
class UserRegistered(BaseModel):
    """A new account: booking adds the agent (and the enterprise given at registration)."""
    user_id: str
    username: str
    name: str
    phone: str
    email: str | None = None
    org_code: str | None = None   # given at registration: booking adds it to the agent's list
    roles: list[str] = ["agent"]
    registered_at: datetime


@event_model(CARD_BOUND, 1)
class CardBound(BaseModel):
    """A card was bound to an account: the notifier tells the account's phone, so that a
    binding made by someone else is noticed. Only the card number's last 4 characters."""
    user_id: str
    phone: str
    card_tail: str
    bound_at: datetime
