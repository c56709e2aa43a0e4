"""The provider's rate limit, shared by every notifier process through one PostgreSQL row.

Each call takes the next free slot atomically (``next_slot = greatest(next_slot, now) +
1/rate``) and sleeps until its slot: calls leave the fleet evenly spaced, at most ``rate``
per second whatever the number of replicas, with no polling and no lost wake-ups. The time
is the database's (``clock_timestamp()``): one clock for all replicas, and a test moving
one service's clock cannot stall the others.

The sender takes its slots inside the statement that claims the messages
(``message_store.claim`` / ``claim_due``, on the ``provider_rate`` row): one round trip per
batch. This class holds the slot's figures and makes sure the row exists.
"""
from __future__ import annotations

from shared.db import Database

from notifier.adapters.message_store import RateSlot


class SharedRateLimiter:
    def __init__(self, db: Database, key: str, per_second: float, horizon: float = 1.0) -> None:
        self.db = db
        self.key = key
        self.spacing = 1.0 / per_second if per_second > 0 else 0.0
        self.horizon = horizon

    @property
    def slot(self) -> RateSlot:
        return RateSlot(self.key, self.spacing, self.horizon)

    async def ensure_row(self) -> None:
        """The rate row, before the first claim: claims lock it to count the slots left
        within the horizon (no row, nothing to lock)."""
        if self.spacing:
            async with self.db.connection() as conn:
                await conn.execute("INSERT INTO provider_rate (provider, next_slot) VALUES ($1, clock_timestamp())"
                                   " ON CONFLICT (provider) DO NOTHING", self.key)
