"""Booking's copy of the agents identity registered."""
from __future__ import annotations

from datetime import datetime

import asyncpg


class Agents:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def save(self, *, id: str, username: str, name: str, phone: str, registered_at: datetime,
                   now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO agents (id, username, name, phone, registered_at, updated_at)"
            " VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, name = EXCLUDED.name,"
            "  phone = EXCLUDED.phone, registered_at = EXCLUDED.registered_at, updated_at = EXCLUDED.updated_at",
            id, username, name, phone, registered_at, now)

    async def phone_of(self, agent_id: str) -> str | None:
        return await self.conn.fetchval("SELECT phone FROM agents WHERE id = $1", agent_id)
