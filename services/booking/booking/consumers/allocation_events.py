"""allocation.completed: each booking's desk, segment and queue number (the allocator's
answer to the cutoff's allocation.requested)."""
from __future__ import annotations

from shared.consumer import Delivery
from shared.contracts.allocator import ALLOCATION_COMPLETED

from booking.service.allocation_record import record_allocation
from booking.service.context import BookingContext

QUEUE = "booking.allocations"
BINDINGS = (ALLOCATION_COMPLETED,)


def handler(ctx: BookingContext):
    async def on_allocation_completed(delivery: Delivery) -> None:
        await record_allocation(ctx, delivery, ctx.clock.now())
    return on_allocation_completed
