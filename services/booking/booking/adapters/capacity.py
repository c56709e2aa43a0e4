"""Capacity counters, one row per (center, date, period), in enterprise lines.

A booking takes its lines in the statement that writes it (adapters/new_bookings.py): an
upsert adding to ``booked``, whose row lock serialises concurrent bookings and whose
CHECK (booked <= capacity) refuses what does not fit, so capacity holds whatever the
concurrency.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class Counter:
    capacity: int
    booked: int


class CapacityCounters:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def ensure_row(self, center: str, day: date, period: str, default: int) -> None:
        await self.conn.execute(
            "INSERT INTO capacity (center, day, period, capacity) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT DO NOTHING", center, day, period, default)

    async def lock_day(self, center: str, day: date, periods: list[str], *, default: int) -> None:
        """Create the date's counter rows where missing and lock them all until the
        transaction ends (closing a date): bookings and cancellations of the date take one
        of these rows before they check the date is open, so they wait for the close and
        then see it. Always in period order, so two closers cannot deadlock."""
        for period in sorted(periods):
            await self.ensure_row(center, day, period, default)
        await self.conn.execute(
            "SELECT 1 FROM capacity WHERE center = $1 AND day = $2 ORDER BY period FOR UPDATE", center, day)

    async def release(self, center: str, day: date, period: str, lines: int) -> None:
        await self.conn.execute(
            "UPDATE capacity SET booked = booked - $4 WHERE center = $1 AND day = $2 AND period = $3",
            center, day, period, lines)

    async def get(self, center: str, day: date, period: str, *, default: int) -> Counter:
        row = await self.conn.fetchrow(
            "SELECT capacity, booked FROM capacity WHERE center = $1 AND day = $2 AND period = $3",
            center, day, period)
        return Counter(row["capacity"], row["booked"]) if row else Counter(default, 0)

    async def in_range(self, center: str, start: date, end: date) -> dict[tuple[date, str], Counter]:
        rows = await self.conn.fetch(
            "SELECT day, period, capacity, booked FROM capacity WHERE center = $1 AND day BETWEEN $2 AND $3",
            center, start, end)
        return {(r["day"], r["period"]): Counter(r["capacity"], r["booked"]) for r in rows}

    async def set(self, center: str, day: date, period: str, capacity: int, *, by: str,
                  at: datetime) -> Counter | None:
        """Set the capacity unless it would go below what is booked (then None). One
        statement, so a booking committing meanwhile cannot slip under it."""
        row = await self.conn.fetchrow(
            "INSERT INTO capacity (center, day, period, capacity, updated_at, updated_by)"
            " VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (center, day, period) DO UPDATE SET capacity = EXCLUDED.capacity,"
            "  updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by"
            "  WHERE capacity.booked <= EXCLUDED.capacity"
            " RETURNING capacity, booked", center, day, period, capacity, at, by)
        return Counter(row["capacity"], row["booked"]) if row else None


async def calendar_rows(conn: asyncpg.Connection, center: str, start: date,
                        end: date) -> tuple[tuple[Any, ...], ...]:
    """Everything of a range the public calendar reads besides the working calendar, in
    one round trip and in a stable order: (0, day, period, capacity, booked) per counter
    row, then (1, day, None, None, None) per closed date. Equal rows, equal calendar days
    (service/calendar_answers.py compares them to reuse an answer)."""
    rows = await conn.fetch(
        "SELECT 0 AS kind, day, period, capacity, booked FROM capacity"
        " WHERE center = $1 AND day BETWEEN $2 AND $3"
        " UNION ALL SELECT 1, day, NULL, NULL, NULL FROM cutoffs"
        " WHERE center = $1 AND day BETWEEN $2 AND $3 AND status <> 'open'"
        " ORDER BY kind, day, period", center, start, end)
    return tuple(tuple(r) for r in rows)
