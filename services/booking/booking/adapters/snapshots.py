"""The frozen list of a date's bookings that the cutoff hands to the allocator (every
booking not cancelled, with its active lines only, first come first), and the stored
snapshot documents the allocator fetches."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import asyncpg


class DaySnapshots:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def bookings(self, center: str, day: date) -> list[dict]:
        """``[{id, period, created_at, enterprises: [{org_code, name, status, businesses}]}]``,
        in (created_at, id) order. Bookings already checked in or no-show (a re-run on the
        day itself) stay in, so that nobody else's queue number moves.

        Two range scans joined here rather than one SQL join: the day's bookings are
        written within two days, often before the statistics catch up, and a join planned
        on stale statistics went quadratic (95 s for a 20,000-booking day)."""
        rows = await self.conn.fetch(
            "SELECT id, period, created_at FROM bookings WHERE center = $1 AND day = $2 AND status <> 'cancelled'"
            " ORDER BY created_at, id", center, day)
        lines = await self.conn.fetch(
            "SELECT booking_id, org_code, name, businesses FROM booking_lines"
            " WHERE center = $1 AND day = $2 AND status = 'active' ORDER BY booking_id, position", center, day)
        by_booking: dict = {}
        for r in lines:
            by_booking.setdefault(r["booking_id"], []).append(
                {"org_code": r["org_code"], "name": r["name"], "status": "active", "businesses": r["businesses"]})
        return [{"id": str(r["id"]), "period": r["period"], "created_at": r["created_at"],
                 "enterprises": by_booking.get(r["id"], [])} for r in rows]


class CutoffSnapshots:
    """Each allocation request's frozen day, as the document the allocator fetches (the
    claim check behind allocation.requested; migrations/0010_cutoff_snapshots.sql)."""
    KEEP = timedelta(days=14)

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def store(self, cutoff_id: uuid.UUID, center: str, day: date, *, bookings: int, sha256: str,
                    document: bytes, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO cutoff_snapshots (cutoff_id, center, day, bookings, sha256, document, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)", cutoff_id, center, day, bookings, sha256, document, now)
        # Kept long enough for a delivery retried for hours or replayed from .dead next day.
        await self.conn.execute("DELETE FROM cutoff_snapshots WHERE created_at < $1", now - self.KEEP)

    async def document(self, cutoff_id: uuid.UUID) -> bytes | None:
        return await self.conn.fetchval("SELECT document FROM cutoff_snapshots WHERE cutoff_id = $1", cutoff_id)
