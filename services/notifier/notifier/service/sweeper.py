"""Use case and background worker: find the messages nobody is sending and send them.

Due are: retry rows past ``next_attempt_at``, pending rows past their grace (their process
had no free permit - the backlog of a burst - or crashed after the commit), and sending
rows whose lease expired (a crash mid-call: sent again with the same ref, which the
provider drops if it already has it). ``FOR UPDATE SKIP LOCKED`` shares the sweep among
replicas; each takes only as many rows as it has room for (``Sender.take_room``: twice
its in-flight bound, the calls under way included) and the shared rate has
slots within its horizon (``RateSlot.horizon``): what it cannot start soon stays pending,
for any replica - one started by the autoscaler included - to take."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from shared.app import Runtime
from shared.db import TRANSIENT_DB_ERRORS
from shared.logging import get_logger
from shared.ticker import Ticker
from shared.unit_of_work import UnitOfWork

from notifier.adapters import message_store as store
from notifier.adapters.message_store import ClaimedMessage
from notifier.settings import NotifierSettings
from notifier.service.outcome_events import add_failed
from notifier.service.sender import Sender

if TYPE_CHECKING:   # the context holds the sweeper
    from notifier.service.context import NotifierContext

log = get_logger(__name__)


async def sweep_once(rt: Runtime, sender: Sender, settings: NotifierSettings) -> int:
    """Claim as many due messages (oldest first) as this process has room for
    (``Sender.take_room``) and start sending them; return how many were claimed."""
    if sender.closing:
        return 0
    taken = await sender.take_room(sender.claims.limit)
    if not taken:
        return 0
    claimed: list[ClaimedMessage] = []
    wait = 0.0
    try:
        assert sender.provider is not None
        now = rt.clock.now()
        async with rt.db.connection() as conn:
            claimed, wait = await store.claim_due(
                conn, now=now, lease_until=now + timedelta(seconds=settings.lease_seconds), limit=taken,
                max_attempts=settings.retry_max_attempts, provider=sender.provider.name, sender=sender.name,
                rate=sender.rate, clock_offset=sender.clock_offset)
    finally:
        sender.give_back_room(taken - len(claimed))
    if claimed:
        log.debug("sms_swept", count=len(claimed))
    sender.dispatch(claimed, first_wait=wait)
    return len(claimed)


async def fail_abandoned(rt: Runtime, settings: NotifierSettings) -> int:
    """Messages whose last allowed attempt was cut off (lease expired): no answer will
    come, so they fail - and booking hears it - in one transaction."""
    async with UnitOfWork(rt.db, rt.clock, settings.service_name) as uow:
        gone = await store.fail_expired_exhausted(uow.conn, now=uow.now, max_attempts=settings.retry_max_attempts,
                                                  limit=100)
        for msg in gone:
            add_failed(uow, msg, reason="no answer to the last attempt")
    return len(gone)


class Sweeper:
    """The sweep on the shared background loop: every ``sweep_interval_seconds``, at once
    again while there is a backlog or sends of ours under way."""

    def __init__(self, ctx: NotifierContext) -> None:
        self.ctx = ctx
        self._last_expiry: float | None = None
        self._ticker = Ticker("sms-sweeper", self._pass, ctx.settings.sweep_interval_seconds, stop_timeout=5.0)

    def start(self) -> None:
        self._ticker.start()

    async def stop(self, timeout: float = 5.0) -> None:
        await self._ticker.stop(timeout)

    async def _pass(self) -> bool:
        ctx, sender, interval = self.ctx, self.ctx.sender, self.ctx.settings.sweep_interval_seconds
        claimed = 0
        try:
            claimed = await sweep_once(ctx.runtime, sender, ctx.settings)
            now = asyncio.get_running_loop().time()
            if self._last_expiry is None or now - self._last_expiry >= interval:
                self._last_expiry = now
                await fail_abandoned(ctx.runtime, ctx.settings)
        except TRANSIENT_DB_ERRORS as exc:
            log.warning("sms_sweep_failed", error=type(exc).__name__)
        except Exception:
            log.exception("sms_sweep_crashed")
        if claimed or sender.claims.used:
            # A backlog, or sends of ours under way (they may be what fills the rate's
            # horizon): look again as soon as a send ends and frees its claim.
            await sender.claims.wait_freed(interval)
            return True
        return False
