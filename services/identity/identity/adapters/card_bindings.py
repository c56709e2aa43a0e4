"""Cards bound to users, with their public keys."""
from __future__ import annotations

import asyncpg

from identity.domain.card_keys import load_card_key
from identity.domain.cards import CardBinding
from identity.domain.errors import CardAlreadyBound

_COLUMNS = "card_no, user_id, algorithm, public_key, fingerprint, bound_at"


def _binding(row: asyncpg.Record | None) -> CardBinding | None:
    if row is None:
        return None
    # The stored PEM is the canonical one load_card_key made: loading it again is exact.
    return CardBinding(card_no=row["card_no"], user_id=str(row["user_id"]),
                       key=load_card_key(row["public_key"]), bound_at=row["bound_at"])


async def add(conn: asyncpg.Connection, binding: CardBinding) -> None:
    try:
        await conn.execute(f"INSERT INTO card_bindings ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)",
                           binding.card_no, binding.user_id, binding.key.algorithm.value, binding.key.pem,
                           binding.key.fingerprint, binding.bound_at)
    except asyncpg.UniqueViolationError:
        raise CardAlreadyBound() from None


async def by_card_no(conn: asyncpg.Connection, card_no: str) -> CardBinding | None:
    return _binding(await conn.fetchrow(f"SELECT {_COLUMNS} FROM card_bindings WHERE card_no = $1", card_no))


async def of_user(conn: asyncpg.Connection, user_id: str) -> list[CardBinding]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM card_bindings WHERE user_id = $1 ORDER BY bound_at, card_no",
                            user_id)
    return [b for r in rows if (b := _binding(r)) is not None]


async def remove(conn: asyncpg.Connection, card_no: str, user_id: str) -> bool:
    status = await conn.execute("DELETE FROM card_bindings WHERE card_no = $1 AND user_id = $2", card_no, user_id)
    return status.endswith(" 1")


async def remove_all_of_user(conn: asyncpg.Connection, user_id: str) -> int:
    status = await conn.execute("DELETE FROM card_bindings WHERE user_id = $1", user_id)
    return int(status.split()[-1])
