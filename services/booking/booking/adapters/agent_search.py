"""Administrators' search over the agents booking knows, with their rights counters."""
from __future__ import annotations

import asyncpg

_COLUMNS = ("a.id, a.username, a.name, a.phone, a.registered_at, r.no_shows, r.cancellations,"
            " r.suspended_until, r.reason")


async def search(conn: asyncpg.Connection, *, username_prefix: str | None, phone: str | None,
                 phone_suffix: str | None, after: tuple[str, str] | None, limit: int) -> list[asyncpg.Record]:
    """Agents whose username starts with ``username_prefix`` (any case), or whose phone is
    ``phone`` or ends with ``phone_suffix``; ordered by username, then id, after ``after``."""
    return await conn.fetch(
        f"SELECT {_COLUMNS} FROM agents a LEFT JOIN booking_rights r ON r.agent_id = a.id"
        " WHERE (($1::text IS NOT NULL AND lower(a.username) LIKE $1 || '%')"
        "   OR ($2::text IS NOT NULL AND a.phone = $2)"
        "   OR ($3::text IS NOT NULL AND a.phone LIKE '%' || $3))"
        "  AND ($4::text IS NULL OR (lower(coalesce(a.username, '')), a.id) > ($4, $5))"
        " ORDER BY lower(coalesce(a.username, '')), a.id LIMIT $6",
        username_prefix, phone, phone_suffix, after[0] if after else None, after[1] if after else None, limit)


async def one(conn: asyncpg.Connection, agent_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT id, username, name, phone, registered_at FROM agents WHERE id = $1", agent_id)
