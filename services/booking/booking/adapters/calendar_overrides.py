"""Administrators' working-day overrides, per center."""
from __future__ import annotations

from datetime import date, datetime

import asyncpg


class CalendarOverrides:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def for_center(self, center: str) -> dict[date, bool]:
        # All of them: a handful per year, and the working-day searches may reach far.
        rows = await self.conn.fetch("SELECT day, working FROM calendar_overrides WHERE center = $1", center)
        return {r["day"]: r["working"] for r in rows}

    async def set(self, center: str, day: date, working: bool, note: str, *, by: str,
                  at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO calendar_overrides (center, day, working, note, set_by, set_at)"
            " VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (center, day) DO UPDATE SET working = EXCLUDED.working, note = EXCLUDED.note,"
            "  set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at",
            center, day, working, note, by, at)

    async def remove(self, center: str, day: date) -> bool:
        return await self.conn.fetchval(
            "DELETE FROM calendar_overrides WHERE center = $1 AND day = $2 RETURNING true", center, day) or False

    async def details(self, center: str, start: date, end: date) -> dict[date, asyncpg.Record]:
        rows = await self.conn.fetch(
            "SELECT day, working, note, set_by, set_at FROM calendar_overrides"
            " WHERE center = $1 AND day BETWEEN $2 AND $3", center, start, end)
        return {r["day"]: r for r in rows}
