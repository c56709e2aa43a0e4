"""The daily cap of booking SMS per contact phone: whatever an agent does (book, cancel and
book again, ask for resends, with any number of accounts), the center texts one phone
number at most ``cap`` booking messages in any 24 hours. The SMS an agent's action causes
(confirmed, cancelled, resend) are dropped past the cap; the center's own (the allocation,
a suspension) still go out and count."""
from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from shared.contracts.booking import BOOKING_CANCELLED, BOOKING_CONFIRMED, SMS_RESEND_REQUESTED
from shared.logging import get_logger

log = get_logger(__name__)

CAPPED_TYPES = frozenset({BOOKING_CONFIRMED, BOOKING_CANCELLED, SMS_RESEND_REQUESTED})


async def over_cap(conn: asyncpg.Connection, event_type: str, phone: str, *, now: datetime, cap: int) -> bool:
    """True when this SMS must not be sent (in the inbox transaction: the per-phone lock
    makes two concurrent events of one phone count one after the other)."""
    if cap <= 0 or event_type not in CAPPED_TYPES:
        return False
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('booking_sms_cap:' || $1, 0))", phone)
    sent = await conn.fetchval(
        "SELECT count(*) FROM messages WHERE phone = $1 AND event_type LIKE 'booking.%' AND created_at > $2",
        phone, now - timedelta(days=1))
    if sent >= cap:
        log.warning("booking_sms_cap_reached", phone=phone, event_type=event_type, cap=cap)
        return True
    return False
