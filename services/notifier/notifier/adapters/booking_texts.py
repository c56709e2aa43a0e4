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


def keep_sql(source: str) -> str:
    """``keep``'s upsert of every row of ``source`` (a relation with TextToKeep's fields as
    columns, each (booking_id, kind) at most once), RETURNING the (booking_id, kind) of each
    text stored: a CTE of the statement that inserts the messages (adapters/draft_store.py)."""
    return ("INSERT INTO booking_texts AS t (booking_id, kind, template, phone, body, event_id, occurred_at)"
            f" SELECT booking_id, kind, template, phone, body, event_id, occurred_at FROM {source}"
            " ON CONFLICT (booking_id, kind) DO UPDATE SET template = EXCLUDED.template,"
            "  phone = EXCLUDED.phone, body = EXCLUDED.body, event_id = EXCLUDED.event_id,"
            "  occurred_at = EXCLUDED.occurred_at"
            " WHERE t.occurred_at <= EXCLUDED.occurred_at AND (t.body IS DISTINCT FROM EXCLUDED.body"
            f"  OR NOT EXISTS (SELECT 1 FROM {source} s WHERE s.booking_id = EXCLUDED.booking_id"
            "   AND s.kind = EXCLUDED.kind AND s.only_if_changed))"
            " RETURNING booking_id, kind")


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
