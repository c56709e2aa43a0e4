"""Checking a registration form as a whole: every bad field reported at once."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

from identity.domain.password_policy import PasswordPolicy, check_password
from identity.domain.phones import normalize_phone
from identity.domain.user_fields import (
    normalize_email,
    normalize_org_code,
    normalize_real_name,
    normalize_username,
)
from shared.errors import ValidationFailed


T = TypeVar("T")


@dataclass(frozen=True)
class Registration:
    """A registration whose fields are in their stored form (the password still in clear)."""
    phone: str
    username: str
    password: str
    name: str
    email: str | None
    org_code: str | None

    def __repr__(self) -> str:  # keep the password out of logs and tracebacks
        return f"Registration(phone={self.phone!r}, username={self.username!r})"


def validate_registration(*, phone: object, username: object, password: object, name: object,
                          email: object = None, org_code: object = None,
                          policy: PasswordPolicy | None = None) -> Registration:
    """422 validation_error listing every malformed field; then 422 user.password_weak.

    Shape errors come first so that a client fixing a form sees them all in one answer;
    the password strength is judged only against a valid username and phone.
    The SMS code is checked by the service layer against the stored code, not here.
    """
    errors: list[dict[str, str]] = []

    def take(fn: Callable[[object], T], value: object) -> T | None:
        try:
            return fn(value)
        except ValidationFailed as exc:
            errors.extend(exc.extra["errors"])
            return None

    clean_phone = take(normalize_phone, phone)
    clean_username = take(normalize_username, username)
    clean_name = take(normalize_real_name, name)
    clean_email = take(normalize_email, email)
    clean_org = take(normalize_org_code, org_code)
    if not isinstance(password, str) or not password:
        errors.append({"field": "password", "message": "is required"})
    # Without errors every required field is there: the other conditions only narrow the types.
    if (errors or not isinstance(password, str)
            or clean_phone is None or clean_username is None or clean_name is None):
        raise ValidationFailed(errors)

    check_password(password, username=clean_username, phone=clean_phone, policy=policy)
    return Registration(phone=clean_phone, username=clean_username, password=password,
                        name=clean_name, email=clean_email, org_code=clean_org)
