"""Masking of SMS texts: verification codes never reach a log line or the SMS log in clear.

Plain functions, no I/O. ``mask_codes`` hides every stand-alone 6-digit run in a text (a
verification code) while leaving longer digit runs (phone numbers, ids) and shorter ones
(dates, desk numbers) alone; ``mask_text`` does that and masks any mobile number inside
the text as well (``shared.logging.mask_phones``, the masking every log line gets).
"""
from __future__ import annotations

import re

from shared.logging import mask_phones

__all__ = ["CODE_MASK", "SQL_CODE_PATTERN", "mask_codes", "mask_text"]

CODE_MASK = "******"

# A stand-alone 6-digit run: a verification code. Not glued to other digits or ASCII
# letters (so ids such as "ab123456cd" and longer numbers stay readable), and not the
# fraction of a decimal number (timestamps' microseconds "09:30:00.123456").
_CODE_IN_TEXT = re.compile(r"(?<![\dA-Za-z_])(?<!\d\.)\d{6}(?![\dA-Za-z_])(?!\.\d)")
# The same in PostgreSQL's dialect, for statements that finish a message in SQL and for the
# messages_no_code_once_final constraint (migrations/0002): tests check the two agree.
SQL_CODE_PATTERN = r"(?<![0-9A-Za-z_])(?<![0-9]\.)[0-9]{6}(?![0-9A-Za-z_])(?!\.[0-9])"


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
    """``mask_codes`` plus every mobile number inside the text masked like a phone field."""
    return mask_phones(mask_codes(text))
