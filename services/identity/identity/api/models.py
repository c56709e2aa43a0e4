"""Request bodies and queries. Types and size caps here (a 422 validation_error naming the
field); the shape rules of phones, usernames, cards and passwords are the domain's."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


PHONE_MAX, CODE_MAX, USERNAME_MAX, PASSWORD_MAX = 32, 16, 128, 1024


class SmsCodeRequest(Body):
    phone: str = Field(max_length=PHONE_MAX)
    purpose: Literal["register", "login", "reset_password"]


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
    card_no: str = Field(max_length=64)
    public_key: str = Field(max_length=8192)


class PasswordResetRequest(Body):
    phone: str = Field(max_length=PHONE_MAX)
    sms_code: str = Field(max_length=CODE_MAX)
    new_password: str = Field(max_length=PASSWORD_MAX)
