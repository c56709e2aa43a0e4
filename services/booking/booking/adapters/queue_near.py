"""booking_queue_near: the bookings already told "three ahead" (once per booking)."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg


class QueueNear:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def told(self, ids: Sequence[str]) -> set[str]:
        rows = await self.conn.fetch("SELECT booking_id FROM booking_queue_near WHERE booking_id = ANY($1::uuid[])",
                                     [uuid.UUID(i) for i in ids])
        return {str(r["booking_id"]) for r in rows}

    async def record(self, booking_id: str, ahead: int, at: datetime) -> bool:
        """True when this is the first time (a concurrent call may have recorded it)."""
        return await self.conn.fetchval(
            "INSERT INTO booking_queue_near (booking_id, ahead, at) VALUES ($1, $2, $3)"
            " ON CONFLICT (booking_id) DO NOTHING RETURNING true", uuid.UUID(booking_id), ahead, at) or False
