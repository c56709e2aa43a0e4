"""Secrets the service makes on first start and every replica shares."""
from __future__ import annotations

import asyncpg


async def get_or_create(conn: asyncpg.Connection, name: str, candidate: str) -> str:
    """Store ``candidate`` unless a value exists; return the stored one. Replicas starting
    together each offer a candidate; the first INSERT wins and all read back the same."""
    await conn.execute("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                       name, candidate)
    return await conn.fetchval("SELECT value FROM server_secrets WHERE name = $1", name)


async def get(conn: asyncpg.Connection, name: str) -> str | None:
    return await conn.fetchval("SELECT value FROM server_secrets WHERE name = $1", name)


async def put(conn: asyncpg.Connection, name: str, value: str) -> None:
    await conn.execute("INSERT INTO server_secrets (name, value) VALUES ($1, $2)"
                       " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value", name, value)
