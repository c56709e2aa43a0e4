"""The day's waiting line on bookings: who is checked in and not being called, locking
the one a desk takes, and the columns a call, a skip and a completion change."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import asyncpg

from booking.domain.calling import Waiting

_WAITING = ("SELECT id, desk, period, queue_number, checked_in_at, requeue_key FROM bookings"
            " WHERE center = $1 AND day = $2 AND status = 'checked_in' AND NOT call_open AND desk IS NOT NULL")


class WaitingLine:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def waiting(self, center: str, day: date) -> list[Waiting]:
        rows = await self.conn.fetch(_WAITING, center, day)
        return [Waiting(booking_id=str(r["id"]), desk=r["desk"], period=r["period"], queue_number=r["queue_number"],
                        checked_in_at=r["checked_in_at"], requeue_key=r["requeue_key"]) for r in rows]

    async def take_first(self, ordered_ids: Sequence[str]) -> uuid.UUID | None:
        """Lock the first booking of ``ordered_ids`` that is still waiting, skipping rows
        another desk holds. READ COMMITTED re-checks the condition on a row changed by a
        transaction that committed meanwhile, so a booking called by another desk is
        passed over (call_open is on the row for that reason). NO KEY UPDATE: the foreign
        keys of booking_calls and booking_queue_near rows other desks insert for this
        booking take KEY SHARE locks, which FOR UPDATE would block (a deadlock between
        two desks each telling the other's booking it is near)."""
        if not ordered_ids:
            return None
        return await self.conn.fetchval(
            "SELECT id FROM bookings WHERE id = ANY($1::uuid[]) AND status = 'checked_in' AND NOT call_open"
            " ORDER BY array_position($1::uuid[], id) LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED",
            [uuid.UUID(i) for i in ordered_ids])

    async def mark_called(self, booking_id: str, desk: int, at: datetime) -> None:
        await self.conn.execute(
            "UPDATE bookings SET call_open = true, called_at = $3, called_desk = $2 WHERE id = $1",
            uuid.UUID(booking_id), desk, at)

    async def back_to_waiting(self, booking_id: str, requeue_key: Decimal | None) -> None:
        await self.conn.execute(
            "UPDATE bookings SET call_open = false, requeue_key = coalesce($2, requeue_key) WHERE id = $1",
            uuid.UUID(booking_id), requeue_key)

    async def call_closed(self, booking_id: str) -> None:
        await self.conn.execute("UPDATE bookings SET call_open = false WHERE id = $1", uuid.UUID(booking_id))

    async def called(self, ids: Sequence[uuid.UUID]) -> dict[str, tuple[datetime | None, int | None]]:
        """(called_at, called_desk) of the bookings: for the desk schedule."""
        rows = await self.conn.fetch("SELECT id, called_at, called_desk FROM bookings WHERE id = ANY($1::uuid[])",
                                     list(ids))
        return {str(r["id"]): (r["called_at"], r["called_desk"]) for r in rows}

    async def waiting_per_period(self, center: str, day: date) -> dict[str, int]:
        rows = await self.conn.fetch(
            "SELECT period, count(*) AS n FROM bookings WHERE center = $1 AND day = $2 AND status = 'checked_in'"
            " AND NOT call_open GROUP BY period", center, day)
        return {r["period"]: r["n"] for r in rows}

    async def contacts(self, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """(agent_id, contact_phone) of the bookings: for booking.queue_near."""
        rows = await self.conn.fetch("SELECT id, agent_id, contact_phone FROM bookings WHERE id = ANY($1::uuid[])",
                                     [uuid.UUID(i) for i in ids])
        return {str(r["id"]): (r["agent_id"], r["contact_phone"]) for r in rows}

    async def lock_allocation_desk(self, booking_id: str) -> int:
        return await self.conn.fetchval("SELECT desk FROM bookings WHERE id = $1 FOR NO KEY UPDATE",
                                        uuid.UUID(booking_id))
