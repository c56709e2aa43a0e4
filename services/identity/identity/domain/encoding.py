"""base64 helpers shared by tokens, JWKs and card signatures."""
from __future__ import annotations

import base64
import binascii


def b64url_encode(data: bytes) -> str:
    """base64url without padding (JOSE style, RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return b64_decode_lenient(text)


def b64_decode_lenient(text: str) -> bytes:
    """Decode standard or url-safe base64, padding optional; ValueError on anything else.

    Clients differ in which alphabet they use and whether they pad; both name the same
    bytes, so accepting either costs nothing. Stray characters are refused, not skipped.
    """
    if not isinstance(text, str):
        raise ValueError("base64 text expected")
    cleaned = text.strip().replace("-", "+").replace("_", "/").rstrip("=")
    if len(cleaned) % 4 == 1:
        raise ValueError("bad base64 length")
    padded = cleaned + "=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(padded.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("not base64") from exc
