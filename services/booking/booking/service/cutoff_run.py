"""An administrator runs a date's cutoff now, or runs it again (POST /admin/cutoffs): the
date closes if it was open (and stays closed), and a new request goes out: a new snapshot
document of the bookings as they are now, stored under the new request id, and the
allocation.requested naming it (``cutoff_close``). The allocator answers an unchanged
snapshot with the same schedule, and booking tells nobody twice about an unchanged
assignment."""
from __future__ import annotations

from datetime import date

from booking.service.context import BookingContext
from booking.service.cutoff_close import close_date
from booking.service.cutoff_state import cutoff_state


async def run_cutoff(ctx: BookingContext, admin_id: str, center_id: str, day: date, reason: str = "") -> dict:
    center = ctx.centers.get(center_id)
    closed = await close_date(ctx, center, day, now=ctx.clock.now(), by=admin_id, rerun=True, reason=reason)
    assert closed is not None  # a re-run always passes
    return await cutoff_state(ctx, center.id, day)
