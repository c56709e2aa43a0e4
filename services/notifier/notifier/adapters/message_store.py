"""asyncpg statements on ``messages`` and ``message_attempts``: record, claim, fence,
finish. Every function takes the caller's connection, so the use case decides the
transaction (the consumer's inbox transaction, or the status change plus its event)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from ..domain.message_status import DELIVERED, FAILED, PENDING, RETRY, SENDING

_CLAIMED_COLUMNS = ("id, event_id, template, booking_id, phone, body, sensitive, attempts,"
                    " correlation_id")


@dataclass(frozen=True)
class ClaimedMessage:
    """A message this process holds under a lease, as attempt number ``attempt``."""
    id: uuid.UUID
    event_id: uuid.UUID
    template: str
    booking_id: str | None
    phone: str
    body: str
    sensitive: bool
    attempt: int
    correlation_id: str | None

    def __repr__(self) -> str:  # never the body or the phone
        return f"ClaimedMessage(id={self.id}, template={self.template!r}, attempt={self.attempt})"

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> "ClaimedMessage":
        return cls(id=row["id"], event_id=row["event_id"], template=row["template"],
                   booking_id=row["booking_id"], phone=row["phone"], body=row["body"],
                   sensitive=row["sensitive"], attempt=row["attempts"],
                   correlation_id=row["correlation_id"])


@dataclass(frozen=True)
class NewMessage:
    event_id: uuid.UUID
    event_type: str
    template: str
    booking_id: str | None
    phone: str
    body: str
    sensitive: bool
    resend: bool
    correlation_id: str | None


async def insert_pending(conn: asyncpg.Connection, msg: NewMessage, *, now: datetime,
                         sweep_after: datetime) -> uuid.UUID | None:
    """The new message's id, or None when this event already has its message."""
    return await conn.fetchval(
        "INSERT INTO messages (id, event_id, event_type, template, booking_id, phone, body, sensitive,"
        " resend, correlation_id, status, next_attempt_at, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)"
        " ON CONFLICT (event_id, template) DO NOTHING RETURNING id",
        uuid.uuid4(), msg.event_id, msg.event_type, msg.template, msg.booking_id, msg.phone, msg.body,
        msg.sensitive, msg.resend, msg.correlation_id, PENDING, sweep_after, now)


async def claim(conn: asyncpg.Connection, message_id: uuid.UUID, *, now: datetime,
                lease_until: datetime) -> ClaimedMessage | None:
    """Take one message that is pending (or whose retry is due) and not leased. Exactly one
    of any number of concurrent callers gets it; a final message is never taken."""
    row = await conn.fetchrow(
        f"UPDATE messages SET status = '{SENDING}', lease_until = $3, attempts = attempts + 1,"
        " updated_at = $2"
        f" WHERE id = $1 AND (status = '{PENDING}' OR (status = '{RETRY}' AND next_attempt_at <= $2))"
        " AND (lease_until IS NULL OR lease_until < $2)"
        f" RETURNING {_CLAIMED_COLUMNS}", message_id, now, lease_until)
    return ClaimedMessage.from_row(row) if row else None


async def claim_due(conn: asyncpg.Connection, *, now: datetime, lease_until: datetime, limit: int,
                    max_attempts: int) -> list[ClaimedMessage]:
    """The sweep: take up to ``limit`` messages that are due (pending past their grace,
    retry past their time) or whose lease expired (a crash mid-send: same ref again),
    oldest first. SKIP LOCKED lets every replica sweep at once without taking the same row."""
    rows = await conn.fetch(
        "WITH due AS MATERIALIZED ("
        "  SELECT id FROM messages"
        f"  WHERE (status IN ('{PENDING}', '{RETRY}') AND next_attempt_at <= $1)"
        f"     OR (status = '{SENDING}' AND lease_until < $1 AND attempts < $4)"
        "  ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)"
        f" UPDATE messages m SET status = '{SENDING}', lease_until = $2, attempts = m.attempts + 1,"
        "  updated_at = $1"
        " FROM due WHERE m.id = due.id"
        f" RETURNING {', '.join('m.' + c.strip() for c in _CLAIMED_COLUMNS.split(','))}",
        now, lease_until, limit, max_attempts)
    return [ClaimedMessage.from_row(r) for r in rows]


async def fail_expired_exhausted(conn: asyncpg.Connection, *, now: datetime, max_attempts: int,
                                 limit: int) -> list[ClaimedMessage]:
    """Leases that expired on the last allowed attempt: no answer will come, give up."""
    rows = await conn.fetch(
        "WITH gone AS MATERIALIZED ("
        f"  SELECT id FROM messages WHERE status = '{SENDING}' AND lease_until < $1 AND attempts >= $2"
        "  LIMIT $3 FOR UPDATE SKIP LOCKED)"
        f" UPDATE messages m SET status = '{FAILED}', lease_until = NULL, failed_at = $1, updated_at = $1,"
        "  last_error = 'no answer to the last attempt'"
        " FROM gone WHERE m.id = gone.id"
        f" RETURNING {', '.join('m.' + c.strip() for c in _CLAIMED_COLUMNS.split(','))}",
        now, max_attempts, limit)
    return [ClaimedMessage.from_row(r) for r in rows]


async def begin_attempt(conn: asyncpg.Connection, msg: ClaimedMessage, *, now: datetime,
                        lease_until: datetime, provider: str, sender: str) -> bool:
    """Record the attempt before the call, renewing the lease - only while this claim
    still holds it (a sweeper may have taken an expired lease meanwhile: then no call)."""
    if msg.attempt > 1:
        async with conn.transaction():
            recorded = await conn.fetchval(_BEGIN_ATTEMPT, msg.id, msg.attempt, lease_until, provider, sender, now)
            if recorded:
                # An earlier call that never recorded an answer was cut off (a crash).
                await conn.execute(
                    "UPDATE message_attempts SET outcome = 'lost', finished_at = $3"
                    " WHERE message_id = $1 AND attempt < $2 AND finished_at IS NULL",
                    msg.id, msg.attempt, now)
            return bool(recorded)
    return bool(await conn.fetchval(_BEGIN_ATTEMPT, msg.id, msg.attempt, lease_until, provider, sender, now))


_BEGIN_ATTEMPT = (
    "WITH still_ours AS (UPDATE messages SET lease_until = $3, provider = $4::text"
    f"   WHERE id = $1 AND status = '{SENDING}' AND attempts = $2::int RETURNING id)"
    " INSERT INTO message_attempts (message_id, attempt, provider, sender, started_at)"
    " SELECT id, $2::int, $4::text, $5::text, $6::timestamptz FROM still_ours RETURNING true")


async def finish(conn: asyncpg.Connection, msg: ClaimedMessage, *, status: str, now: datetime,
                 body: str, next_attempt_at: datetime | None = None, provider_id: str | None = None,
                 reason: str | None = None, status_code: int | None = None) -> bool:
    """Close this claim's attempt and set the message's status; False when the claim was
    lost (another process owns the message now and will record its own outcome)."""
    return bool(await conn.fetchval(
        "WITH m AS (UPDATE messages SET status = $3::text, lease_until = NULL, next_attempt_at = $4,"
        "   provider_id = coalesce($5::text, provider_id), last_error = $6::text, body = $7,"
        "   updated_at = $8::timestamptz,"
        f"   delivered_at = CASE WHEN $3::text = '{DELIVERED}' THEN $8::timestamptz END,"
        f"   failed_at = CASE WHEN $3::text = '{FAILED}' THEN $8::timestamptz END"
        f"  WHERE id = $1 AND status = '{SENDING}' AND attempts = $2::int RETURNING id)"
        " UPDATE message_attempts a SET finished_at = $8::timestamptz, outcome = $3::text, status_code = $9,"
        "  reason = $6::text, provider_id = $5::text"
        " FROM m WHERE a.message_id = m.id AND a.attempt = $2::int RETURNING true",
        msg.id, msg.attempt, status, next_attempt_at, provider_id, reason, body, now, status_code))
