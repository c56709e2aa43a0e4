"""allocation.completed: store each booking's desk, segment and queue number, and tell the
agent (booking.allocated) only where the assignment is new or changed; the date becomes
``allocated``. Runs in the consumer's inbox transaction.

Only the completion of the date's latest request is applied: one for an older request
(overtaken by an administrator's re-run) is acknowledged and ignored. Locks: the bookings
(in id order), then the cutoff row. A closing takes capacity rows then the cutoff row, a
cancellation its booking then a capacity row: no order of these can close a cycle.
"""
from __future__ import annotations

import uuid
from datetime import datetime, time

from shared.consumer import Delivery
from shared.contracts.allocator import AllocationCompleted, Assignment
from shared.logging import get_logger

from booking.adapters.bookings import as_uuid
from booking.adapters.cutoffs import Cutoffs
from booking.adapters.day_bookings import DayBookings
from booking.domain.booking import Allocation
from booking.domain.errors import NotActive
from booking.service.context import BookingContext

log = get_logger(__name__)


class AllocationOvertaken(RuntimeError):
    """A re-run was requested while this completion was being applied: roll it back. The
    consumer tries again, and then finds it is no longer the latest and ignores it."""


async def record_allocation(ctx: BookingContext, delivery: Delivery, now: datetime) -> None:
    done: AllocationCompleted = delivery.data
    fields = dict(center=done.center, date=done.date.isoformat(), cutoff_id=done.cutoff_id)
    if done.center not in ctx.centers:
        log.warning("allocation_for_unknown_center", **fields)
        return
    conn = delivery.conn
    cutoffs = Cutoffs(conn)
    latest = await cutoffs.latest_request(done.center, done.date)
    if latest is None or str(latest) != done.cutoff_id:
        log.info("allocation_not_latest_ignored", latest=str(latest) if latest else None, **fields)
        return
    by_id = {a.booking_id: a for a in done.assignments}
    day_bookings = DayBookings(conn)
    changed = 0
    # A slice of the day at a time, in id order (the order every writer locks bookings in,
    # so slices keep it): a slice's aggregates, their rows and their booking.allocated
    # events go before the next is read, instead of the whole day's at once (issue 20: on
    # the cutoff benchmark's 5,000-booking day booking's peak went 133 -> 111 MB). Each
    # slice's unit puts its events into the delivery's transaction, caused by this
    # allocation.completed: all or none commit.
    for ids in _slices(by_id):
        async with ctx.unit_within(delivery, now) as uow:
            assigned = []
            for booking in await day_bookings.for_allocation(done.center, done.date, ids):
                try:
                    booking.assign(_allocation(by_id[booking.id]))
                except NotActive:
                    continue   # cancelled since, or already checked in / no-show (a re-run on the day)
                if booking.events:
                    assigned.append(uow.track(booking))
            await day_bookings.save_allocations(assigned, now)
            changed += len(assigned)
    if not await cutoffs.mark_allocated(done.center, done.date, request_id=uuid.UUID(done.cutoff_id), now=now,
                                        run_id=done.run_id, snapshot_fingerprint=done.snapshot_fingerprint):
        raise AllocationOvertaken(f"cutoff {done.cutoff_id} of {done.center} {done.date} was re-run meanwhile")
    log.info("allocation_recorded", assignments=len(done.assignments), changed=changed,
             overflow=done.overflow_count, run_id=done.run_id, **fields)


def _allocation(a: Assignment) -> Allocation:
    return Allocation(desk=a.desk, start=time.fromisoformat(a.start), end=time.fromisoformat(a.end),
                      queue_number=a.queue_number)


SLICE = 500


def _slices(by_id: dict[str, Assignment]) -> list[list[str]]:
    """The assigned ids in uuid order (ids that are not a uuid name no booking), SLICE each."""
    keyed = sorted((key, booking_id) for booking_id in by_id if (key := as_uuid(booking_id)) is not None)
    ids = [booking_id for _, booking_id in keyed]
    return [ids[i:i + SLICE] for i in range(0, len(ids), SLICE)]
