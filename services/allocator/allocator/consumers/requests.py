"""``allocation.requested`` -> the day fetched from booking -> schedule stored (when new)
-> ``allocation.completed``.

Queue ``allocator.requests``. The event is a claim check: it names the frozen day booking
stored with the close; the handler fetches that document from booking's internal route
(``adapters.booking_snapshots``), checks it against the event's SHA-256 and reads it into
the snapshot (``service.snapshot_document``). It runs in a unit of work inside the
consumer's inbox transaction (``delivery.conn``): a redelivered event id does nothing, and
the run, the assignments and the outbox row of ``allocation.completed`` commit together or
not at all.

Booking unreachable (``SnapshotUnavailable``): the handler fails and the delivery is tried
again later, for ~25 minutes (``ALLOCATOR_CONSUMER_MAX_ATTEMPTS`` and
``ALLOCATOR_CONSUMER_RETRY_DELAYS_MS``, ``..settings``), then it waits in
``allocator.requests.dead`` for ``shared.ops.replay_dead``. Nothing is lost meanwhile.

An invalid snapshot (``InvalidSnapshot``: a document that is not the event's, an unknown
business type, a booking in an unknown period, overlapping periods, a naive creation
time, ...) or one booking does not have (``SnapshotGone``) can never succeed on a retry: it
is raised as ``Unretryable`` and the consumer moves it to ``allocator.requests.dead`` at
once, with the reason in ``x-error``. Raising (rather than acknowledging and parking it
ourselves) rolls the inbox row back, so once the cause is fixed (a booking bug, a missing
weight) ``shared.ops.replay_dead`` can replay it and it is handled.
"""
from __future__ import annotations

import asyncio
from functools import partial

from shared.consumer import Delivery, Unretryable
from shared.contracts.booking import ALLOCATION_REQUESTED, AllocationRequested
from shared.logging import get_logger
from shared.malloc_tuning import trim

from allocator.adapters.booking_snapshots import SnapshotGone
from allocator.domain import DaySnapshot, InvalidSnapshot
from allocator.service import allocation
from allocator.service.context import AllocatorContext
from allocator.service.snapshot_document import SnapshotReader
from allocator.settings import PolicyBook

log = get_logger(__name__)
QUEUE = "allocator.requests"
BINDINGS = (ALLOCATION_REQUESTED,)


def handler(ctx: AllocatorContext):
    async def on_allocation_requested(delivery: Delivery) -> None:
        request: AllocationRequested = delivery.data
        log.info("allocation_request_received", center=request.center, date=request.date.isoformat(),
                 bookings=request.booking_count, snapshot_bytes=request.snapshot_bytes)
        try:
            # Read as it arrives, a chunk at a time in a worker thread (~1 s of CPU on a busy
            # day: health checks, the API and the relay keep running; the GIL is shared, so
            # they run slower, not never): the document is never whole beside its snapshot.
            reader = SnapshotReader(request)
            await ctx.snapshots.fetch(request.snapshot_path, limit=request.snapshot_bytes,
                                      feed=lambda chunk: asyncio.to_thread(reader.feed, chunk))
            handoff = [await asyncio.to_thread(reader.finish)]
            computed = await asyncio.to_thread(_compute, handoff, request, ctx.policies)
        except (InvalidSnapshot, SnapshotGone) as exc:
            detail = exc.detail if isinstance(exc, InvalidSnapshot) else str(exc)
            log.error("allocation_snapshot_invalid", detail=detail[:500], event_id=str(delivery.envelope.id))
            raise Unretryable(f"{type(exc).__name__}: {detail[:300]}") from exc
        # The unit joins the inbox transaction: allocation.completed is caused by the handled
        # request (its correlation id and id) and happens at the service clock's time.
        async with ctx.unit_within(delivery) as uow:
            recorded = await allocation.record(uow.conn, computed,
                                               request_event_id=delivery.envelope.id, now=uow.now)
            # Stored: the rows (5 MB on a 20,000-booking day) go before the 2.4 MB event is
            # written and relayed, which only needs the assignments.
            computed.rows.clear()
            uow.add_encoded(allocation.completed_data(computed, recorded, now=uow.now),
                            partial(allocation.completed_json, computed))
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
        del computed, recorded
        # The day's snapshot, schedule and rows are garbage now: hand back what malloc
        # holds free (pymalloc's partly used arenas stay: the rest of the creep per day).
        trim()

    return on_allocation_requested


def _compute(handoff: list[DaySnapshot], request: AllocationRequested, policies: PolicyBook) -> allocation.Computed:
    # The snapshot comes in a list the thread empties: compute holds the only reference.
    return allocation.compute(handoff.pop(), policies, cutoff_id=request.cutoff_id, closed_at=request.closed_at)
