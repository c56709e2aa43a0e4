"""Hall display tokens (display_tokens): only their sha256 is stored."""
from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from booking.adapters.bookings import as_uuid

TOKEN = "id, center, name, created_by, created_at, expires_at, revoked_at"


class DisplayTokens:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, *, center: str, name: str, token_hash: str, created_by: str, created_at: datetime,
                  expires_at: datetime) -> asyncpg.Record:
        return await self.conn.fetchrow(
            f"INSERT INTO display_tokens (id, center, name, token_hash, created_by, created_at, expires_at)"
            f" VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {TOKEN}",
            uuid.uuid4(), center, name, token_hash, created_by, created_at, expires_at)

    async def live(self, center: str, now: datetime) -> list[asyncpg.Record]:
        """The center's tokens neither revoked nor expired, oldest first."""
        return await self.conn.fetch(
            f"SELECT {TOKEN} FROM display_tokens WHERE center = $1 AND revoked_at IS NULL AND expires_at > $2"
            " ORDER BY created_at, id", center, now)

    async def revoke(self, token_id: str, now: datetime) -> bool:
        key = as_uuid(token_id)
        if key is None:
            return False
        return await self.conn.fetchval(
            "WITH revoked AS (UPDATE display_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1"
            " RETURNING 1) SELECT count(*) > 0 FROM revoked", key, now)

    async def by_hash(self, token_hash: str, now: datetime) -> asyncpg.Record | None:
        return await self.conn.fetchrow(
            f"SELECT {TOKEN} FROM display_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
            token_hash, now)
