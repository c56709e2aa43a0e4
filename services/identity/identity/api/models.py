"""Request bodies and queries, and the answers. Types and size caps here (a 422
validation_error naming the field); the shape rules of phones, usernames, cards and
passwords are the domain's. Every model here is part of the OpenAPI document."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.http.formats import ORG_OR_CREDIT_CODE, PHONE, SMS_CODE, example


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


PHONE_MAX, CODE_MAX, USERNAME_MAX, PASSWORD_MAX = 32, 16, 128, 1024


class SmsCodeRequest(Body):
    """Which phone gets a 6-digit code (valid 5 minutes, one use), and what it is for."""
    model_config = ConfigDict(json_schema_extra=example({"phone": "13800138000", "purpose": "register"}))
    phone: str = Field(max_length=PHONE_MAX, json_schema_extra=PHONE)
    purpose: Literal["register", "login", "reset_password", "bind_card"] = Field(
        description="bind_card: signed in only, to the account's own phone (the proof for POST /api/v1/me/cards)")


class RegistrationRequest(Body):
    """A new agent (经办人) account: the phone proven by an SMS code of purpose register."""
    model_config = ConfigDict(json_schema_extra=example({
        "phone": "13800138000", "sms_code": "493027", "username": "zhang.wei", "password": "Qingdao#Card2027",
        "name": "张伟", "email": "zhang.wei@haier-example.cn", "org_code": "MA1K4LXL8"}))
    phone: str = Field(max_length=PHONE_MAX, json_schema_extra=PHONE)
    sms_code: str = Field(max_length=CODE_MAX, json_schema_extra=SMS_CODE)
    username: str = Field(max_length=USERNAME_MAX, description="3-32 letters, digits, _ . -, starting with a letter or "
                          "digit; case-insensitive (stored lower-cased)",
                          json_schema_extra={"pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$"})
    password: str = Field(max_length=PASSWORD_MAX, description="at least 8 characters, not a common or guessable one")
    name: str = Field(max_length=200, description="the agent's real name")
    email: str | None = Field(default=None, max_length=320, examples=["zhang.wei@haier-example.cn"])
    org_code: str | None = Field(default=None, max_length=32, description="the agent's company (组织机构代码 or 统一社会信用代码)",
                                 json_schema_extra=ORG_OR_CREDIT_CODE)


class LoginRequest(Body):
    """Either {username, password} or {phone, sms_code} (a code of purpose login)."""
    model_config = ConfigDict(json_schema_extra=example({"username": "zhang.wei", "password": "Qingdao#Card2027"},
                                                        {"phone": "13800138000", "sms_code": "493027"}))
    username: str | None = Field(default=None, max_length=USERNAME_MAX)
    password: str | None = Field(default=None, max_length=PASSWORD_MAX)
    phone: str | None = Field(default=None, max_length=PHONE_MAX, json_schema_extra=PHONE)
    sms_code: str | None = Field(default=None, max_length=CODE_MAX, json_schema_extra=SMS_CODE)


class RefreshRequest(Body):
    """The refresh token of a session; it is spent by the exchange."""
    model_config = ConfigDict(json_schema_extra=example({"refresh_token": "rt_8ZfV2yQk3mJx9LwT0bN4cR6sA1dE7gH5"}))
    refresh_token: str = Field(max_length=512)


class CardChallengeQuery(Body):
    """The card a login challenge is for."""
    card_no: str = Field(max_length=64, description="1-32 letters or digits (stored upper-cased)", json_schema_extra={
        "pattern": "^[0-9A-Za-z]{1,32}$", "examples": ["QD2027000123"]})


class CardLoginRequest(Body):
    """A challenge's nonce signed by the card's private key (Ed25519 or ECDSA P-256, base64)."""
    model_config = ConfigDict(json_schema_extra=example({
        "card_no": "QD2027000123", "challenge_id": "c3a1f0e2-5b7d-4c8e-9f10-2a3b4c5d6e7f",
        "signature": "MEUCIQDx3l0J1c2F0ZQ1hX2V4YW1wbGUtc2lnbmF0dXJlAiB0aGlzIGlzIG5vdCBhIHJlYWwgb25l"}))
    card_no: str = Field(max_length=64, json_schema_extra={"pattern": "^[0-9A-Za-z]{1,32}$"})
    challenge_id: str = Field(max_length=64, description="GET /api/v1/card-challenges")
    signature: str = Field(max_length=1024, description="base64 of the signature over the nonce's ASCII bytes")


class BindCardRequest(Body):
    """The proof that the caller still holds the account: its password, or an SMS code
    (purpose bind_card) sent to its phone."""
    model_config = ConfigDict(json_schema_extra=example({
        "card_no": "QD2027000123", "password": "Qingdao#Card2027",
        "public_key": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"}))
    card_no: str = Field(max_length=64, json_schema_extra={"pattern": "^[0-9A-Za-z]{1,32}$"})
    public_key: str = Field(max_length=8192, description="PEM (-----BEGIN PUBLIC KEY-----), Ed25519 or ECDSA P-256")
    password: str | None = Field(default=None, max_length=PASSWORD_MAX)
    sms_code: str | None = Field(default=None, max_length=CODE_MAX, json_schema_extra=SMS_CODE)


class PasswordResetRequest(Body):
    """A new password for the account of this phone, proven by an SMS code of purpose reset_password."""
    model_config = ConfigDict(json_schema_extra=example({
        "phone": "13800138000", "sms_code": "493027", "new_password": "Laoshan-Hill-2027"}))
    phone: str = Field(max_length=PHONE_MAX, json_schema_extra=PHONE)
    sms_code: str = Field(max_length=CODE_MAX, json_schema_extra=SMS_CODE)
    new_password: str = Field(max_length=PASSWORD_MAX, description="at least 8 characters, not a common or guessable one")


# ---- answers -------------------------------------------------------------------------
# They document the JSON, and each route's answer goes through its declared model
# (``response=``, enforced by shared.http.enforce): a field a model lacks is dropped and
# a missing one fails (a 500), so the OpenAPI document cannot
# drift from what is sent. No defaults: every member is always present (but Jwk's y, for
# the JWKS is sent as written: api/jwks.py). Instants are the ISO 8601 strings the domain
# writes (with offset), kept as they are.

Role = Literal["agent", "staff", "admin"]
Instant = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class SmsCodeSent(BaseModel):
    """The code is on its way (the same answer whether or not the phone has an account)."""
    model_config = ConfigDict(json_schema_extra=example({"expires_in": 300}))
    expires_in: int = Field(description="seconds the code stays valid")


class UserView(BaseModel):
    """An account."""
    model_config = ConfigDict(json_schema_extra=example({
        "id": "5f0c6b1e-8a4d-4c2b-9e3f-1a2b3c4d5e6f", "username": "zhang.wei", "name": "张伟",
        "phone": "13800138000", "email": "zhang.wei@haier-example.cn", "roles": ["agent"]}))
    id: str
    username: str
    name: str
    phone: str
    email: str | None
    roles: list[Role]


class SessionResponse(BaseModel):
    """A session: a short access token (Authorization: Bearer) and a refresh token for the next one."""
    model_config = ConfigDict(json_schema_extra=example({
        "access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.eyJzdWIiOiI1ZjBjNmIxZSJ9.c2lnbmF0dXJl",
        "token_type": "Bearer", "expires_in": 900, "refresh_token": "rt_8ZfV2yQk3mJx9LwT0bN4cR6sA1dE7gH5",
        "user": {"id": "5f0c6b1e-8a4d-4c2b-9e3f-1a2b3c4d5e6f", "username": "zhang.wei", "name": "张伟",
                 "phone": "13800138000", "email": None, "roles": ["agent"]}}))
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="seconds the access token stays valid")
    refresh_token: str
    user: UserView


class CardChallengeResponse(BaseModel):
    """A one-use login challenge for a card, valid 2 minutes."""
    model_config = ConfigDict(json_schema_extra=example({
        "challenge_id": "c3a1f0e2-5b7d-4c8e-9f10-2a3b4c5d6e7f", "nonce": "cardcenter-login:Xq3v9LmZ0pR2",
        "expires_at": "2027-03-12T10:02:00+08:00"}))
    challenge_id: str
    nonce: str = Field(description="what the card signs: the ASCII bytes of this string")
    expires_at: Instant


class CardView(BaseModel):
    """A card bound to the account."""
    model_config = ConfigDict(json_schema_extra=example({
        "card_no": "QD2027000123", "algorithm": "Ed25519", "fingerprint": "SHA256:3q2+7w1c0ZmV4YW1wbGVmaW5nZXJwcmludA",
        "public_key": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n",
        "bound_at": "2027-03-01T09:30:00+08:00"}))
    card_no: str
    algorithm: Literal["Ed25519", "ECDSA-P256"]
    fingerprint: str
    public_key: str = Field(description="PEM")
    bound_at: Instant


class CardList(BaseModel):
    """The account's bound cards (one page: next_cursor is always null)."""
    model_config = ConfigDict(json_schema_extra=example({"items": [], "next_cursor": None}))
    items: list[CardView]
    next_cursor: str | None


class Jwk(BaseModel):
    """One public key (RFC 7517)."""
    model_config = ConfigDict(json_schema_extra=example({
        "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "2027-03-k1",
        "alg": "EdDSA", "use": "sig"}))
    kty: Literal["OKP", "EC"]
    crv: Literal["Ed25519", "P-256"]
    x: str
    y: str | None = Field(default=None, description="EC keys only (absent for OKP)")
    kid: str
    alg: Literal["EdDSA", "ES256"]
    use: Literal["sig"]


class Jwks(BaseModel):
    """The keys access tokens are signed with (the current one and the previous, during a rotation)."""
    model_config = ConfigDict(json_schema_extra=example({"keys": [{
        "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "2027-03-k1",
        "alg": "EdDSA", "use": "sig"}]}))
    keys: list[Jwk]
