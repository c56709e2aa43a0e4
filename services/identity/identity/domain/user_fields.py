"""Shape rules for the fields a user registers with (username, real name, e-mail, org code).

Each ``normalize_*`` returns the stored form or raises 422 validation_error naming the field.
"""
from __future__ import annotations

import re
import unicodedata

from identity.domain.errors import invalid_field

USERNAME_MIN, USERNAME_MAX = 3, 32
NAME_MAX = 50
EMAIL_MAX = 254  # RFC 5321 path limit

# Letters, digits, _ . - ; starting with a letter or digit so it never looks like syntax.
_USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]*", re.ASCII)
# A deliberately loose shape: one @, no spaces, a dot in the domain. Delivery proves the rest.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
# 9-char organisation code or 18-char unified social credit code; the check characters are
# the booking service's business (it owns the enterprise directory).
_ORG_CODE = re.compile(r"[0-9A-Z]{9}|[0-9A-Z]{18}", re.ASCII)


def normalize_username(raw: object) -> str:
    """Usernames are case-insensitive: stored lower-cased, so ``ZhangSan`` == ``zhangsan``."""
    if not isinstance(raw, str):
        raise invalid_field("username", "is required")
    username = raw.strip().lower()
    if not USERNAME_MIN <= len(username) <= USERNAME_MAX:
        raise invalid_field("username", f"must be {USERNAME_MIN}-{USERNAME_MAX} characters")
    if not _USERNAME.fullmatch(username):
        raise invalid_field("username", "may hold letters, digits, _ . - and start with a letter or digit")
    return username


def normalize_real_name(raw: object) -> str:
    """The real name (实名) as printed on ID: any script, e.g. ``张三`` or ``阿依古丽·买买提``."""
    if not isinstance(raw, str):
        raise invalid_field("name", "is required")
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        raise invalid_field("name", "is required")
    if len(name) > NAME_MAX:
        raise invalid_field("name", f"must be at most {NAME_MAX} characters")
    # Control and format characters (newlines, bidi overrides) would corrupt SMS and logs.
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise invalid_field("name", "contains characters that are not allowed")
    return name


def normalize_email(raw: object) -> str | None:
    """Optional: ``None`` or an empty string mean no e-mail. The domain part is lower-cased."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise invalid_field("email", "must be a string")
    email = raw.strip()
    if not email:
        return None
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise invalid_field("email", "is not an e-mail address")
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalize_org_code(raw: object) -> str | None:
    """Optional organisation code: upper-cased, 9 or 18 letters/digits; empty means none."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise invalid_field("org_code", "must be a string")
    code = raw.strip().upper()
    if not code:
        return None
    if not _ORG_CODE.fullmatch(code):
        raise invalid_field("org_code", "must be a 9-character organisation code or an 18-character credit code")
    return code
