"""Idempotency-Key records for POST /api/v1/bookings, per agent."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class StoredAnswer:
    request_hash: str
    status: int
    content_type: str
    body: dict


def claim_sql(agent_id: str, key: str, request_hash: str, now: str, expired_before: str) -> str:
    """The claim's INSERT (RETURNING true when this request owns the key now) over the
    given placeholders, also used inside the booking's first statement."""
    return (
        "INSERT INTO idempotency_keys (agent_id, key, request_hash, created_at)"
        f" VALUES ({agent_id}, {key}, {request_hash}, {now})"
        " ON CONFLICT (agent_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
        "  created_at = EXCLUDED.created_at, status = NULL, content_type = NULL, body = NULL,"
        "  booking_id = NULL"
        f"  WHERE idempotency_keys.created_at < {expired_before}"
        " RETURNING true")


class IdempotencyKeys:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def claim(self, agent_id: str, key: str, request_hash: str, *, now: datetime,
                    expired_before: datetime) -> bool:
        """True when this request owns the key now: it was unused, or its record expired.
        A request holding the same key in an open transaction makes this wait for it to
        end (the primary key), so concurrent repeats see the first one's answer."""
        return bool(await self.conn.fetchval(claim_sql("$1", "$2", "$3", "$4", "$5"),
                                             agent_id, key, request_hash, now, expired_before))

    async def answer(self, agent_id: str, key: str) -> StoredAnswer:
        row = await self.conn.fetchrow(
            "SELECT request_hash, status, content_type, body FROM idempotency_keys"
            " WHERE agent_id = $1 AND key = $2", agent_id, key)
        return StoredAnswer(row["request_hash"], row["status"], row["content_type"], row["body"])

    async def remember(self, agent_id: str, key: str, *, status: int, content_type: str, body: dict,
                       booking_id: str | None) -> None:
        await self.conn.execute(
            "UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5, booking_id = $6"
            " WHERE agent_id = $1 AND key = $2", agent_id, key, status, content_type, body,
            uuid.UUID(booking_id) if booking_id else None)
