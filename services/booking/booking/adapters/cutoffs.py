"""The per-date cutoff records: one row per (center, date) once the date has been closed
(absent row = open). Closing is one upsert whose conflict branch decides who wins, so
several scheduler replicas close a date exactly once."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

import asyncpg

_STATE = ("id, center, day, status, closed_at, closed_by, allocated_at, run_id, snapshot_fingerprint,"
          " request_id, requested_at, requests, snapshot_bookings")


class Cutoffs:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # --- reading --------------------------------------------------------------------

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

    async def get(self, center: str, day: date) -> asyncpg.Record | None:
        return await self.conn.fetchrow(f"SELECT {_STATE} FROM cutoffs WHERE center = $1 AND day = $2",
                                        center, day)

    async def open_days(self, center: str, since: date) -> list[date]:
        """Dates from ``since`` on that have bookings or capacity rows and are not closed:
        the only ones a cutoff has anything to do for (the PK and the center/day index
        make both look-ups range scans)."""
        rows = await self.conn.fetch(
            "SELECT day FROM capacity WHERE center = $1 AND day >= $2"
            " UNION SELECT day FROM bookings WHERE center = $1 AND day >= $2"
            " EXCEPT SELECT day FROM cutoffs WHERE center = $1 AND day >= $2 AND status <> 'open'"
            " ORDER BY day", center, since)
        return [r["day"] for r in rows]

    async def last_closed(self, centers: Iterable[str]) -> dict[str, datetime]:
        rows = await self.conn.fetch(
            "SELECT center, max(closed_at) AS at FROM cutoffs WHERE center = ANY($1::text[])"
            " AND closed_at IS NOT NULL GROUP BY center", list(centers))
        return {r["center"]: r["at"] for r in rows}

    async def oldest_unallocated(self, centers: Iterable[str]) -> dict[str, datetime]:
        """Per center, when the oldest allocation request still unanswered was made (a
        closed date not yet allocated; a re-run counts from its own request)."""
        rows = await self.conn.fetch(
            "SELECT center, min(requested_at) AS at FROM cutoffs WHERE center = ANY($1::text[])"
            " AND status = 'closed' AND requested_at IS NOT NULL GROUP BY center", list(centers))
        return {r["center"]: r["at"] for r in rows}

    # --- closing and allocating -------------------------------------------------------

    async def close(self, center: str, day: date, *, request_id: uuid.UUID, now: datetime,
                    by: str | None, rerun: bool) -> asyncpg.Record | None:
        """Mark the date closed and record a new allocation request; the row, or None when
        the date was closed already and this is not a re-run (another replica won).

        A re-run keeps the first ``closed_at`` and ``closed_by`` (a closed date stays closed,
        and its changes stopped then) and sets an allocated date back to ``closed`` until
        the new request's completion arrives."""
        return await self.conn.fetchrow(
            "INSERT INTO cutoffs (id, center, day, status, closed_at, closed_by, request_id, requested_at,"
            "  requests) VALUES ($1, $2, $3, 'closed', $4, $5, $6, $4, 1)"
            " ON CONFLICT (center, day) DO UPDATE SET status = 'closed',"
            "  closed_at = coalesce(cutoffs.closed_at, EXCLUDED.closed_at),"
            "  closed_by = CASE WHEN cutoffs.status = 'open' THEN EXCLUDED.closed_by ELSE cutoffs.closed_by END,"
            "  request_id = EXCLUDED.request_id, requested_at = EXCLUDED.requested_at,"
            "  requests = cutoffs.requests + 1"
            "  WHERE cutoffs.status = 'open' OR $7"
            f" RETURNING {_STATE}", uuid.uuid4(), center, day, now, by, request_id, rerun)

    async def record_snapshot_size(self, center: str, day: date, bookings: int) -> None:
        await self.conn.execute("UPDATE cutoffs SET snapshot_bookings = $3 WHERE center = $1 AND day = $2",
                                center, day, bookings)

    async def latest_request(self, center: str, day: date) -> uuid.UUID | None:
        return await self.conn.fetchval(
            "SELECT request_id FROM cutoffs WHERE center = $1 AND day = $2 AND status <> 'open'", center, day)

    async def mark_allocated(self, center: str, day: date, *, request_id: uuid.UUID, now: datetime,
                             run_id: str, snapshot_fingerprint: str) -> bool:
        """False when ``request_id`` is no longer the latest request (a re-run got in)."""
        return bool(await self.conn.fetchval(
            "UPDATE cutoffs SET status = 'allocated', allocated_at = $4, run_id = $5, snapshot_fingerprint = $6"
            " WHERE center = $1 AND day = $2 AND request_id = $3 RETURNING true",
            center, day, request_id, now, run_id, snapshot_fingerprint))


class CutoffRuns:
    """Every run of a date's cutoff, with who asked and why (table cutoff_runs)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def record(self, center: str, day: date, *, at: datetime, by: str | None, reason: str,
                     rerun: bool) -> None:
        await self.conn.execute(
            "INSERT INTO cutoff_runs (center, day, at, by, reason, rerun) VALUES ($1, $2, $3, $4, $5, $6)",
            center, day, at, by, reason, rerun)

    async def of_day(self, center: str, day: date) -> list[asyncpg.Record]:
        return await self.conn.fetch(
            "SELECT at, by, reason, rerun FROM cutoff_runs WHERE center = $1 AND day = $2 ORDER BY id",
            center, day)


async def statuses(conn: asyncpg.Connection, center: str, start: date, end: date) -> dict[date, asyncpg.Record]:
    """The cutoff rows of a range of dates (absent: open)."""
    rows = await conn.fetch(f"SELECT {_STATE} FROM cutoffs WHERE center = $1 AND day BETWEEN $2 AND $3",
                            center, start, end)
    return {r["day"]: r for r in rows}
