"""Checking a presented SMS code against the newest one sent for (phone, purpose)."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from identity.adapters import verification_codes
from identity.domain.verification_codes import CheckResult, Purpose


async def check_latest_code(conn: asyncpg.Connection, *, secret: bytes, phone: str, purpose: Purpose,
                            candidate: str, now: datetime) -> CheckResult | None:
    """Judge the try and save it (wrong tries, burning, use) in the caller's transaction;
    None when no code was ever sent.

    The caller must COMMIT a refusal before raising (a rolled-back wrong try would give
    unlimited guesses) and may roll back an acceptance when the rest of its work fails,
    which leaves the code usable for the corrected request.
    """
    found = await verification_codes.latest_for_update(conn, phone, purpose)
    if found is None:
        return None
    code_id, record = found
    result = record.check(candidate, now, secret=secret)
    await verification_codes.save(conn, code_id, record)
    return result
