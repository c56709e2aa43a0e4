"""Use case: send one claimed message - the only place that calls the provider.

Order of a send: claim (status 'sending' under a lease, attempts + 1) -> wait for a slot of
the shared rate limit -> record the attempt while the claim still holds (renews the lease)
-> call the provider with ref = message id -> in one transaction, the outcome (delivered,
retry at a backoff, failed) and its notification event. A crash anywhere leaves a row a
sweeper picks up again: pending (never claimed) or sending (lease expired: same ref)."""
from __future__ import annotations

import asyncio
import os
import socket
import uuid
from datetime import timedelta

from shared.app import Runtime
from shared.logging import get_logger

from ..adapters import message_store as store
from ..adapters.message_store import ClaimedMessage
from ..adapters.rate_limiter import SharedRateLimiter
from ..adapters.sms_provider import SendError, SendResult, SmsProvider
from ..domain.masking import mask_phone
from ..domain.message_status import DELIVERED, FAILED, RETRY, text_to_keep
from ..domain.retry_policy import Decision, Outcome, RetryPolicy
from ..metrics import NotifierMetrics
from ..settings import NotifierSettings
from .in_flight import InFlight
from .outcome_events import add_delivered, add_failed

log = get_logger(__name__)


class Sender:
    def __init__(self, runtime: Runtime, settings: NotifierSettings, metrics: NotifierMetrics) -> None:
        self.rt = runtime
        self.settings = settings
        self.metrics = metrics
        self.policy = RetryPolicy(base=settings.retry_base_seconds, cap=settings.retry_cap_seconds,
                                  max_attempts=settings.retry_max_attempts)
        self.in_flight = InFlight(settings.max_in_flight, on_change=metrics.in_flight.set)
        self.lease = timedelta(seconds=settings.lease_seconds)
        # Recorded with every attempt: which replica made the call.
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.provider: SmsProvider | None = None
        self.limiter: SharedRateLimiter | None = None
        self._ready = asyncio.Event()
        self._closing = False
        self._tasks: set[asyncio.Task] = set()

    def start(self, provider: SmsProvider, limiter: SharedRateLimiter) -> None:
        self.provider, self.limiter = provider, limiter
        self._ready.set()

    @property
    def closing(self) -> bool:
        return self._closing

    @property
    def busy(self) -> bool:
        return self.in_flight.used >= self.in_flight.limit

    async def close(self, timeout: float) -> None:
        """Claim nothing more; let the sends in hand finish (a send cut off is resent by a
        sweeper with the same ref once its lease expires)."""
        self._closing = True
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    # --- entry points ---------------------------------------------------------------
    async def send(self, message_id: uuid.UUID) -> None:
        """After the consumer's commit: send the message just recorded, if a permit is free
        now. Otherwise it stays pending in the table - the queue every replica's sweeper
        shares, oldest first - rather than in this process's memory: a burst is spread over
        all replicas, including ones started after it was consumed."""
        await self._ready.wait()
        if self._closing or not await self.in_flight.take_free(1):
            return
        try:
            now = self.rt.clock.now()
            async with self.rt.db.connection() as conn:
                msg = await store.claim(conn, message_id, now=now, lease_until=now + self.lease)
            if msg is None:
                return   # a sweeper was quicker, or it is final
            await self._attempt(msg)
        finally:
            self.in_flight.release()

    def dispatch(self, claimed: list[ClaimedMessage]) -> None:
        """For the sweeper: messages it claimed, each holding one in-flight permit."""
        for msg in claimed:
            task = asyncio.create_task(self._attempt_and_release(msg), name=f"sms-{msg.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _attempt_and_release(self, msg: ClaimedMessage) -> None:
        try:
            await self._attempt(msg)
        except Exception as exc:  # the row stays 'sending': its lease expires, a sweeper retries
            log.warning("sms_attempt_crashed", message_id=str(msg.id), error=type(exc).__name__)
        finally:
            self.in_flight.release()

    # --- one attempt ----------------------------------------------------------------
    async def _attempt(self, msg: ClaimedMessage) -> None:
        assert self.provider is not None and self.limiter is not None
        await self.limiter.wait_turn()
        now = self.rt.clock.now()
        async with self.rt.db.connection() as conn:
            ours = await store.begin_attempt(conn, msg, now=now, lease_until=now + self.lease,
                                             provider=self.provider.name, sender=self.name)
        if not ours:
            log.info("sms_claim_lost", message_id=str(msg.id), attempt=msg.attempt)
            return
        result: SendResult | None = None
        status_code: int | None = None
        retry_after: float | None = None
        reason: str | None = None
        try:
            result = await self.provider.send(msg.phone, msg.body, str(msg.id))
            outcome = Outcome.DELIVERED
        except SendError as exc:
            outcome = Outcome.RETRY if exc.retryable else Outcome.FAILED
            reason, status_code = exc.reason, exc.status
            retry_after = getattr(exc, "retry_after", None)
        except Exception as exc:  # an unexpected provider error: a retry may still succeed
            outcome, reason = Outcome.RETRY, f"error: {type(exc).__name__}"
        decision = self.policy.decide(msg.attempt, outcome, retry_after=retry_after)
        await self._record(msg, decision, result=result, reason=reason, status_code=status_code)

    async def _record(self, msg: ClaimedMessage, decision: Decision, *, result: SendResult | None,
                      reason: str | None, status_code: int | None) -> None:
        now = self.rt.clock.now()
        body = text_to_keep(msg.body, sensitive=msg.sensitive, final=decision.final)
        producer = self.settings.service_name
        async with self.rt.db.transaction() as conn:
            if decision.outcome is Outcome.DELIVERED:
                provider_id = result.provider_id if result else None
                kept = await store.finish(conn, msg, status=DELIVERED, now=now, body=body,
                                          provider_id=provider_id, status_code=status_code)
                if kept:
                    await add_delivered(conn, msg, at=now, provider_id=provider_id, producer=producer)
            elif decision.outcome is Outcome.RETRY:
                kept = await store.finish(conn, msg, status=RETRY, now=now, body=body, reason=reason,
                                          status_code=status_code,
                                          next_attempt_at=now + timedelta(seconds=decision.delay or 0))
            else:
                why = reason or "failed"
                if decision.reason == "exhausted":
                    why = f"{why} (gave up after {msg.attempt} attempts)"
                kept = await store.finish(conn, msg, status=FAILED, now=now, body=body, reason=why,
                                          status_code=status_code)
                if kept:
                    await add_failed(conn, msg, at=now, reason=why, producer=producer)
        self.metrics.attempts.labels(decision.outcome.value).inc()
        log.info("sms_attempt", message_id=str(msg.id), template=msg.template, phone=mask_phone(msg.phone),
                 attempt=msg.attempt, outcome=decision.outcome.value, reason=reason, recorded=kept)
