"""Closing a service date (15点截止) and requesting its allocation, in one unit of work:

1. create the date's capacity rows where missing and lock them: a booking or cancellation
   in flight has taken (or waits for) one of them before it checks that the date is open;
2. mark the cutoff row closed with a new request id (the upsert picks one winner among
   replicas; a re-run always passes);
3. only then read the snapshot, so a booking either committed before (and is in it) or
   sees the close and is refused;
4. store the snapshot document (``cutoff_snapshots``) and put allocation.requested, which
   only names it (a claim check: the allocator fetches the document from booking's
   internal route, ``api/internal.py``), into the outbox, in that same transaction.
"""
from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from shared.contracts.booking import SNAPSHOT_PATH, AllocationRequested
from shared.logging import get_logger

from booking.adapters.capacity import CapacityCounters
from booking.adapters.cutoffs import CutoffRuns, Cutoffs
from booking.adapters.snapshots import CutoffSnapshots, DaySnapshots
from booking.domain.center import CenterConfig
from booking.service.context import BookingContext
from booking.service.cutoff_snapshot import snapshot_document

log = get_logger(__name__)


@dataclass(frozen=True)
class ClosedDate:
    center: str
    date: date
    cutoff_id: str          # this request's id, as sent in allocation.requested
    closed_at: datetime     # when the date closed (the first time)
    bookings: int           # in the snapshot


async def close_date(ctx: BookingContext, center: CenterConfig, day: date, *, now: datetime,
                     by: str | None = None, rerun: bool = False, reason: str = "") -> ClosedDate | None:
    """Close ``day`` and request its allocation; None when it was closed already and this
    is not a re-run (``by``: the administrator, None for the scheduler)."""
    request_id = uuid.uuid4()
    async with ctx.unit_of_work(now=now) as uow:
        conn = uow.conn
        await CapacityCounters(conn).lock_day(center.id, day, [p.code for p in center.periods],
                                              default=center.default_capacity)
        row = await Cutoffs(conn).close(center.id, day, request_id=request_id, now=now, by=by, rerun=rerun)
        if row is None:
            log.info("cutoff_already_closed", center=center.id, date=day.isoformat())
            return None
        # Audited: who ran it, why, and whether the date was closed already (a re-run).
        await CutoffRuns(conn).record(center.id, day, at=now, by=by, reason=reason, rerun=row["requests"] > 1)
        bookings = await DaySnapshots(conn).bookings(center.id, day)
        await Cutoffs(conn).record_snapshot_size(center.id, day, len(bookings))
        # Validating a big day takes a second or more of CPU: not on the loop that serves the API.
        document = await asyncio.to_thread(snapshot_document, center, day, str(request_id), row["closed_at"],
                                           bookings)
        await CutoffSnapshots(conn).store(request_id, center.id, day, bookings=document.bookings,
                                          sha256=document.sha256, document=document.body, now=now)
        request = AllocationRequested(
            center=center.id, date=day, cutoff_id=str(request_id), closed_at=row["closed_at"],
            booking_count=document.bookings, snapshot_path=SNAPSHOT_PATH.format(cutoff_id=request_id),
            snapshot_sha256=document.sha256, snapshot_bytes=len(document.body))
        del bookings, document
        # To the outbox on commit, in the close's transaction, at ``now``.
        uow.add(request)
    closed = ClosedDate(center.id, day, str(request_id), row["closed_at"], request.booking_count)
    ctx.metrics.cutoff_closed(center.id, closed.closed_at)
    log.info("cutoff_closed", center=center.id, date=day.isoformat(), cutoff_id=closed.cutoff_id,
             bookings=closed.bookings, requests=row["requests"], by=by)
    return closed
