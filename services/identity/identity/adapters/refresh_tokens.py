"""Refresh tokens, stored by hash."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from identity.domain.refresh_tokens import RefreshToken

_COLUMNS = "token_hash, family_id, user_id, issued_at, expires_at, rotated_at, revoked_at, session_started_at"


def _token(row: asyncpg.Record | None) -> RefreshToken | None:
    if row is None:
        return None
    return RefreshToken(token_hash=row["token_hash"], family_id=str(row["family_id"]), user_id=str(row["user_id"]),
                        issued_at=row["issued_at"], expires_at=row["expires_at"],
                        rotated_at=row["rotated_at"], revoked_at=row["revoked_at"],
                        session_started_at=row["session_started_at"])


async def add(conn: asyncpg.Connection, token: RefreshToken) -> None:
    await conn.execute(f"INSERT INTO refresh_tokens ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                       token.token_hash, token.family_id, token.user_id, token.issued_at, token.expires_at,
                       token.rotated_at, token.revoked_at, token.session_started_at)


async def by_hash_for_update(conn: asyncpg.Connection, token_hash: str) -> RefreshToken | None:
    """Row-locked: of two concurrent refreshes with one token, the second sees it rotated."""
    return _token(await conn.fetchrow(f"SELECT {_COLUMNS} FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
                                      token_hash))


async def user_of(conn: asyncpg.Connection, token_hash: str) -> str | None:
    """Whose token this is (no lock): the per-account refresh budget is spent before the rotation."""
    user_id = await conn.fetchval("SELECT user_id FROM refresh_tokens WHERE token_hash = $1", token_hash)
    return str(user_id) if user_id else None


async def save(conn: asyncpg.Connection, token: RefreshToken) -> None:
    await conn.execute("UPDATE refresh_tokens SET rotated_at = $2, revoked_at = $3 WHERE token_hash = $1",
                       token.token_hash, token.rotated_at, token.revoked_at)


async def revoke_family(conn: asyncpg.Connection, family_id: str, at: datetime,
                        user_id: str | None = None) -> int:
    """Revoke every live token of a session; ``user_id`` restricts it to that user's."""
    status = await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL"
        " AND ($3::uuid IS NULL OR user_id = $3::uuid)", family_id, at, user_id)
    return int(status.split()[-1])


async def revoke_all_of_user(conn: asyncpg.Connection, user_id: str, at: datetime) -> int:
    status = await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL", user_id, at)
    return int(status.split()[-1])


async def forget_expired(conn: asyncpg.Connection, user_id: str, before: datetime) -> None:
    """Housekeeping, one user at a time: tokens that expired before ``before`` (kept a while
    after expiry so that replaying a recently expired, rotated token is still detected)."""
    await conn.execute("DELETE FROM refresh_tokens WHERE user_id = $1 AND expires_at < $2", user_id, before)
