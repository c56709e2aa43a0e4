"""Transaction-scoped advisory locks: serialize work on one key (a phone, an IP, a login)
across every replica, without a row to lock."""
from __future__ import annotations

import hashlib

import asyncpg


def lock_id(namespace: str, key: str) -> int:
    """A stable signed 64-bit id for (namespace, key); hashtext() would give only 32 bits."""
    digest = hashlib.sha256(f"identity:{namespace}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def lock_for_transaction(conn: asyncpg.Connection, namespace: str, key: str) -> None:
    """Held until the caller's transaction ends (commit or rollback)."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", lock_id(namespace, key))
