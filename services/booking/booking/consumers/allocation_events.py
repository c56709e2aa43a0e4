"""allocation.completed: each booking's desk, segment and queue number (the allocator's
answer to the cutoff's allocation.requested)."""
from __future__ import annotations

from shared.consumer import Delivery
from shared.contracts.allocator import ALLOCATION_COMPLETED
from shared.malloc_tuning import trim

from booking.service.allocation_record import record_allocation
from booking.service.context import BookingContext

QUEUE = "booking.allocations"
BINDINGS = (ALLOCATION_COMPLETED,)


def handler(ctx: BookingContext):
    async def on_allocation_completed(delivery: Delivery) -> None:
        await record_allocation(ctx, delivery, ctx.clock.now())
        # A day's assignments (MBs parsed into models) and its bookings are garbage now:
        # what malloc holds free goes back (after the 5,000-booking cutoff: 125 -> 114 MB).
        trim()
    return on_allocation_completed
