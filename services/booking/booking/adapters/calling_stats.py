"""叫号 figures of a center's day, per desk: calls, completions, skips, waiting time
(check-in to first call) and service time (first call to completion)."""
from __future__ import annotations

from datetime import date

import asyncpg


class CallingStats:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def counts(self, center: str, day: date) -> dict[int, dict]:
        rows = await self.conn.fetch(
            "SELECT desk, count(*) FILTER (WHERE kind = 'call') AS calls,"
            "  count(*) FILTER (WHERE outcome = 'completed') AS completed,"
            "  count(*) FILTER (WHERE kind = 'skip') AS skipped"
            " FROM booking_calls WHERE center = $1 AND day = $2 GROUP BY desk", center, day)
        return {r["desk"]: dict(r) for r in rows}

    async def times(self, center: str, day: date) -> dict[int, dict]:
        """Per desk of the first call: the bookings' waiting and service seconds."""
        rows = await self.conn.fetch(
            "WITH firsts AS (SELECT DISTINCT ON (booking_id) booking_id, desk, at FROM booking_calls"
            "   WHERE center = $1 AND day = $2 AND kind = 'call' ORDER BY booking_id, seq),"
            " done AS (SELECT booking_id, closed_at FROM booking_calls"
            "   WHERE center = $1 AND day = $2 AND outcome = 'completed'),"
            " waits AS (SELECT f.desk, extract(epoch FROM f.at - b.checked_in_at)::float8 AS waited,"
            "   extract(epoch FROM d.closed_at - f.at)::float8 AS served"
            "   FROM firsts f JOIN bookings b ON b.id = f.booking_id LEFT JOIN done d ON d.booking_id = f.booking_id)"
            " SELECT desk, avg(waited) AS waiting_avg,"
            "  percentile_cont(0.9) WITHIN GROUP (ORDER BY waited) AS waiting_p90, avg(served) AS service_avg"
            " FROM waits GROUP BY desk", center, day)
        return {r["desk"]: dict(r) for r in rows}
