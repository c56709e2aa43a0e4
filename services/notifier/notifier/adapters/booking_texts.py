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


@dataclass(frozen=True)
class TextToKeep:
    """A booking's text for ``keep``: stored unless a newer event stored one (events may
    arrive out of order) or, with ``only_if_changed``, the same text is there already."""
    booking_id: str
    kind: str
    template: str
    phone: str
    body: str
    event_id: uuid.UUID
    occurred_at: datetime
    only_if_changed: bool = False


def keep_sql(first: int) -> str:
    """``keep``'s upsert over the parameters ``$first`` to ``$first + 7`` (TextToKeep's
    fields in order), RETURNING true when stored: a statement, or a CTE of one."""
    p = [f"${first + i}" for i in range(8)]
    return ("INSERT INTO booking_texts AS t (booking_id, kind, template, phone, body, event_id, occurred_at)"
            f" VALUES ({p[0]}::text, {p[1]}::text, {p[2]}::text, {p[3]}::text, {p[4]}::text, {p[5]}::uuid,"
            f" {p[6]}::timestamptz)"
            " ON CONFLICT (booking_id, kind) DO UPDATE SET template = EXCLUDED.template,"
            "  phone = EXCLUDED.phone, body = EXCLUDED.body, event_id = EXCLUDED.event_id,"
            "  occurred_at = EXCLUDED.occurred_at"
            f" WHERE t.occurred_at <= EXCLUDED.occurred_at AND (NOT {p[7]}::boolean"
            "  OR t.body IS DISTINCT FROM EXCLUDED.body)"
            " RETURNING true")


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
