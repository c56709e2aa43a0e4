"""One-use card login challenges."""
from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from identity.domain.card_challenges import CardChallenge

_COLUMNS = "id, card_no, nonce, issued_at, expires_at, used_at"


async def add(conn: asyncpg.Connection, challenge: CardChallenge) -> None:
    await conn.execute(f"INSERT INTO card_challenges ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)",
                       challenge.id, challenge.card_no, challenge.nonce, challenge.issued_at,
                       challenge.expires_at, challenge.used_at)


async def by_id_for_update(conn: asyncpg.Connection, challenge_id: str) -> CardChallenge | None:
    """Row-locked, so two logins racing with one challenge cannot both use it.
    A malformed id is simply an unknown challenge."""
    try:
        key = uuid.UUID(challenge_id)
    except (ValueError, TypeError, AttributeError):
        return None
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM card_challenges WHERE id = $1 FOR UPDATE", key)
    if row is None:
        return None
    return CardChallenge(id=str(row["id"]), card_no=row["card_no"], nonce=row["nonce"],
                         issued_at=row["issued_at"], expires_at=row["expires_at"], used_at=row["used_at"])


async def save(conn: asyncpg.Connection, challenge: CardChallenge) -> None:
    await conn.execute("UPDATE card_challenges SET used_at = $2 WHERE id = $1", challenge.id, challenge.used_at)


async def forget_expired_before(conn: asyncpg.Connection, before: datetime) -> None:
    """Housekeeping: challenges long past their two minutes are of no use to anyone."""
    await conn.execute("DELETE FROM card_challenges WHERE expires_at < $1", before)
