"""Failed logins per login identifier, for the lockout decision."""
from __future__ import annotations

from datetime import datetime

import asyncpg


async def since(conn: asyncpg.Connection, login_key: str, moment: datetime) -> list[datetime]:
    rows = await conn.fetch("SELECT failed_at FROM login_failures WHERE login_key = $1 AND failed_at > $2",
                            login_key, moment)
    return [r["failed_at"] for r in rows]


async def record(conn: asyncpg.Connection, login_key: str, at: datetime) -> None:
    await conn.execute("INSERT INTO login_failures (login_key, failed_at) VALUES ($1, $2)", login_key, at)


async def clear(conn: asyncpg.Connection, login_key: str) -> None:
    await conn.execute("DELETE FROM login_failures WHERE login_key = $1", login_key)


async def forget_before(conn: asyncpg.Connection, login_key: str, before: datetime) -> None:
    await conn.execute("DELETE FROM login_failures WHERE login_key = $1 AND failed_at < $2", login_key, before)
