"""Use case: the SMS log for staff - messages with status and attempts, newest first,
verification codes masked whatever the message's state."""
from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime

import orjson

from shared.db import Database
from shared.errors import ValidationFailed

from notifier.adapters import message_log
from notifier.domain.message_status import text_to_show


def encode_cursor(created_at: datetime, message_id: uuid.UUID) -> str:
    raw = orjson.dumps([created_at.isoformat(), str(message_id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, mid = orjson.loads(raw)
        return datetime.fromisoformat(when), uuid.UUID(mid)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise ValidationFailed([{"field": "cursor", "message": "not a cursor from this list"}]) from None


async def list_notifications(db: Database, *, phone: str | None, booking_id: str | None,
                             cursor: str | None, limit: int) -> dict:
    before = decode_cursor(cursor) if cursor else None
    async with db.connection() as conn:
        rows = await message_log.page(conn, phone=phone, booking_id=booking_id, before=before, limit=limit + 1)
        rows, more = rows[:limit], len(rows) > limit
        attempts = await message_log.attempts_of(conn, [r["id"] for r in rows])
    items = [_item(r, attempts.get(r["id"], [])) for r in rows]
    next_cursor = encode_cursor(rows[-1]["created_at"], rows[-1]["id"]) if more else None
    return {"items": items, "next_cursor": next_cursor}


def _item(r, attempts) -> dict:
    return {
        "id": str(r["id"]), "ref": str(r["id"]), "booking_id": r["booking_id"], "phone": r["phone"],
        "kind": r["template"], "event_type": r["event_type"], "resend": r["resend"],
        "text": text_to_show(r["body"], sensitive=r["sensitive"]),
        "status": r["status"], "attempt_count": r["attempts"],
        "attempts": [{"attempt": a["attempt"], "provider": a["provider"], "sender": a["sender"],
                      "started_at": a["started_at"], "finished_at": a["finished_at"],
                      "outcome": a["outcome"], "status_code": a["status_code"], "reason": a["reason"]}
                     for a in attempts],
        "provider": r["provider"], "provider_id": r["provider_id"], "last_error": r["last_error"],
        "next_attempt_at": r["next_attempt_at"] if r["status"] in ("pending", "retry") else None,
        "created_at": r["created_at"], "delivered_at": r["delivered_at"], "failed_at": r["failed_at"],
    }
