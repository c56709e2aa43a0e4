"""Background worker: the backlog gauges, read from the database every few seconds.

The backlog is the messages table, not this process's memory nor the queue (acknowledged
as soon as the row is written): every replica reports the same figures, and the autoscaler
and the alerts read them from any of them."""
from __future__ import annotations

from typing import TYPE_CHECKING

from shared.app import Runtime
from shared.db import TRANSIENT_DB_ERRORS
from shared.logging import get_logger
from shared.ticker import Ticker

from notifier.adapters import message_store as store
from notifier.metrics import NotifierMetrics

if TYPE_CHECKING:   # the context holds the gauges
    from notifier.service.context import NotifierContext

log = get_logger(__name__)


async def refresh_backlog(rt: Runtime, metrics: NotifierMetrics) -> tuple[int, float]:
    async with rt.db.connection() as conn:
        pending, oldest_age = await store.backlog(conn, now=rt.clock.now())
    metrics.pending.set(pending)
    metrics.oldest_pending_age.set(oldest_age)
    return pending, oldest_age


class BacklogGauges:
    """``refresh_backlog`` on the shared background loop, every ``backlog_refresh_seconds``."""

    def __init__(self, ctx: NotifierContext) -> None:
        self.ctx = ctx
        self._ticker = Ticker("sms-backlog-gauges", self._pass, ctx.settings.backlog_refresh_seconds,
                              stop_timeout=2.0)

    def start(self) -> None:
        self._ticker.start()

    async def stop(self) -> None:
        await self._ticker.stop()

    async def _pass(self) -> None:
        try:
            await refresh_backlog(self.ctx.runtime, self.ctx.metrics)
        except TRANSIENT_DB_ERRORS as exc:
            # The last figures stay; the database alerts say why.
            log.warning("sms_backlog_read_failed", error=type(exc).__name__)
