"""Failed logins per (login identifier, client address), for the lockout decisions."""
from __future__ import annotations

from datetime import datetime

import asyncpg


async def since(conn: asyncpg.Connection, login_key: str, moment: datetime,
                client_key: str | None = None) -> list[datetime]:
    """Failures of the identifier after ``moment``: from one address, or (None) from all."""
    rows = await conn.fetch("SELECT failed_at FROM login_failures WHERE login_key = $1 AND failed_at > $2"
                            " AND ($3::text IS NULL OR client_key = $3)", login_key, moment, client_key)
    return [r["failed_at"] for r in rows]


async def record(conn: asyncpg.Connection, login_key: str, at: datetime, client_key: str = "") -> None:
    await conn.execute("INSERT INTO login_failures (login_key, failed_at, client_key) VALUES ($1, $2, $3)",
                       login_key, at, client_key)


async def clear(conn: asyncpg.Connection, login_key: str, client_key: str | None = None) -> None:
    """Forget the identifier's failures: from one address, or (None) from all (a reset)."""
    await conn.execute("DELETE FROM login_failures WHERE login_key = $1 AND ($2::text IS NULL OR client_key = $2)",
                       login_key, client_key)


async def forget_before(conn: asyncpg.Connection, login_key: str, before: datetime) -> None:
    await conn.execute("DELETE FROM login_failures WHERE login_key = $1 AND failed_at < $2", login_key, before)


async def remember_address(conn: asyncpg.Connection, login_key: str, client_key: str, at: datetime) -> None:
    """The identifier logged in from this address: it skips the global slowdown from now on."""
    await conn.execute(
        "INSERT INTO login_known_addresses (login_key, client_key, last_login_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (login_key, client_key) DO UPDATE SET last_login_at = EXCLUDED.last_login_at",
        login_key, client_key, at)


async def is_known_address(conn: asyncpg.Connection, login_key: str, client_key: str, since_: datetime) -> bool:
    return await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM login_known_addresses WHERE login_key = $1 AND client_key = $2"
        " AND last_login_at > $3)", login_key, client_key, since_)
