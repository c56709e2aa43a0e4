"""Desk shifts (desk_shifts): which clerk sits at which desk of a center's day."""
from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

SHIFT = "center, day, desk, clerk_id, started_at"


class DeskShifts:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def take(self, center: str, day: date, desk: int, clerk_id: str, now: datetime) -> asyncpg.Record:
        """Open the clerk's shift at the desk, ending the clerk's previous shift and anyone
        else's at this desk (a clerk who left without ending it must not lock the desk)."""
        await self.conn.execute(
            "UPDATE desk_shifts SET ended_at = $5 WHERE ended_at IS NULL"
            " AND (clerk_id = $4 OR (center = $1 AND day = $2 AND desk = $3))",
            center, day, desk, clerk_id, now)
        return await self.conn.fetchrow(
            f"INSERT INTO desk_shifts (id, center, day, desk, clerk_id, started_at) VALUES ($1, $2, $3, $4, $5, $6)"
            f" RETURNING {SHIFT}", uuid.uuid4(), center, day, desk, clerk_id, now)

    async def of_clerk(self, clerk_id: str, center: str, day: date) -> asyncpg.Record | None:
        return await self.conn.fetchrow(
            f"SELECT {SHIFT} FROM desk_shifts WHERE clerk_id = $1 AND center = $2 AND day = $3 AND ended_at IS NULL",
            clerk_id, center, day)

    async def end(self, clerk_id: str, center: str, day: date, now: datetime) -> bool:
        done = await self.conn.fetchval(
            "WITH ended AS (UPDATE desk_shifts SET ended_at = $4 WHERE clerk_id = $1 AND center = $2 AND day = $3"
            " AND ended_at IS NULL RETURNING 1) SELECT count(*) FROM ended", clerk_id, center, day, now)
        return done > 0
