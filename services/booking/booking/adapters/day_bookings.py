"""A service date's bookings as the cutoff, the allocation results, the desk and the
closing sweep need them (one date, many bookings at once)."""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

import asyncpg

from booking.domain.booking import Booking
from booking.adapters.bookings import COLUMNS, BookingRepository, as_uuid


class DayBookings:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self._repo = BookingRepository(conn)

    async def for_allocation(self, center: str, day: date, ids: Iterable[str]) -> list[Booking]:
        """The date's bookings among ``ids``, locked in id order (a fixed order: two
        transactions locking many of them cannot deadlock each other)."""
        keys = sorted({key for key in map(as_uuid, ids) if key is not None})
        rows = await self.conn.fetch(
            f"SELECT {COLUMNS} FROM bookings WHERE id = ANY($1::uuid[]) AND center = $2 AND day = $3"
            " ORDER BY id FOR UPDATE", keys, center, day)
        return await self._repo.rebuild(rows)

    async def save_allocations(self, bookings: Sequence[Booking], now: datetime) -> None:
        """One statement for the whole day (a 20,000-booking day: 4 s as single UPDATEs)."""
        rows = [(b, b.allocation) for b in bookings if b.allocation is not None]
        if not rows:
            return
        await self.conn.execute(
            "UPDATE bookings b SET status = v.status, desk = v.desk, segment_start = v.segment_start,"
            " segment_end = v.segment_end, queue_number = v.queue_number, allocated_at = $7, updated_at = $7"
            " FROM unnest($1::uuid[], $2::text[], $3::int[], $4::time[], $5::time[], $6::text[])"
            "  AS v (id, status, desk, segment_start, segment_end, queue_number) WHERE b.id = v.id",
            [uuid.UUID(b.id) for b, _ in rows], [str(b.status) for b, _ in rows], [a.desk for _, a in rows],
            [a.start for _, a in rows], [a.end for _, a in rows], [a.queue_number for _, a in rows], now)

    async def leftover(self, center: str, *, up_to: date, closing_time: time, timezone: str,
                       limit: int) -> list[Booking]:
        """Bookings still ``allocated`` on dates up to ``up_to`` (whose closing time has
        passed), locked; rows another transaction holds are skipped, so replicas sweeping
        together share the work. Ordered by agent, so that the rights rows counted next are
        locked in one order. A booking whose allocation was only recorded after its day had
        closed (a date allocated late by hand) never had a chance to come: it is left out."""
        rows = await self.conn.fetch(
            f"SELECT {COLUMNS} FROM bookings WHERE center = $1 AND day <= $2 AND status = 'allocated'"
            " AND (allocated_at IS NULL OR allocated_at < (day + $3::time) AT TIME ZONE $4)"
            " ORDER BY agent_id, id LIMIT $5 FOR UPDATE SKIP LOCKED",
            center, up_to, closing_time, timezone, limit)
        return await self._repo.rebuild(rows)

    async def allocated_on(self, center: str, day: date) -> list[Booking]:
        """Every booking of the date that has an allocation, whatever happened since."""
        rows = await self.conn.fetch(
            f"SELECT {COLUMNS} FROM bookings WHERE center = $1 AND day = $2 AND desk IS NOT NULL"
            " AND status <> 'cancelled'", center, day)
        return await self._repo.rebuild(rows)

    async def stamp_checked_in(self, booking_id: str, at: datetime) -> None:
        await self.conn.execute("UPDATE bookings SET checked_in_at = $2 WHERE id = $1", uuid.UUID(booking_id), at)

    async def count_live(self, center: str, day: date) -> int:
        return await self.conn.fetchval(
            "SELECT count(*) FROM bookings WHERE center = $1 AND day = $2 AND status <> 'cancelled'", center, day)
