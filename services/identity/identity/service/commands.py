"""What the API and the CLI ask the use cases to do. Secret fields stay out of ``repr``
so that a command in a log line or a traceback shows no password, code or token."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestSmsCode:
    phone: str
    purpose: str
    client_ip: str | None = None
    user_id: str | None = None      # the signed-in caller (bind_card codes need one)


@dataclass(frozen=True)
class RegisterUser:
    phone: str
    username: str
    name: str
    sms_code: str = field(repr=False)
    password: str = field(repr=False)
    email: str | None = None
    org_code: str | None = None
    client_ip: str | None = None


@dataclass(frozen=True)
class CreateUser:
    """The operator command: no SMS code, any roles."""
    username: str
    name: str
    phone: str
    roles: tuple[str, ...]
    password: str = field(repr=False)
    email: str | None = None
    org_code: str | None = None


@dataclass(frozen=True)
class LogInWithPassword:
    username: str
    password: str = field(repr=False)
    client_ip: str | None = None


@dataclass(frozen=True)
class LogInWithSmsCode:
    phone: str
    sms_code: str = field(repr=False)
    client_ip: str | None = None


@dataclass(frozen=True)
class RefreshSession:
    refresh_token: str = field(repr=False)
    client_ip: str | None = None


@dataclass(frozen=True)
class EndSession:
    user_id: str
    session_id: str | None


@dataclass(frozen=True)
class BindCard:
    """The proof: the account's password, or an SMS code (purpose bind_card) to its phone."""
    user_id: str
    card_no: str
    public_key: str = field(repr=False)
    password: str | None = field(default=None, repr=False)
    sms_code: str | None = field(default=None, repr=False)
    client_ip: str | None = None


@dataclass(frozen=True)
class UnbindCard:
    user_id: str
    card_no: str


@dataclass(frozen=True)
class IssueCardChallenge:
    card_no: str
    client_ip: str | None = None


@dataclass(frozen=True)
class LogInWithCard:
    card_no: str
    challenge_id: str
    signature: str = field(repr=False)


@dataclass(frozen=True)
class ResetPassword:
    phone: str
    sms_code: str = field(repr=False)
    new_password: str = field(repr=False)
    client_ip: str | None = None
