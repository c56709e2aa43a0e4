"""A new message row and what goes with it, in one statement (issue 20: the SMS path's round
trips): the booking's text kept for a resend (``booking_texts``), the phone's daily cap
counted, and the message inserted only when the text was stored (an allocation sent once
per change) and the phone is under its cap. Each part is the statement of its own module
(booking_texts.keep_sql, phone_cap.count_sql, message_store.insert_sql), joined here.

The cap's count must see every message of the phone committed before it: the caller takes
the phone's advisory lock in a statement of its own first (a lock taken inside this
statement would come after its snapshot)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from notifier.adapters.booking_texts import TextToKeep, keep_sql
from notifier.adapters.message_store import NewMessage, insert_sql
from notifier.domain.message_status import PENDING


@dataclass(frozen=True)
class PhoneCap:
    """At most ``cap`` booking messages to the phone since ``since``."""
    cap: int
    since: datetime


@dataclass(frozen=True)
class Stored:
    message_id: uuid.UUID | None   # None: not inserted (see the two flags, or a repeat of the event)
    text_unchanged: bool           # a text to keep only if changed was not stored
    capped: bool                   # the phone had its cap already


async def store_draft(conn: asyncpg.Connection, msg: NewMessage, *, now: datetime, sweep_after: datetime,
                      text: TextToKeep | None = None, cap: PhoneCap | None = None) -> Stored:
    args: list[object] = [uuid.uuid4(), msg.event_id, msg.event_type, msg.template, msg.booking_id, msg.phone,
                          msg.body, msg.sensitive, msg.resend, msg.correlation_id, PENDING, sweep_after, now,
                          msg.traceparent]
    ctes, conditions = [], []
    kept, capped = "true", "false"
    if text is not None:
        n = len(args) + 1
        ctes.append(f"kept AS ({keep_sql(n)})")
        args += [text.booking_id, text.kind, text.template, text.phone, text.body, text.event_id, text.occurred_at,
                 text.only_if_changed]
        kept = "EXISTS (SELECT 1 FROM kept)"
        if text.only_if_changed:
            conditions.append(kept)
    if cap is not None:
        n = len(args) + 1
        capped = (f"((SELECT count(*) FROM messages WHERE phone = $6 AND event_type LIKE 'booking.%'"
                  f" AND created_at > ${n}) >= ${n + 1})")
        args += [cap.since, cap.cap]
        conditions.append(f"NOT {capped}")
    ctes.append(f"ins AS ({insert_sql(' AND '.join(conditions) or None)})")
    row = await conn.fetchrow(
        f"WITH {', '.join(ctes)} SELECT (SELECT id FROM ins) AS id, {kept} AS kept, {capped} AS capped", *args)
    return Stored(row["id"], text_unchanged=text is not None and text.only_if_changed and not row["kept"],
                  capped=bool(row["capped"]))
