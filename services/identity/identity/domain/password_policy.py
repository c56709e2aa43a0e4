"""Password rules (NIST SP 800-63B style): length and a blocklist, not composition rules.

A password is refused when it is shorter than ``min_length`` or longer than ``max_length``
characters, is one of the most common passwords (compared case-insensitively, also when a
common word only has digits or symbols tacked on, like ``Password123!``), is one character
repeated or a plain run such as ``12345678`` / ``abcdefgh``, or is built from the user's
own username or phone number.

Passwords are NFKC-normalised first (``password_hashing`` does the same before hashing):
full-width characters typed with a Chinese IME then count as the ASCII ones they look like.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files

from identity.domain.errors import PasswordWeak

_COMMON_FILE = "common_passwords.txt"
# Digits, punctuation and spaces people add around a weak word to pass a policy.
_DECORATION = re.compile(r"^[\W\d_]*(.*?)[\W\d_]*$", re.DOTALL)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped blocklist (identity/domain/data/common_passwords.txt), lower-case."""
    text = files("identity.domain").joinpath("data").joinpath(_COMMON_FILE).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def normalize_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 8
    # Bounded so that nobody can make the server hash megabytes per request.
    max_length: int = 128
    # A common word padded with digits/symbols is still refused when the word has this many letters.
    min_common_stem: int = 4
    min_distinct_chars: int = 4
    common: frozenset[str] = field(default_factory=common_passwords, repr=False)


DEFAULT_POLICY = PasswordPolicy()


def check_password(password: str, *, username: str | None = None, phone: str | None = None,
                   policy: PasswordPolicy | None = None) -> None:
    """Raise ``PasswordWeak`` with the broken rule; return None when the password is acceptable."""
    policy = policy or DEFAULT_POLICY
    reason = weakness(password, username=username, phone=phone, policy=policy)
    if reason is not None:
        raise PasswordWeak(reason)


def weakness(password: str, *, username: str | None = None, phone: str | None = None,
             policy: PasswordPolicy = DEFAULT_POLICY) -> str | None:
    """The first rule the password breaks, as a message safe to show; None when it is fine."""
    if not isinstance(password, str):
        return "the password is required"
    pw = normalize_password(password)
    if len(pw) < policy.min_length:
        return f"the password must have at least {policy.min_length} characters"
    if len(pw) > policy.max_length:
        return f"the password must have at most {policy.max_length} characters"
    lowered = pw.casefold()
    if lowered in policy.common or _stem(lowered, policy) in policy.common:
        return "the password is too common"
    if len(set(lowered)) < policy.min_distinct_chars or _is_run(lowered):
        return "the password is too easy to guess (repeated or sequential characters)"
    if username and _built_from(lowered, username.casefold()):
        return "the password must not contain the username"
    if phone and phone in pw:
        return "the password must not contain the phone number"
    return None


def _stem(lowered: str, policy: PasswordPolicy) -> str | None:
    """``password123!`` -> ``password``; None when too little is left to judge."""
    match = _DECORATION.match(lowered)
    stem = match.group(1) if match else ""
    return stem if len(stem) >= policy.min_common_stem and stem != lowered else None


def _is_run(lowered: str) -> bool:
    """Each character one step up (or down) from the previous: 12345678, abcdefgh, 98765432."""
    steps = {ord(b) - ord(a) for a, b in zip(lowered, lowered[1:])}
    return steps in ({1}, {-1})


def _built_from(lowered: str, username: str) -> bool:
    """The username itself, or it with only digits/symbols around it (zhangsan2024!)."""
    if lowered == username or lowered[::-1] == username:
        return True
    if username in lowered:
        rest = lowered.replace(username, "")
        return not any(ch.isalpha() for ch in rest)
    return False
