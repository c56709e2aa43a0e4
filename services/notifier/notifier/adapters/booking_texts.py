"""asyncpg statements on ``booking_texts``: per booking, the latest confirmation and
allocation texts, which a resend sends again."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from notifier.domain.drafts import RESEND_PREFERENCE


@dataclass(frozen=True)
class KeptText:
    kind: str
    template: str
    phone: str
    body: str


async def keep(conn: asyncpg.Connection, *, booking_id: str, kind: str, template: str, phone: str,
               body: str, event_id: uuid.UUID, occurred_at: datetime, only_if_changed: bool = False) -> bool:
    """Store the text unless a newer event already stored one (events may arrive out of
    order) or, with ``only_if_changed``, the same text is there already. True when stored."""
    return bool(await conn.fetchval(
        "INSERT INTO booking_texts AS t (booking_id, kind, template, phone, body, event_id, occurred_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (booking_id, kind) DO UPDATE SET template = EXCLUDED.template,"
        "  phone = EXCLUDED.phone, body = EXCLUDED.body, event_id = EXCLUDED.event_id,"
        "  occurred_at = EXCLUDED.occurred_at"
        " WHERE t.occurred_at <= EXCLUDED.occurred_at AND (NOT $8 OR t.body IS DISTINCT FROM EXCLUDED.body)"
        " RETURNING true",
        booking_id, kind, template, phone, body, event_id, occurred_at, only_if_changed))


async def latest_for_resend(conn: asyncpg.Connection, booking_id: str) -> KeptText | None:
    """The allocation text when there is one, else the confirmation."""
    rows = await conn.fetch("SELECT kind, template, phone, body FROM booking_texts WHERE booking_id = $1",
                            booking_id)
    by_kind = {r["kind"]: r for r in rows}
    for kind in RESEND_PREFERENCE:
        if kind in by_kind:
            r = by_kind[kind]
            return KeptText(kind=kind, template=r["template"], phone=r["phone"], body=r["body"])
    return None
