"""Background worker: the backlog gauges, read from the database every few seconds.

The backlog is the messages table, not this process's memory nor the queue (acknowledged
as soon as the row is written): every replica reports the same figures, and the autoscaler
and the alerts read them from any of them."""
from __future__ import annotations

import asyncio
import contextlib

import asyncpg

from shared.app import Runtime
from shared.logging import get_logger

from ..adapters import message_store as store
from ..metrics import NotifierMetrics

log = get_logger(__name__)


async def refresh_backlog(rt: Runtime, metrics: NotifierMetrics) -> tuple[int, float]:
    async with rt.db.connection() as conn:
        pending, oldest_age = await store.backlog(conn, now=rt.clock.now())
    metrics.pending.set(pending)
    metrics.oldest_pending_age.set(oldest_age)
    return pending, oldest_age


class BacklogGauges:
    def __init__(self, rt: Runtime, metrics: NotifierMetrics, interval: float) -> None:
        self.rt = rt
        self.metrics = metrics
        self.interval = interval
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sms-backlog-gauges")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await refresh_backlog(self.rt, self.metrics)
            except (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # The last figures stay; the database alerts say why.
                log.warning("sms_backlog_read_failed", error=type(exc).__name__)
            await asyncio.sleep(self.interval)
