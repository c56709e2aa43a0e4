"""The calls of a day (booking_calls): stored, closed, read for the desk and the board."""
from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

CALL = "seq, id, booking_id, center, day, desk, queue_number, period, kind, clerk_id, at, closed_at, outcome"
# Which unique index a lost race broke (booking_calls_one_open_per_*).
ONE_OPEN_PER_BOOKING = "booking_calls_one_open_per_booking"
ONE_OPEN_PER_DESK = "booking_calls_one_open_per_desk"


class Calls:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, *, booking_id: str, center: str, day: date, desk: int, queue_number: str, period: str,
                  kind: str, clerk_id: str, at: datetime, closed: str | None = None) -> asyncpg.Record:
        """A call row; ``closed``: an outcome for a row that is closed from the start (a skip)."""
        return await self.conn.fetchrow(
            f"INSERT INTO booking_calls (id, booking_id, center, day, desk, queue_number, period, kind, clerk_id, at,"
            f" closed_at, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {CALL}",
            uuid.uuid4(), uuid.UUID(booking_id), center, day, desk, queue_number, period, kind, clerk_id, at,
            at if closed else None, closed)

    async def open_at_desk(self, center: str, day: date, desk: int, *, lock: bool = False) -> asyncpg.Record | None:
        return await self.conn.fetchrow(
            f"SELECT {CALL} FROM booking_calls WHERE center = $1 AND day = $2 AND desk = $3 AND closed_at IS NULL"
            + (" FOR UPDATE" if lock else ""), center, day, desk)

    async def open_of_booking(self, booking_id: str) -> asyncpg.Record | None:
        return await self.conn.fetchrow(
            f"SELECT {CALL} FROM booking_calls WHERE booking_id = $1 AND closed_at IS NULL", uuid.UUID(booking_id))

    async def close(self, seq: int, outcome: str, at: datetime) -> None:
        await self.conn.execute(
            "UPDATE booking_calls SET closed_at = $3, outcome = $2 WHERE seq = $1 AND closed_at IS NULL",
            seq, outcome, at)

    async def open_on(self, center: str, day: date) -> list[asyncpg.Record]:
        """The day's open calls, one per desk at most."""
        return await self.conn.fetch(
            f"SELECT {CALL} FROM booking_calls WHERE center = $1 AND day = $2 AND closed_at IS NULL ORDER BY desk",
            center, day)

    async def recent(self, center: str, day: date, limit: int) -> list[asyncpg.Record]:
        """The last calls and recalls of the day, newest first."""
        return await self.conn.fetch(
            f"SELECT {CALL} FROM booking_calls WHERE center = $1 AND day = $2 AND kind IN ('call', 'recall')"
            " ORDER BY seq DESC LIMIT $3", center, day, limit)

    async def last_seq(self, center: str, day: date) -> int:
        return await self.conn.fetchval(
            "SELECT coalesce(max(seq), 0) FROM booking_calls WHERE center = $1 AND day = $2", center, day)

    async def first_call_at(self, booking_id: str) -> datetime | None:
        return await self.conn.fetchval(
            "SELECT min(at) FROM booking_calls WHERE booking_id = $1 AND kind = 'call'", uuid.UUID(booking_id))
