"""Reading the per-date cutoff records (the scheduler that writes them is the next issue)."""
from __future__ import annotations

from datetime import date, datetime

import asyncpg


class Cutoffs:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def closed_at(self, center: str, day: date) -> datetime | None:
        """When the date was closed (early, by an administrator, or at its cutoff), or None
        while it is open."""
        return await self.conn.fetchval(
            "SELECT closed_at FROM cutoffs WHERE center = $1 AND day = $2 AND status <> 'open'", center, day)

    async def closed_days(self, center: str, start: date, end: date) -> set[date]:
        rows = await self.conn.fetch(
            "SELECT day FROM cutoffs WHERE center = $1 AND day BETWEEN $2 AND $3 AND status <> 'open'",
            center, start, end)
        return {r["day"] for r in rows}
