"""The daily cap of booking SMS per contact phone: whatever an agent does (book, cancel and
book again, ask for resends, with any number of accounts), the center texts one phone
number at most ``cap`` booking messages in any 24 hours. The SMS an agent's action causes
(confirmed, cancelled, resend) are dropped past the cap; the center's own (the allocation,
a suspension) still go out and count."""
from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from shared.contracts.booking import BOOKING_CANCELLED, BOOKING_CONFIRMED, SMS_RESEND_REQUESTED
from notifier.adapters.draft_store import PhoneCap

CAPPED_TYPES = frozenset({BOOKING_CONFIRMED, BOOKING_CANCELLED, SMS_RESEND_REQUESTED})


async def cap_of(conn: asyncpg.Connection, event_type: str, phone: str, *, now: datetime, cap: int) -> PhoneCap | None:
    """The cap this SMS is counted against (None: not capped), with the phone's lock taken
    in the inbox transaction: two concurrent events of one phone count one after the other
    (the count itself is part of the message's insert: adapters/draft_store.py)."""
    if cap <= 0 or event_type not in CAPPED_TYPES:
        return None
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('booking_sms_cap:' || $1, 0))", phone)
    return PhoneCap(cap=cap, since=now - timedelta(days=1))
