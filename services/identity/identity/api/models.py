"""Request bodies and queries, and the answers. Types and size caps here (a 422
validation_error naming the field); the shape rules of phones, usernames, cards and
passwords are the domain's. Every model here is part of the OpenAPI document."""
from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


PHONE_MAX, CODE_MAX, USERNAME_MAX, PASSWORD_MAX = 32, 16, 128, 1024


class SmsCodeRequest(Body):
    phone: str = Field(max_length=PHONE_MAX)
    purpose: Literal["register", "login", "reset_password", "bind_card"] = Field(
        description="bind_card: signed in only, to the account's own phone (the proof for POST /api/v1/me/cards)")


class RegistrationRequest(Body):
    phone: str = Field(max_length=PHONE_MAX)
    sms_code: str = Field(max_length=CODE_MAX)
    username: str = Field(max_length=USERNAME_MAX)
    password: str = Field(max_length=PASSWORD_MAX)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    org_code: str | None = Field(default=None, max_length=32)


class LoginRequest(Body):
    """Either {username, password} or {phone, sms_code}."""
    username: str | None = Field(default=None, max_length=USERNAME_MAX)
    password: str | None = Field(default=None, max_length=PASSWORD_MAX)
    phone: str | None = Field(default=None, max_length=PHONE_MAX)
    sms_code: str | None = Field(default=None, max_length=CODE_MAX)


class RefreshRequest(Body):
    refresh_token: str = Field(max_length=512)


class CardChallengeQuery(Body):
    card_no: str = Field(max_length=64)


class CardLoginRequest(Body):
    card_no: str = Field(max_length=64)
    challenge_id: str = Field(max_length=64)
    signature: str = Field(max_length=1024)


class BindCardRequest(Body):
    """The proof that the caller still holds the account: its password, or an SMS code
    (purpose bind_card) sent to its phone."""
    card_no: str = Field(max_length=64)
    public_key: str = Field(max_length=8192)
    password: str | None = Field(default=None, max_length=PASSWORD_MAX)
    sms_code: str | None = Field(default=None, max_length=CODE_MAX)


class PasswordResetRequest(Body):
    phone: str = Field(max_length=PHONE_MAX)
    sms_code: str = Field(max_length=CODE_MAX)
    new_password: str = Field(max_length=PASSWORD_MAX)


# ---- answers -------------------------------------------------------------------------
# They document the JSON and the handlers send their answers through them (``answer``):
# a field a model lacks is dropped and a missing one fails, so the OpenAPI document cannot
# drift from what is sent. No defaults: every member is always present (but Jwk's y, for
# the JWKS is sent as written: api/jwks.py). Instants are the ISO 8601 strings the domain
# writes (with offset), kept as they are.

Role = Literal["agent", "staff", "admin"]
Instant = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class SmsCodeSent(BaseModel):
    expires_in: int = Field(description="seconds the code stays valid")


class UserView(BaseModel):
    id: str
    username: str
    name: str
    phone: str
    email: str | None
    roles: list[Role]


class SessionResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="seconds the access token stays valid")
    refresh_token: str
    user: UserView


class CardChallengeResponse(BaseModel):
    challenge_id: str
    nonce: str = Field(description="what the card signs: the ASCII bytes of this string")
    expires_at: Instant


class CardView(BaseModel):
    card_no: str
    algorithm: Literal["Ed25519", "ECDSA-P256"]
    fingerprint: str
    public_key: str = Field(description="PEM")
    bound_at: Instant


class CardList(BaseModel):
    items: list[CardView]
    next_cursor: str | None


class Jwk(BaseModel):
    kty: Literal["OKP", "EC"]
    crv: Literal["Ed25519", "P-256"]
    x: str
    y: str | None = Field(default=None, description="EC keys only (absent for OKP)")
    kid: str
    alg: Literal["EdDSA", "ES256"]
    use: Literal["sig"]


class Jwks(BaseModel):
    keys: list[Jwk]


M = TypeVar("M", bound=BaseModel)


def answer(model: type[M], data: dict) -> dict:
    """``data`` as ``model`` describes it (see above)."""
    return model.model_validate(data).model_dump(mode="json")
