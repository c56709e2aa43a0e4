"""The daily cap of booking SMS per contact phone: whatever an agent does (book, cancel and
book again, ask for resends, with any number of accounts), the center texts one phone
number at most ``cap`` booking messages in any 24 hours. The SMS an agent's action causes
(confirmed, cancelled, resend) are dropped past the cap; the center's own (the allocation,
a suspension) still go out and count."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import asyncpg

from shared.contracts.booking import BOOKING_CANCELLED, BOOKING_CONFIRMED, SMS_RESEND_REQUESTED
from notifier.adapters.draft_store import PhoneCap

CAPPED_TYPES = frozenset({BOOKING_CONFIRMED, BOOKING_CANCELLED, SMS_RESEND_REQUESTED})

# One lock per phone, taken in the phones' order (sorted in the subquery; the lock is
# evaluated above the sort, row by row): two transactions take the locks they share in the
# same order, so two replicas' batches wait for each other but never deadlock.
_LOCK = ("SELECT pg_advisory_xact_lock(hashtextextended('booking_sms_cap:' || phone, 0))"
         " FROM (SELECT phone FROM unnest($1::text[]) AS u(phone) ORDER BY phone) AS sorted")


def daily_cap(cap: int, *, now: datetime) -> PhoneCap | None:
    """The cap the capped messages recorded ``now`` count against (None: no cap)."""
    return PhoneCap(cap=cap, since=now - timedelta(days=1)) if cap > 0 else None


def is_capped(event_type: str, cap: PhoneCap | None) -> bool:
    return cap is not None and event_type in CAPPED_TYPES


async def lock_phones(conn: asyncpg.Connection, phones: Iterable[str]) -> None:
    """The phones' locks for the inbox transaction, in one statement (none for no phone):
    two concurrent events of one phone count one after the other (the count itself is part
    of the messages' insert: adapters/draft_store.py)."""
    distinct = list(dict.fromkeys(phones))
    if distinct:
        await conn.execute(_LOCK, distinct)
