"""Counts for one center and date: by period, by business type, by status."""
from __future__ import annotations

from datetime import date

import asyncpg


class DayStats:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def by_period(self, center: str, day: date) -> dict[str, dict]:
        rows = await self.conn.fetch(
            "SELECT b.period, count(DISTINCT b.id) AS bookings,"
            "  count(l.org_code) FILTER (WHERE l.status = 'active') AS enterprise_lines"
            " FROM bookings b JOIN booking_lines l ON l.booking_id = b.id"
            " WHERE b.center = $1 AND b.day = $2 AND b.status <> 'cancelled' GROUP BY b.period",
            center, day)
        return {r["period"]: {"bookings": r["bookings"], "enterprise_lines": r["enterprise_lines"]} for r in rows}

    async def by_status(self, center: str, day: date) -> dict[str, int]:
        rows = await self.conn.fetch(
            "SELECT status, count(*) AS n FROM bookings WHERE center = $1 AND day = $2 GROUP BY status",
            center, day)
        return {r["status"]: r["n"] for r in rows}

    async def by_business_type(self, center: str, day: date) -> dict[str, dict]:
        """Active lines only: what the desks will actually handle."""
        rows = await self.conn.fetch(
            "SELECT item->>'type' AS type, count(*) AS enterprises,"
            "  coalesce(sum((item->>'count')::int), 0) AS cards"
            " FROM booking_lines l CROSS JOIN LATERAL jsonb_array_elements(l.businesses) AS item"
            " WHERE l.center = $1 AND l.day = $2 AND l.status = 'active' GROUP BY 1",
            center, day)
        return {r["type"]: {"enterprises": r["enterprises"], "cards": r["cards"]} for r in rows}

    async def by_period_and_type(self, center: str, day: date) -> dict[str, dict[str, dict]]:
        """Active lines per period and business type."""
        rows = await self.conn.fetch(
            "SELECT b.period, item->>'type' AS type, count(*) AS enterprises,"
            "  coalesce(sum((item->>'count')::int), 0) AS cards"
            " FROM booking_lines l JOIN bookings b ON b.id = l.booking_id"
            " CROSS JOIN LATERAL jsonb_array_elements(l.businesses) AS item"
            " WHERE l.center = $1 AND l.day = $2 AND l.status = 'active' GROUP BY 1, 2",
            center, day)
        found: dict[str, dict[str, dict]] = {}
        for r in rows:
            found.setdefault(r["period"], {})[r["type"]] = {"enterprises": r["enterprises"], "cards": r["cards"]}
        return found

    async def cancelled_lines(self, center: str, day: date) -> int:
        return await self.conn.fetchval(
            "SELECT count(*) FROM booking_lines WHERE center = $1 AND day = $2 AND status = 'cancelled'",
            center, day)
