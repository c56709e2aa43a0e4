"""A statement's work undone on a refusal, inside a transaction that goes on (the
Idempotency-Key's claim survives a refused booking)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg


@asynccontextmanager
async def undone_on(conn: asyncpg.Connection, *refusals: type[BaseException],
                    name: str = "booking_write") -> AsyncIterator[None]:
    """Outside a transaction the statement is its own: nothing to undo. Inside one, a
    savepoint the refusals roll back to (then re-raised)."""
    if not conn.is_in_transaction():
        yield
        return
    await conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except refusals:
        await conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
        raise
    # Not released: COMMIT ends it, one round trip fewer.
