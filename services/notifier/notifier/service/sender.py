"""Use case: send one claimed message - the only place that calls the provider.

Order of a send: one statement claims the message (with the others a consumer batch
stored, or a sweep's: ``send_many``, ``dispatch``) (status 'sending' under a lease,
attempts + 1), records the attempt (the provider's ref is the message id) and takes a slot
of the shared rate limit -> wait for the slot (a long one stretches the lease over it
first, if the claim still holds) -> take an in-flight permit -> call the provider with
ref = message id -> release the permit -> one statement records the outcome (delivered,
retry at a backoff, failed) with its notification event in the outbox. A crash anywhere
leaves a row a sweeper picks up again: pending (never claimed) or sending (lease expired:
same ref, the unanswered attempt marked lost).

Two bounds: the in-flight permits (NOTIFIER_MAX_IN_FLIGHT) count provider calls; the
claims count the messages held (claimed, outcome not stored), at most twice as many.
Without a shared rate, the messages claimed beyond the calls under way wait for a permit:
a call that ends is followed at once by the next one, not by a claim's round trip and the
sweeper's reaction. With a shared rate, each claim takes its permit before the claim (as
its slot is its call's time, it must not then wait for a permit past it)."""
from __future__ import annotations

import asyncio
import functools
import os
import socket
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from shared.logging import get_logger, mask_phone
from shared.ticker import Ticker
from shared import tracing
from shared.outbox import OutboxRow

from notifier.adapters import message_store as store
from notifier.adapters.message_store import ClaimedMessage, Finish, RateSlot
from notifier.adapters.rate_limiter import SharedRateLimiter
from notifier.adapters.sms_provider import SendError, SendResult, SmsProvider
from notifier.domain.message_status import DELIVERED, FAILED, RETRY, text_to_keep
from notifier.domain.retry_policy import Decision, Outcome, RetryPolicy
from notifier.service.in_flight import InFlight
from notifier.service.outcome_events import delivered_event, failed_event
from notifier.service.outcome_recorder import OutcomeRecorder

if TYPE_CHECKING:   # the context holds the sender
    from notifier.service.context import NotifierContext

log = get_logger(__name__)
# How long the messages stored by consumer batches are gathered before one claim.
GATHER_SECONDS = 0.002


class Sender:
    def __init__(self, ctx: NotifierContext) -> None:
        self.ctx = ctx
        self.rt = ctx.runtime
        self.settings = settings = ctx.settings
        self.metrics = metrics = ctx.metrics
        self.policy = RetryPolicy(base=settings.retry_base_seconds, cap=settings.retry_cap_seconds,
                                  max_attempts=settings.retry_max_attempts)
        # Provider calls under way: a permit is taken right before the call (with a shared
        # rate: with the claim) and given back as soon as the provider answered.
        self.in_flight = InFlight(settings.max_in_flight, on_change=metrics.in_flight.set)
        # Messages held (claimed, outcome not stored yet): the calls, the outcomes being
        # stored and the messages claimed ahead of a free permit. Twice MAX_IN_FLIGHT, so the
        # calls a crash would make again (same ref) stay within twice MAX_IN_FLIGHT as before.
        self.claims = InFlight(2 * settings.max_in_flight)
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.outcomes: OutcomeRecorder | None = None   # at start: the pool is opened by then
        # A slot further off than this: the lease taken at the claim might not cover the call.
        self.renew_after = (settings.lease_seconds - settings.provider_timeout_seconds) / 2
        # Recorded with every attempt: which replica made the call.
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.provider: SmsProvider | None = None
        self.limiter: SharedRateLimiter | None = None
        self._ready = asyncio.Event()
        self._closing = False
        self._tasks: set[asyncio.Task] = set()
        # Messages a consumer batch just stored, claimed together (``send_soon``).
        self._to_claim: list[uuid.UUID] = []
        # The messages this process holds (claimed, outcome not stored yet): their leases
        # are kept while it lives, so no sweeper takes a message its live sender is still
        # waiting for, calling or storing - however long a starved pool or a loaded
        # machine makes that. A process that dies stops keeping them: they lapse, and a
        # sweeper sends them again with the same ref.
        self._held: dict[uuid.UUID, ClaimedMessage] = {}
        self._keeper = Ticker("sms-lease-keeper", self._keep_leases, settings.lease_seconds / 3,
                              stop_timeout=2.0)

    def start(self, provider: SmsProvider, limiter: SharedRateLimiter) -> None:
        self.provider, self.limiter = provider, limiter
        self.outcomes = OutcomeRecorder(self.rt.db, size=self.settings.outcome_batch_size,
                                        wait_seconds=self.settings.outcome_batch_wait_ms / 1000)
        self._keeper.start()
        self._ready.set()

    @property
    def closing(self) -> bool:
        return self._closing

    async def close(self, timeout: float) -> None:
        """Claim nothing more; let the sends in hand finish (a send cut off is resent by a
        sweeper with the same ref once its lease expires)."""
        self._closing = True
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)
        await self.stop_keeping()

    async def stop_keeping(self) -> None:
        """The leases of sends still in hand lapse from now (a sweeper resends them)."""
        await self._keeper.stop()

    async def _keep_leases(self) -> None:
        held = list(self._held.values())
        if held:
            async with self.rt.db.connection() as conn:
                await store.keep_leases(conn, held, seconds=self.settings.lease_seconds,
                                        clock_offset=self.clock_offset)

    # --- entry points ---------------------------------------------------------------
    def send_soon(self, message_id: uuid.UUID) -> None:
        """After the consumer's commit: send the message just recorded. The after-commit jobs
        of a consumer batch run within a few turns of the loop (each acks first); gathered
        for ``GATHER_SECONDS``, they are claimed in one statement (``send_many``) instead of
        one claim, one commit and one turn of the shared rate row's lock each."""
        if not self._to_claim:
            asyncio.get_running_loop().call_later(GATHER_SECONDS, self._claim_gathered)
        self._to_claim.append(message_id)

    def _claim_gathered(self) -> None:
        ids, self._to_claim = self._to_claim, []
        task = asyncio.create_task(self._send_many_logged(ids), name="sms-claim")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_many_logged(self, ids: list[uuid.UUID]) -> None:
        try:
            await self.send_many(ids)
        except Exception as exc:   # they stay pending: a sweeper sends them
            log.warning("sms_claim_failed", count=len(ids), error=type(exc).__name__)

    async def send_many(self, ids: list[uuid.UUID]) -> None:
        """Claim as many of ``ids`` as there is room for (``take_room``) and within the rate's
        horizon, in one statement, and start sending them, as the sweeper does. The rest
        stay pending in the table - the queue every replica's sweeper shares, oldest first -
        rather than in this process's memory: a burst is spread over all replicas,
        including ones started after it was consumed, and the backlog gauges count it."""
        await self._ready.wait()
        if self._closing:
            return
        taken = await self.take_room(len(ids))
        if not taken:
            return
        claimed: list[ClaimedMessage] = []
        wait = 0.0
        try:
            assert self.provider is not None
            now = self.rt.clock.now()
            async with self.rt.db.connection() as conn:
                claimed, wait = await store.claim_ids(
                    conn, ids, now=now, lease_until=now + self.lease, limit=taken, provider=self.provider.name,
                    sender=self.name, rate=self.rate, clock_offset=self.clock_offset)
        finally:
            self.give_back_room(taken - len(claimed))
        self.dispatch(claimed, first_wait=wait)

    @property
    def clock_offset(self) -> float:
        """Seconds from real time to the service clock: leases count on the service clock."""
        return self.rt.clock.offset.total_seconds()

    @property
    def rate(self) -> RateSlot:
        assert self.limiter is not None
        return self.limiter.slot

    @property
    def permit_with_claim(self) -> bool:
        """With a shared rate the claim takes the call's slot: its permit is taken with it."""
        return self.rate.spacing > 0

    async def take_room(self, most: int) -> int:
        """Room for up to ``most`` claims, taken without waiting: a claim each and, with a
        shared rate, a permit each too."""
        n = await self.claims.take_free(most)
        if n and self.permit_with_claim:
            permits = await self.in_flight.take_free(n)
            self.claims.release(n - permits)
            n = permits
        return n

    def give_back_room(self, n: int) -> None:
        """Room from ``take_room`` that no claim used."""
        self.claims.release(n)
        if self.permit_with_claim:
            self.in_flight.release(n)

    def _hold(self) -> "Hold":
        return Hold(self.claims, self.in_flight, with_permit=self.permit_with_claim)

    def dispatch(self, claimed: list[ClaimedMessage], first_wait: float = 0.0) -> None:
        """For the sweeper: messages it claimed (attempts recorded, consecutive rate slots
        taken, the first ``first_wait`` seconds away), each with the room ``take_room`` took."""
        spacing = self.rate.spacing if claimed else 0.0
        for i, msg in enumerate(claimed):
            self._held[msg.id] = msg
            hold = self._hold()
            task = asyncio.create_task(self._attempt_and_release(msg, first_wait + i * spacing, hold),
                                       name=f"sms-{msg.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            task.add_done_callback(functools.partial(self._let_go, msg))   # even if it never ran
            task.add_done_callback(hold.on_done)                          # the same

    async def _attempt_and_release(self, msg: ClaimedMessage, wait: float, hold: "Hold") -> None:
        try:
            with _in_trace_of(msg):
                await self._attempt(msg, wait, hold)
        except Exception as exc:  # the row stays 'sending': its lease expires, a sweeper retries
            log.warning("sms_attempt_crashed", message_id=str(msg.id), error=type(exc).__name__)
        finally:
            hold.release()

    # --- one attempt ----------------------------------------------------------------
    async def _attempt(self, msg: ClaimedMessage, wait: float, hold: "Hold") -> None:
        """The claim recorded the attempt and took the rate slot ``wait`` seconds away."""
        self._held[msg.id] = msg   # its lease is kept until its outcome is stored
        try:
            await self._attempt_held(msg, wait, hold)
        finally:
            self._let_go(msg)

    def _let_go(self, msg: ClaimedMessage, _task: object = None) -> None:
        """This claim's lease is no longer kept (its outcome is stored, or it ended without)."""
        if self._held.get(msg.id) is msg:
            del self._held[msg.id]

    async def _attempt_held(self, msg: ClaimedMessage, wait: float, hold: "Hold") -> None:
        assert self.provider is not None
        if wait > self.renew_after:
            # The lease taken with the claim would not cover the call after such a wait:
            # stretch it over the wait now, while the claim surely still holds.
            async with self.rt.db.connection() as conn:
                ours = await store.renew_lease(conn, msg, seconds=wait + self.settings.lease_seconds,
                                               clock_offset=self.clock_offset)
            if not ours:
                log.info("sms_claim_lost", message_id=str(msg.id), attempt=msg.attempt)
                return
        if wait > 0:
            await asyncio.sleep(wait)
        await hold.take_permit()
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
        # The provider answered: the next call may start while this outcome is stored (the
        # message's claim is kept until it is: the claims bound the outcomes not stored).
        hold.release_permit()
        decision = self.policy.decide(msg.attempt, outcome, retry_after=retry_after)
        await self._record(msg, decision, result=result, reason=reason, status_code=status_code)

    async def _record(self, msg: ClaimedMessage, decision: Decision, *, result: SendResult | None,
                      reason: str | None, status_code: int | None) -> None:
        now = self.rt.clock.now()
        body = text_to_keep(msg.body, sensitive=msg.sensitive, final=decision.final)
        producer = self.ctx.producer
        outcome: Finish
        if decision.outcome is Outcome.DELIVERED:
            provider_id = result.provider_id if result else None
            outcome = Finish(msg, DELIVERED, now, body, provider_id=provider_id, status_code=status_code,
                             event=OutboxRow.of(delivered_event(msg, at=now, provider_id=provider_id,
                                                                producer=producer)))
        elif decision.outcome is Outcome.RETRY:
            outcome = Finish(msg, RETRY, now, body, reason=reason, status_code=status_code,
                             next_attempt_at=now + timedelta(seconds=decision.delay or 0))
        else:
            why = reason or "failed"
            if decision.reason == "exhausted":
                why = f"{why} (gave up after {msg.attempt} attempts)"
            outcome = Finish(msg, FAILED, now, body, reason=why, status_code=status_code,
                             event=OutboxRow.of(failed_event(msg, at=now, reason=why, producer=producer)))
        # The status, the attempt's end and the event commit together (with other sends'
        # outcomes of the same moment: outcome_recorder.py).
        assert self.outcomes is not None
        kept = await self.outcomes.record(outcome)
        self.metrics.attempts.labels(decision.outcome.value).inc()
        log.info("sms_attempt", message_id=str(msg.id), template=msg.template, phone=mask_phone(msg.phone),
                 attempt=msg.attempt, outcome=decision.outcome.value, reason=reason, recorded=kept)


def _in_trace_of(msg: ClaimedMessage):
    """The send, the provider call and the outcome event, in the trace of the event that
    asked for the SMS (stored with the message: the sweeper of any replica may send it)."""
    return tracing.continued(tracing.context_of(msg.traceparent), "sms.send",
                             attributes={"sms.message_id": str(msg.id), "sms.template": msg.template,
                                         "sms.attempt": msg.attempt})


class Hold:
    """What one claimed message holds: its claim, given back once (when its outcome is
    stored, or the send ended without one), and its in-flight permit for the call, given
    back as soon as the provider answered (or with the claim)."""
    __slots__ = ("_claims", "_in_flight", "_claim", "_permit")

    def __init__(self, claims: InFlight, in_flight: InFlight, *, with_permit: bool) -> None:
        self._claims, self._in_flight = claims, in_flight
        self._claim = True
        self._permit = with_permit   # taken with the claim (a shared rate)

    async def take_permit(self) -> None:
        """Right before the call: wait for a permit unless it came with the claim."""
        if not self._permit:
            await self._in_flight.take()
            self._permit = True

    def release_permit(self) -> None:
        if self._permit:
            self._permit = False
            self._in_flight.release()

    def release(self) -> None:
        self.release_permit()
        if self._claim:
            self._claim = False
            self._claims.release()

    def on_done(self, _task: object) -> None:
        self.release()
