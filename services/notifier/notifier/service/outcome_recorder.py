"""Storing the sends' outcomes: the ones that end within ``outcome_batch_wait_ms`` of each
other (up to ``outcome_batch_size``) go in one statement, one commit and one wake-up of the
relay for many SMS instead of one each (issue 20: at a cutoff's 5,000 allocation SMS this
was the notifier's one statement per message). A lone outcome, or a batch that fails, is
stored one at a time as before, so one bad row costs only itself."""
from __future__ import annotations

from collections.abc import Sequence

from shared.db import Database
from shared.gatherer import ALONE, Gatherer

from notifier.adapters import message_store as store
from notifier.adapters.message_store import Finish


class OutcomeRecorder:
    def __init__(self, db: Database, *, size: int, wait_seconds: float) -> None:
        self.db = db
        self._gatherer: Gatherer[Finish] | None = (
            Gatherer(size, wait_seconds, self._store_batch, name="sms-outcomes") if size > 1 else None)

    async def record(self, outcome: Finish) -> bool:
        """Stored; False when the claim was lost (another process records its own)."""
        if self._gatherer is not None:
            kept = await self._gatherer.submit(outcome)
            if kept is not ALONE:
                return bool(kept)
        async with self.db.connection() as conn:
            return await store.finish_one(conn, outcome)

    async def _store_batch(self, outcomes: Sequence[Finish]) -> list[bool]:
        async with self.db.connection() as conn:
            kept = await store.finish_many(conn, list(outcomes))
        return [f.msg.id in kept for f in outcomes]
