"""A new booking written in one statement, in this order: the booking row, its lines, the
period's capacity (last: its row lock is the one every booking of the period queues on,
and it is held only until this statement's transaction ends), then the events in the
outbox with the relay's wake-up (delivered at commit) and, under an Idempotency-Key, the
answer kept with the key.

The statement succeeds whole or fails whole. Its refusals come back as constraint
violations: the one-per-period / one-per-date unique indexes (as the domain's refusals),
``capacity_not_exceeded`` (``NoRoom``) and ``date_open`` (migration 0006: the date was
closed while this booking waited for the capacity row).

The outbox rows and the wake-up are ``shared.outbox``'s (``insert_rows``, ``WAKE_RELAY``),
as a CTE of this statement so they cost no statement of their own.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import orjson

from shared.events import Envelope
from shared.outbox import WAKE_RELAY, OutboxRow, insert_rows, row_arrays

from booking.domain.booking import Booking
from booking.domain.release import closed_refusal
from booking.adapters.bookings import unique_refusal

# $1-$11 the booking; $12-$15 its lines; $16 lines taken, $17 the default capacity;
# $18-$21 the outbox rows.
_WRITE = (
    "WITH booking AS ("
    "  INSERT INTO bookings (id, agent_id, center, day, period, contact_name, contact_phone, status,"
    "   created_at, updated_at, sms_status, sms_resend_used)"
    "  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11) RETURNING id, center, day, period),"
    " lines AS ("
    "  INSERT INTO booking_lines (booking_id, position, org_code, name, businesses, status, center, day)"
    "  SELECT b.id, l.n - 1, l.org_code, l.name, l.businesses::jsonb, l.status, b.center, b.day"
    "  FROM booking b, unnest($12::text[], $13::text[], $14::text[], $15::text[])"
    "   WITH ORDINALITY AS l(org_code, name, businesses, status, n)"
    "  RETURNING 1),"
    # Reading the lines' count makes the booking and its lines go in first. The proposed
    # row must pass CHECK (booked <= capacity) even when it conflicts: hence least(); the
    # caller creates the row beforehand when $16 > $17.
    " taken AS ("
    "  INSERT INTO capacity AS c (center, day, period, capacity, booked)"
    "  SELECT b.center, b.day, b.period, $17::int, least($16::int, $17::int)"
    "  FROM booking b, (SELECT count(*) FROM lines) AS written"
    "  ON CONFLICT (center, day, period) DO UPDATE SET booked = c.booked + $16::int"
    "  RETURNING ensure_date_open(c.center, c.day)),"
    f" events AS ({insert_rows(18)})"
    "{answer}"
    f" SELECT {WAKE_RELAY} FROM taken")
# $22 agent, $23 key, $24 the answer's body (json keeps its key order for the replay).
_ANSWER = (
    ", answer AS (UPDATE idempotency_keys SET status = 201, content_type = 'application/json',"
    "  body = $24::text::json, booking_id = $1 WHERE agent_id = $22 AND key = $23)")

_PLAIN = _WRITE.format(answer="")
_WITH_ANSWER = _WRITE.format(answer=_ANSWER)


class NoRoom(Exception):
    """The lines did not fit in the period's capacity; nothing was written."""


@dataclass(frozen=True)
class KeptAnswer:
    """The 201 answer to keep with an Idempotency-Key (claimed earlier in the transaction)."""
    agent_id: str
    key: str
    body: dict


class NewBookings:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, booking: Booking, events: Sequence[Envelope], *, default_capacity: int,
                  answer: KeptAnswer | None = None) -> None:
        """Write it all, or raise: NoRoom, DateNotBookable (closed), DuplicatePeriod,
        EnterpriseAlreadyBooked (a request that lost a race gets the same refusal as one
        refused by the checks)."""
        lines = booking.lines
        args = [
            uuid.UUID(booking.id), booking.agent_id, booking.center, booking.date, booking.period,
            booking.contact_name, booking.contact_phone, str(booking.status), booking.created_at,
            str(booking.sms_status), booking.sms_resend_used,
            [line.org_code for line in lines], [line.name for line in lines],
            [orjson.dumps([{"type": b.type, "count": b.count} for b in line.businesses]).decode() for line in lines],
            [str(line.status) for line in lines],
            booking.active_line_count, default_capacity,
            *row_arrays(OutboxRow.of(e) for e in events)]
        if answer is not None:
            args += [answer.agent_id, answer.key, orjson.dumps(answer.body).decode()]
        try:
            await self.conn.execute(_PLAIN if answer is None else _WITH_ANSWER, *args)
        except asyncpg.UniqueViolationError as exc:
            refusal = unique_refusal(exc, booking)
            if refusal is None:
                raise
            raise refusal from None
        except asyncpg.CheckViolationError as exc:
            if exc.constraint_name == "capacity_not_exceeded":
                raise NoRoom() from None
            if exc.constraint_name == "date_open":
                raise closed_refusal(booking.date) from None
            raise
