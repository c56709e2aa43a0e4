"""``allocation.requested`` -> schedule stored (when new) -> ``allocation.completed``.

Queue ``allocator.requests``. The handler runs inside the consumer's inbox transaction
(``delivery.conn``): a redelivered event id does nothing, and the run, the assignments and
the outbox row of ``allocation.completed`` commit together or not at all.

The consumer is the shared one but for how it reads a message: a busy day's request is an
11.5 MB body, which ``shared.events.parse_envelope`` turns into the whole envelope as dicts
and then as pydantic models (~350 MB at once). ``RequestConsumer`` reads the body with
``service.request_reader`` straight into the snapshot instead (~30 MB at the peak), with the
same verdicts: an unreadable body is dead-lettered at once, as the shared consumer does.

An invalid snapshot (``InvalidSnapshot``: unknown business type, a booking in an unknown
period, overlapping periods, a naive creation time, ...) can never succeed on a retry: it is
raised as ``Unretryable`` and the consumer moves it to ``allocator.requests.dead`` at once,
with the reason in ``x-error``. Raising (rather than acknowledging and parking it ourselves)
rolls the inbox row back, so once the cause is fixed (a booking bug, a missing weight)
``shared.ops.replay_dead`` can replay it and it is handled.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aio_pika.abc import AbstractIncomingMessage
from aiohttp import web
from pydantic import ValidationError

from shared.app import Runtime
from shared.consumer import ATTEMPT_HEADER, LARGE_BODY, Consumer, Delivery, QueueSpec, Unretryable
from shared.contracts.allocator import ALLOCATION_COMPLETED
from shared.contracts.booking import ALLOCATION_REQUESTED
from shared.events import UnknownEvent
from shared.logging import bind_context, get_logger

from ..adapters import repository
from ..domain import InvalidSnapshot
from ..memory import give_back_memory
from ..service import allocation
from ..service.request_reader import AllocationRequest, read_request
from ..settings import PolicyBook

log = get_logger(__name__)
QUEUE = "allocator.requests"


def allocation_requests(runtime: Runtime, policies: PolicyBook):
    async def on_allocation_requested(delivery: Delivery) -> None:
        request: AllocationRequest = delivery.data  # type: ignore[assignment]
        log.info("allocation_request_received", center=request.center,
                 date=request.date.isoformat(), bookings=request.booking_count)
        try:
            # ~1-2 s of CPU on a busy day: off the event loop, so health checks, the API and
            # the outbox relay keep running (the GIL is shared, so they run slower, not never).
            computed = await asyncio.to_thread(allocation.compute, request, policies)
        except InvalidSnapshot as exc:
            log.error("allocation_snapshot_invalid", detail=exc.detail[:500],
                      event_id=str(delivery.envelope.id))
            raise Unretryable(f"InvalidSnapshot: {exc.detail[:300]}") from exc
        request.snapshot = None   # scheduled: the rows and notices are all that is needed now
        now = runtime.clock.now()
        recorded = await allocation.record(delivery.conn, computed,
                                           request_event_id=delivery.envelope.id, now=now)
        event_id, envelope_json = allocation.completed_envelope(
            computed, recorded, now=now, request=delivery.envelope, producer=delivery.producer)
        await repository.add_outbox_event(delivery.conn, event_id, ALLOCATION_COMPLETED, envelope_json)
        del envelope_json
        fields = dict(center=computed.center, date=computed.date.isoformat(), cutoff_id=computed.cutoff_id,
                      run_id=str(recorded.run_id), bookings=computed.booking_count,
                      overflow=computed.overflow_count, stored=recorded.stored, changed=recorded.changed,
                      rows_written=recorded.written, rows_removed=recorded.removed,
                      compute_seconds=round(computed.seconds, 3), store_seconds=round(recorded.seconds, 3))
        log.info("allocation_recorded", **fields)
        if computed.overflow_count:
            # Not an error (nobody is dropped), but a day its desks cannot handle: ops must know.
            log.warning("allocation_overflow", center=computed.center, date=computed.date.isoformat(),
                        overflow=computed.overflow_count, bookings=computed.booking_count)

    return on_allocation_requested


class RequestConsumer(Consumer):
    """``shared.consumer.Consumer`` reading its messages with ``read_request``. What follows
    the reading is the shared ``_process``'s, step for step (retries, dead letters, ack)."""

    async def _process(self, message: AbstractIncomingMessage) -> None:
        try:
            if len(message.body) > LARGE_BODY:
                envelope, request = await asyncio.to_thread(read_request, message.body)
            else:
                envelope, request = read_request(message.body)
        except (ValidationError, UnknownEvent, ValueError) as exc:
            await self._dead_letter(message, f"unreadable: {type(exc).__name__}")
            self._count("rejected")
            return
        bind_context(correlation_id=envelope.correlation_id, event_id=str(envelope.id),
                     event_type=envelope.type)
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 1))
        try:
            after = await self.handle(envelope, request)  # type: ignore[arg-type]
        except Exception as exc:  # the handler's failure: retry later or give up
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
        await message.ack()
        self._count("handled")
        for job in after:   # none here; kept as the shared consumer runs them
            try:
                await job()
            except Exception as exc:
                log.warning("after_commit_failed", queue=self.spec.name, error=type(exc).__name__)
        if len(message.body) > LARGE_BODY:
            give_back_memory()   # a busy day's garbage: back to the OS (see ..memory)


@dataclass
class AllocatorRuntime(Runtime):
    """The shared runtime, whose /readyz also waits for the requests consumer (started by
    ``consuming`` rather than from ``queue_specs``, which would start a shared one)."""
    own_consumers: int = 0

    @property
    def consumers_ready(self) -> bool:
        return len(self.consumers) == len(self.queue_specs) + self.own_consumers


def consuming(runtime: AllocatorRuntime, policies: PolicyBook):
    """Cleanup context (after the shared ones: the pool and the bus exist): starts the
    ``RequestConsumer`` once the broker is connected, as the shared app starts its own."""
    s = runtime.settings
    spec = QueueSpec(name=QUEUE, bindings=(ALLOCATION_REQUESTED,),
                     handler=allocation_requests(runtime, policies),
                     max_attempts=s.consumer_max_attempts, retry_delays_ms=tuple(s.consumer_retry_delays_ms),
                     prefetch=s.consumer_prefetch)
    runtime.own_consumers = 1

    async def start() -> None:
        assert runtime.bus is not None
        while True:
            consumer = RequestConsumer(spec, db=runtime.db, bus=runtime.bus, producer=s.service_name,
                                       metrics=runtime.metrics)
            try:
                await consumer.start()
            except Exception as exc:
                log.error("consumer_start_failed", queue=spec.name, error=type(exc).__name__,
                          detail=str(exc)[:300])
                await asyncio.sleep(5)
                continue
            runtime.consumers.append(consumer)   # stopped with the others at shutdown
            return

    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        # The shared broker context just started connecting (nothing awaited in between):
        # the callback is in place before the first connection can call them.
        assert runtime.bus is not None
        runtime.bus.on_connected(start)
        yield
    return ctx
