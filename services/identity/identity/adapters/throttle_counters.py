"""Fixed-window request counters (domain/throttles.py), one atomic UPSERT per window."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import asyncpg

from identity.domain.throttles import Limit

# Old windows are deleted now and then by whichever request comes (no job to run).
CLEANUP_ODDS = 0.01
KEEP = timedelta(days=1)


async def hit(conn: asyncpg.Connection, budget: str, key: str, limit: Limit, now: datetime) -> int:
    """Count one request in the current window; returns the window's count, this one included."""
    return await conn.fetchval(
        "INSERT INTO throttle_counters (budget, key, span_seconds, window_start, hits) VALUES ($1, $2, $3, $4, 1)"
        " ON CONFLICT (budget, key, span_seconds, window_start)"
        " DO UPDATE SET hits = throttle_counters.hits + 1 RETURNING hits",
        budget, key, int(limit.span.total_seconds()), limit.window_start(now))


async def maybe_forget_old(conn: asyncpg.Connection, now: datetime) -> None:
    if random.random() < CLEANUP_ODDS:
        await conn.execute("DELETE FROM throttle_counters WHERE window_start < $1", now - KEEP)
