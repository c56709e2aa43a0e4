"""``allocation.requested`` -> schedule stored (when new) -> ``allocation.completed``.

Queue ``allocator.requests``. The handler runs inside the consumer's inbox transaction
(``delivery.conn``): a redelivered event id does nothing, and the run, the assignments and
the outbox row of ``allocation.completed`` commit together or not at all.

The consumer is the shared one with two queue options: a busy day's request is an 11.5 MB
body, which ``shared.events.parse_envelope`` would turn into the whole envelope as dicts and
then as pydantic models (~350 MB at once), so the queue's ``reader`` is
``service.request_reader``, straight into the snapshot (~30 MB at the peak), with the same
verdicts (an unreadable body is dead-lettered at once); and after a large body the heap's
garbage goes back to the OS (``after_large_body``, see ``..memory``).

An invalid snapshot (``InvalidSnapshot``: unknown business type, a booking in an unknown
period, overlapping periods, a naive creation time, ...) can never succeed on a retry: it is
raised as ``Unretryable`` and the consumer moves it to ``allocator.requests.dead`` at once,
with the reason in ``x-error``. Raising (rather than acknowledging and parking it ourselves)
rolls the inbox row back, so once the cause is fixed (a booking bug, a missing weight)
``shared.ops.replay_dead`` can replay it and it is handled.
"""
from __future__ import annotations

import asyncio

from shared.consumer import Delivery, Unretryable
from shared.contracts.allocator import ALLOCATION_COMPLETED
from shared.contracts.booking import ALLOCATION_REQUESTED
from shared.logging import get_logger
from shared.outbox import OutboxRow, add_rows

from ..domain import InvalidSnapshot
from ..service import allocation
from ..service.context import AllocatorContext
from ..service.request_reader import AllocationRequest

log = get_logger(__name__)
QUEUE = "allocator.requests"
BINDINGS = (ALLOCATION_REQUESTED,)


def handler(ctx: AllocatorContext):
    async def on_allocation_requested(delivery: Delivery) -> None:
        request: AllocationRequest = delivery.data   # made by read_request
        log.info("allocation_request_received", center=request.center,
                 date=request.date.isoformat(), bookings=request.booking_count)
        try:
            # ~1-2 s of CPU on a busy day: off the event loop, so health checks, the API and
            # the outbox relay keep running (the GIL is shared, so they run slower, not never).
            computed = await asyncio.to_thread(allocation.compute, request, ctx.policies)
        except InvalidSnapshot as exc:
            log.error("allocation_snapshot_invalid", detail=exc.detail[:500],
                      event_id=str(delivery.envelope.id))
            raise Unretryable(f"InvalidSnapshot: {exc.detail[:300]}") from exc
        request.snapshot = None   # scheduled: the rows and notices are all that is needed now
        now = ctx.clock.now()
        recorded = await allocation.record(delivery.conn, computed,
                                           request_event_id=delivery.envelope.id, now=now)
        event_id, envelope_json = allocation.completed_envelope(
            computed, recorded, now=now, request=delivery.envelope, producer=delivery.producer)
        await add_rows(delivery.conn, [OutboxRow(event_id, ALLOCATION_COMPLETED, envelope_json)])
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

