"""The official schedules administrators loaded (table official_years)."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from booking.domain.official_calendar import OfficialYear


class OfficialYears:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def all(self) -> dict[int, OfficialYear]:
        rows = await self.conn.fetch("SELECT year, holidays, workdays FROM official_years")
        return {r["year"]: OfficialYear(r["year"], frozenset(r["holidays"]), frozenset(r["workdays"]))
                for r in rows}

    async def get(self, year: int) -> asyncpg.Record | None:
        return await self.conn.fetchrow(
            "SELECT year, holidays, workdays, note, loaded_by, loaded_at FROM official_years WHERE year = $1", year)

    async def put(self, loaded: OfficialYear, *, note: str, by: str, at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO official_years (year, holidays, workdays, note, loaded_by, loaded_at)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (year) DO UPDATE SET holidays = EXCLUDED.holidays,"
            "  workdays = EXCLUDED.workdays, note = EXCLUDED.note, loaded_by = EXCLUDED.loaded_by,"
            "  loaded_at = EXCLUDED.loaded_at",
            loaded.year, sorted(loaded.holidays), sorted(loaded.workdays), note, by, at)

    async def remove(self, year: int) -> bool:
        return bool(await self.conn.fetchval("DELETE FROM official_years WHERE year = $1 RETURNING true", year))
