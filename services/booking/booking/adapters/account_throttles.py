"""The per-account throttles' counters (service/account_throttle.py): one fixed window per
account and action, counted by an upsert that also drops the account's past windows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Hit:
    """One request to count: the action and the window it falls in."""
    action: str
    window_start: datetime


def hit_ctes(agent_id: str, action: str, window_start: str) -> str:
    """``gone`` drops this account's past windows for the action, then ``hit`` counts this
    request (RETURNING hits: the window's count with it), over the given placeholders;
    also the first of the booking's checks (adapters/booking_checks.py). ``hit`` reads
    ``gone`` so that the past rows are locked before the current one, whatever the
    statement around it does next (a key's claim: one lock order everywhere)."""
    return (f"gone AS (DELETE FROM account_throttles WHERE agent_id = {agent_id}::text"
            f"  AND action = {action}::text AND window_start < {window_start}::timestamptz RETURNING 1),"
            " hit AS (INSERT INTO account_throttles (agent_id, action, window_start, hits)"
            f"  SELECT {agent_id}::text, {action}::text, {window_start}::timestamptz, 1"
            "  FROM (SELECT count(*) FROM gone) AS past"
            "  ON CONFLICT (agent_id, action, window_start) DO UPDATE SET hits = account_throttles.hits + 1"
            "  RETURNING hits)")


_HIT = f"WITH {hit_ctes('$1', '$2', '$3')} SELECT hits FROM hit"


async def count_hit(conn: asyncpg.Connection, agent_id: str, hit: Hit) -> int:
    """Count one request on its own; the window's count with it."""
    return int(await conn.fetchval(_HIT, agent_id, hit.action, hit.window_start))
