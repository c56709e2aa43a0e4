"""The one set of generators for test data that must look real: mobile numbers,
organisation codes and the unified social credit codes that carry them."""
from __future__ import annotations

import random

from booking.domain.org_codes import org_code_check_char, uscc_check_char

# Without I, O, Z, S, V: every organisation code also fits in a credit code (GB 32100).
ORG_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
QINGDAO_CREDIT_PREFIX = "91370200"   # registration authority (Qingdao) and kind (enterprise)


def new_phone() -> str:
    """A random mainland mobile number, 1[3-9] and nine digits (10^9 per prefix: tests of
    one session do not collide)."""
    return f"1{random.choice('3456789')}{random.randrange(10**9):09d}"


def new_org_code(seed: int | None = None) -> str:
    """A valid 9-character organisation code (GB 11714 check character): random over 31^8
    bodies, or the digits of ``seed`` (its last eight) when a test needs a known one."""
    if seed is None:
        body = "".join(random.choices(ORG_CODE_ALPHABET, k=8))
    else:
        body = f"{seed:08d}"[-8:]
    return body + org_code_check_char(body)


def credit_code_for(org_code: str, prefix: str = QINGDAO_CREDIT_PREFIX) -> str:
    """The 18-character unified social credit code that carries ``org_code``."""
    body = prefix + org_code
    return body + uscc_check_char(body)
