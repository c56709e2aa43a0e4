"""Idempotent consumers. Each consuming purpose has a durable quorum queue ``<queue>`` bound
to the keys it needs, delayed retry queues ``<queue>.retry.<ms>`` that dead-letter back into
it, and ``<queue>.dead`` for what never succeeds. The event id goes into the inbox in the
same transaction as the handler's effects, so a redelivery does nothing twice."""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import aio_pika
import asyncpg
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from opentelemetry.trace import SpanKind
from pydantic import ValidationError

from shared import tracing
from shared.bus import Bus
from shared.consumer_batch import ALONE, Batcher, Pending
from shared.db import Database
from shared.events import Envelope, UnknownEvent, parse_envelope
from shared.logging import bind_context, get_logger
from shared.metrics import ServiceMetrics
from shared.publisher_check import FIRST_PUBLISHER_HEADER, PublisherCheck

log = get_logger(__name__)
ATTEMPT_HEADER = "x-attempt"
# Above this size a body is read in a thread: a day's allocation.completed (20,000
# assignments, 2.4 MB) is a second of pydantic work that would otherwise stall health
# checks and other consumers.
LARGE_BODY = 256 * 1024


class Unretryable(Exception):
    """Raised by a handler for input no retry can fix: dead-lettered on the first try."""


@dataclass
class Delivery:
    """What a handler gets: its transaction's connection, the event (envelope and data) and
    the producer name for the events it writes, and callbacks to run after the commit."""
    conn: asyncpg.Connection
    envelope: Envelope
    data: Any                      # the contract's model
    producer: str
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # In a batch handler's call: the message's own context (logging context, tracing span),
    # for what must see it (``context.run(current_traceparent)``); None alone (it is current).
    context: contextvars.Context | None = None


Handler = Callable[[Delivery], Awaitable[None]]
# All the fresh deliveries of one batch, sharing one connection: a handler that writes them
# with one statement (``unnest``) instead of one each (issue 20). Each delivery's
# ``after_commit`` is still its own message's.
BatchHandler = Callable[[Sequence[Delivery]], Awaitable[None]]


@dataclass(frozen=True)
class QueueSpec:
    name: str                      # e.g. "booking.allocations"
    bindings: tuple[str, ...]      # routing keys (event types, topic patterns allowed)
    handler: Handler
    max_attempts: int = 5
    retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000)
    prefetch: int = 32
    # Deliveries without an ack (a crash mid-handler) before the broker dead-letters by itself.
    delivery_limit: int = 20
    # How long ``<queue>.dead`` keeps a message (x-message-ttl), None: until someone acts.
    # Changing it on an existing broker needs the dead queue deleted first (docs/security.md).
    dead_message_ttl_ms: int | None = None
    # Above 1: the deliveries in hand (prefetch) or arriving within batch_wait_ms, up to
    # batch_size, share one transaction and one inbox insert (consumer_batch.py). Every
    # message still gets its own handler call, ack after the commit, retries and logs.
    batch_size: int = 1
    batch_wait_ms: float = 2.0
    # With batch_size above 1: a batch's fresh deliveries go to this in one call, run in the
    # context of whichever message's task ran the batch (name the event in a log line; each
    # delivery's own context is ``Delivery.context``). ``handler`` still handles a message
    # alone (batching off, or a failed batch redone one by one).
    batch_handler: BatchHandler | None = None

    def retry_queue(self, attempt: int) -> str:
        return f"{self.name}.retry.{self._delay(attempt)}"

    def _delay(self, attempt: int) -> int:
        return self.retry_delays_ms[min(attempt - 1, len(self.retry_delays_ms) - 1)]

    @property
    def dead_queue(self) -> str:
        return f"{self.name}.dead"


SAFE_DEAD_LETTERING = {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}


async def declare_queues(channel: aio_pika.abc.AbstractChannel, bus: Bus, spec: QueueSpec) -> AbstractQueue:
    topo = bus.topology
    events = await channel.get_exchange(topo.events, ensure=False)
    dead_x = await channel.get_exchange(topo.dead, ensure=False)
    dead_args: dict[str, Any] = {"x-queue-type": "quorum"}
    if spec.dead_message_ttl_ms is not None:
        dead_args["x-message-ttl"] = spec.dead_message_ttl_ms
    dead = await channel.declare_queue(spec.dead_queue, durable=True, arguments=dead_args)
    await dead.bind(dead_x, routing_key=spec.name)
    queue = await channel.declare_queue(spec.name, durable=True, arguments={
        "x-queue-type": "quorum", "x-delivery-limit": spec.delivery_limit,
        "x-dead-letter-exchange": topo.dead, "x-dead-letter-routing-key": spec.name,
        **SAFE_DEAD_LETTERING})
    for key in spec.bindings:
        await queue.bind(events, routing_key=key)
    for delay in sorted(set(spec.retry_delays_ms)):
        await channel.declare_queue(f"{spec.name}.retry.{delay}", durable=True, arguments={
            "x-queue-type": "quorum", "x-message-ttl": delay,
            "x-dead-letter-exchange": "", "x-dead-letter-routing-key": spec.name,
            **SAFE_DEAD_LETTERING})
    return queue


class Consumer:
    def __init__(self, spec: QueueSpec, *, db: Database, bus: Bus, producer: str,
                 metrics: ServiceMetrics | None = None, publisher_check: PublisherCheck | None = None) -> None:
        self.spec = spec
        self.publisher_check = publisher_check
        self.db = db
        self.bus = bus
        self.producer = producer
        self.metrics = metrics
        self.queue: AbstractQueue | None = None   # kept: robust reconnect restores live queues only
        self._tag: str | None = None
        self._channel: AbstractChannel | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._batcher = (Batcher(spec.batch_size, spec.batch_wait_ms / 1000, self.handle_batch, queue=spec.name)
                         if spec.batch_size > 1 else None)

    async def start(self) -> None:
        self._channel = channel = await self.bus.channel(prefetch=self.spec.prefetch)
        self.queue = await declare_queues(channel, self.bus, self.spec)
        self._tag = await self.queue.consume(self._on_message)
        if self.metrics:
            self.metrics.consumers.inc()
        log.info("consumer_started", queue=self.spec.name)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking messages, let the ones in hand finish, then close the channel."""
        if self.queue is not None and self._tag is not None:
            with contextlib.suppress(Exception):
                await self.queue.cancel(self._tag)
            self._tag = None
            if self.metrics:
                self.metrics.consumers.dec()
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=timeout)
        if self._channel is not None:
            with contextlib.suppress(Exception):
                await self._channel.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task:
            self._in_flight.add(task)
        try:
            await self._process(message)
        finally:
            if task:
                self._in_flight.discard(task)

    async def _process(self, message: AbstractIncomingMessage) -> None:
        try:
            if len(message.body) > LARGE_BODY:
                envelope, data = await asyncio.to_thread(parse_envelope, message.body)
            else:
                envelope, data = parse_envelope(message.body)
        except (ValidationError, UnknownEvent, ValueError) as exc:
            await self._dead_letter(message, f"unreadable: {type(exc).__name__}")
            self._count("rejected")
            return
        bind_context(correlation_id=envelope.correlation_id, event_id=str(envelope.id),
                     event_type=envelope.type)
        if self.publisher_check is not None and (
                refusal := self.publisher_check.refusal(envelope, message.user_id, message.headers)):
            log.warning("event_refused", queue=self.spec.name, reason=refusal)
            await self._dead_letter(message, refusal)
            self._count("refused")
            return
        # In the trace of the span that published it (AMQP headers) or wrote it (envelope).
        with tracing.continued(tracing.incoming_context(message.headers, envelope), f"{self.spec.name} process",
                               kind=SpanKind.INTERNAL, attributes={"messaging.destination.name": self.spec.name,
                                                                   "messaging.message.id": str(envelope.id)}):
            await self._process_read(message, envelope, data)

    async def _process_read(self, message: AbstractIncomingMessage, envelope: Envelope, data: Any) -> None:
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 1))  # type: ignore[arg-type]  # the header holds an int (we write it)
        self._observe_lag(envelope)
        started = time.perf_counter()
        try:
            after = await self._handle_in_batch_or_alone(envelope, data)
        except Exception as exc:  # the handler's failure: retry later or give up
            self._observe_duration(started)
            log.warning("handler_failed", queue=self.spec.name, attempt=attempt,
                        error=type(exc).__name__, detail=str(exc)[:200])
            if attempt >= self.spec.max_attempts or isinstance(exc, Unretryable):
                reason = str(exc) if isinstance(exc, Unretryable) else f"{type(exc).__name__}: {exc}"
                await self._dead_letter(message, reason[:300])
                self._count("dead")
            else:
                await self._retry_later(message, attempt)
                self._count("retried")
            return
        self._observe_duration(started)
        await message.ack()
        self._count("handled")
        # Side effects outside the database (an SMS) run after the commit; the inbox already
        # holds the event, so they own their retries (the notifier keeps pending rows).
        for job in after:
            try:
                await job()
            except Exception as exc:
                log.warning("after_commit_failed", queue=self.spec.name, error=type(exc).__name__)

    async def _handle_in_batch_or_alone(self, envelope: Envelope, data: Any) -> list[Callable[[], Awaitable[None]]]:
        if self._batcher is not None:
            outcome = await self._batcher.submit(envelope, data)
            if outcome is None:
                log.info("event_already_handled", queue=self.spec.name)
                return []
            if outcome is not ALONE:
                return outcome  # type: ignore[no-any-return]  # the batch's after-commit jobs
        return await self.handle(envelope, data)

    async def handle_batch(self, batch: Sequence[Pending]) -> list[list[Callable[[], Awaitable[None]]] | None]:
        """One transaction: one inbox insert for the batch's event ids, then the batch handler
        with every fresh one, or else the handler of each, in its message's context (logging,
        span). Any failure rolls all of it back (the caller redoes each message alone)."""
        async with self.db.transaction() as conn:
            ids = list(dict.fromkeys(item.envelope.id for item in batch))
            types = {item.envelope.id: item.envelope.type for item in batch}
            fresh = {r[0] for r in await conn.fetch(
                "INSERT INTO inbox (event_id, consumer, event_type)"
                " SELECT e, $2, t FROM unnest($1::uuid[], $3::text[]) AS u(e, t)"
                " ON CONFLICT DO NOTHING RETURNING event_id",
                ids, self.spec.name, [types[i] for i in ids])}
            deliveries: list[tuple[Pending, Delivery | None]] = []
            for item in batch:
                if item.envelope.id not in fresh:
                    deliveries.append((item, None))   # handled before, or earlier in this batch
                    continue
                fresh.discard(item.envelope.id)
                deliveries.append((item, Delivery(conn=conn, envelope=item.envelope, data=item.data,
                                                  producer=self.producer, context=item.context)))
            if self.spec.batch_handler is not None:
                fresh_ones = [d for _, d in deliveries if d is not None]
                if fresh_ones:   # none when every one was handled before
                    await self.spec.batch_handler(fresh_ones)
            else:
                for item, delivery in deliveries:
                    if delivery is not None:
                        # A task only to run the handler in its message's context; awaited at once.
                        await asyncio.create_task(self._call_handler(delivery), context=item.context)
        return [d.after_commit if d is not None else None for _, d in deliveries]

    async def _call_handler(self, delivery: Delivery) -> None:
        await self.spec.handler(delivery)

    async def handle(self, envelope: Envelope, data: Any) -> list[Callable[[], Awaitable[None]]]:
        """Inbox row and handler effects in one transaction; nothing at all on a repeat."""
        async with self.db.transaction() as conn:
            fresh = await conn.fetchval(
                "INSERT INTO inbox (event_id, consumer, event_type) VALUES ($1, $2, $3)"
                " ON CONFLICT DO NOTHING RETURNING true", envelope.id, self.spec.name, envelope.type)
            if not fresh:
                log.info("event_already_handled", queue=self.spec.name)
                return []
            delivery = Delivery(conn=conn, envelope=envelope, data=data, producer=self.producer)
            await self.spec.handler(delivery)
        return delivery.after_commit

    async def _retry_later(self, message: AbstractIncomingMessage, attempt: int) -> None:
        headers = self._forwarded_headers(message)
        headers[ATTEMPT_HEADER] = attempt + 1
        await self._forward(message, exchange="", routing_key=self.spec.retry_queue(attempt), headers=headers)

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str) -> None:
        headers = self._forwarded_headers(message)
        headers["x-error"] = reason[:500]
        await self._forward(message, exchange=self.bus.topology.dead, routing_key=self.spec.name,
                            headers=headers)

    def _forwarded_headers(self, message: AbstractIncomingMessage) -> dict[str, Any]:
        """The copy goes out under this service's user_id: name the first publisher."""
        headers = dict(message.headers or {})
        if self.publisher_check is not None:
            first = self.publisher_check.publisher_user(message.user_id, message.headers)
            if first is not None:
                headers[FIRST_PUBLISHER_HEADER] = first
        return headers

    async def _forward(self, message: AbstractIncomingMessage, *, exchange: str, routing_key: str,
                       headers: dict[str, Any]) -> None:
        """Publish (confirmed) before acking; if that fails, hand it back to the broker, whose
        delivery limit still bounds how often it comes round."""
        try:
            await self.bus.publish(message.body, routing_key, exchange=exchange,
                                   message_id=message.message_id or "", correlation_id=message.correlation_id,
                                   headers=headers)
        except Exception as exc:
            log.warning("forward_failed", queue=self.spec.name, target=routing_key, error=type(exc).__name__)
            with contextlib.suppress(Exception):
                await message.nack(requeue=True)
            return
        await message.ack()

    def _count(self, outcome: str) -> None:
        if self.metrics:
            self.metrics.events_consumed.labels(self.spec.name, outcome).inc()

    def _observe_lag(self, envelope: Envelope) -> None:
        # occurred_at is the producer's service clock: the wall clock in production (under a
        # moved test clock the figure means nothing; negative lags are clamped).
        if self.metrics:
            lag = (datetime.now(timezone.utc) - envelope.occurred_at).total_seconds()
            self.metrics.consumer_lag.labels(self.spec.name).observe(max(lag, 0.0))

    def _observe_duration(self, started: float) -> None:
        if self.metrics:
            self.metrics.handler_duration.labels(self.spec.name).observe(time.perf_counter() - started)
