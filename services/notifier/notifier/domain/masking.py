"""Masking for logs: phone numbers and verification codes never reach a log line in clear.

Plain functions, no I/O. ``mask_phone`` keeps the first three and last four digits of a
mainland mobile number ("13800000000" -> "138****0000") and never raises, whatever it is
given. ``mask_codes`` hides every stand-alone 6-digit run in a text (a verification
code) while leaving longer digit runs (phone numbers, ids) and shorter ones (dates, desk
numbers) alone; ``mask_text`` does that and masks any mobile number inside the text as
well. ``mask_event_dict`` is a structlog processor applying the same rules to a log
event's fields.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

__all__ = [
    "CODE_MASK",
    "PHONE_MASK",
    "mask_phone",
    "mask_codes",
    "mask_text",
    "mask_value",
    "mask_event_dict",
]

PHONE_MASK = "****"
CODE_MASK = "******"

# A mainland mobile number, optionally with the country code, once spaces/dashes are gone.
_MOBILE = re.compile(r"(?P<cc>\+?86)?(?P<num>1\d{10})")
# A stand-alone 6-digit run: a verification code. Not glued to other digits or ASCII
# letters (so ids such as "ab123456cd" and longer numbers stay readable), and not the
# fraction of a decimal number (timestamps' microseconds "09:30:00.123456").
_CODE_IN_TEXT = re.compile(r"(?<![\dA-Za-z_])(?<!\d\.)\d{6}(?![\dA-Za-z_])(?!\.\d)")
# A mobile number inside free text (not glued to other digits).
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d{9}(?!\d)")
_SEPARATORS = re.compile(r"[\s\-()]")

# Log fields treated as phone numbers / as secrets, by name.
_PHONE_KEYS = frozenset({"phone", "contact_phone", "mobile", "to", "recipient"})
_SECRET_KEYS = frozenset({"code", "sms_code", "verification_code", "password", "token",
                          "access_token", "refresh_token", "secret"})


def mask_phone(phone: object) -> str:
    """"13800000000" -> "138****0000". Tolerant of anything:

    - ``None`` or an empty value -> ``""``;
    - spaces, dashes, brackets and a ``+86``/``86`` prefix are accepted
      ("+86 138-0000-0000" -> "+86138****0000");
    - any other value of 8 characters or more keeps its first 3 and last 4 characters
      around a fixed ``****`` (so the mask does not give away the length);
    - anything shorter is replaced by ``****`` entirely.
    """
    if phone is None:
        return ""
    try:
        raw = phone if isinstance(phone, str) else str(phone)
    except Exception:  # a __str__ that raises: still never break a log line
        return PHONE_MASK
    compact = _SEPARATORS.sub("", raw)
    if not compact:
        return ""
    m = _MOBILE.fullmatch(compact)
    if m:
        num = m.group("num")
        return f"{m.group('cc') or ''}{num[:3]}{PHONE_MASK}{num[-4:]}"
    if len(compact) >= 8:
        return f"{compact[:3]}{PHONE_MASK}{compact[-4:]}"
    return PHONE_MASK


def mask_codes(text: object) -> str:
    """Replace every stand-alone 6-digit run in ``text`` with ``******``.

    "验证码为123456，5分钟内有效" -> "验证码为******，5分钟内有效". Phone numbers (11 digits),
    other longer digit runs, digits glued to ASCII letters (ids) and decimal fractions
    are untouched; ``None`` -> ``""``.
    """
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    return _CODE_IN_TEXT.sub(CODE_MASK, s)


def mask_text(text: object) -> str:
    """``mask_codes`` plus every mobile number inside the text masked like ``mask_phone``."""
    s = mask_codes(text)
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), s)


def mask_value(key: str, value: Any) -> Any:
    """Mask one log field by its name: phones masked, secrets replaced, strings scanned."""
    k = key.lower()
    if k in _SECRET_KEYS:
        return CODE_MASK if value not in (None, "") else value
    if k in _PHONE_KEYS or k.endswith("_phone"):
        return mask_phone(value)
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {kk: mask_value(str(kk), vv) for kk, vv in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_value(key, v) for v in value)
    return value


def mask_event_dict(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: apply ``mask_value`` to every field of a log event.

    Put it before the renderer, e.g. ``structlog.configure(processors=[..., mask_event_dict,
    JSONRenderer()])`` or in a ``structlog.wrap_logger`` chain.
    """
    for key in list(event_dict.keys()):
        event_dict[key] = mask_value(str(key), event_dict[key])
    return event_dict
