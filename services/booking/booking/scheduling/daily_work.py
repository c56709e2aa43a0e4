"""One pass of the scheduler: for every center this service serves, close the dates whose
cutoff has come (and request their allocation), then turn leftover bookings of closed
days into no-shows; finally report the last close per center and how long the oldest
closed date has waited for its allocation. Each date and center on its
own: one failing does not hold the others back."""
from __future__ import annotations

import uuid

from shared import tracing
from shared.logging import bind_context, clear_context, get_logger

from booking.adapters.cutoffs import Cutoffs
from booking.service.calendar_watch import report_unconfirmed
from booking.service.context import BookingContext
from booking.service.cutoff_close import close_date
from booking.service.cutoff_due import dates_due
from booking.service.no_show_sweep import sweep_no_shows

log = get_logger(__name__)


async def run_pass(ctx: BookingContext) -> None:
    now = ctx.clock.now()
    for center in ctx.centers:
        try:
            due = await dates_due(ctx, center, now)
        except Exception as exc:
            log.warning("cutoff_scan_failed", center=center.id, error=type(exc).__name__)
            continue
        for day in due:
            # No HTTP request started this: the events carry a correlation id of their own.
            clear_context()
            bind_context(correlation_id=f"cutoff-{center.id}-{day.isoformat()}-{uuid.uuid4().hex[:12]}")
            try:
                # The root of the cutoff's trace: allocator, booking's update, every SMS.
                with tracing.continued(None, "booking.cutoff", attributes={"center": center.id,
                                                                           "date": day.isoformat()}):
                    await close_date(ctx, center, day, now=now)
            except Exception as exc:
                log.warning("cutoff_failed", center=center.id, date=day.isoformat(), error=type(exc).__name__,
                            detail=str(exc)[:200])
        clear_context()
        bind_context(correlation_id=f"sweep-{center.id}-{uuid.uuid4().hex[:12]}")
        try:
            await sweep_no_shows(ctx, center, now)
        except Exception as exc:
            log.warning("no_show_sweep_failed", center=center.id, error=type(exc).__name__,
                        detail=str(exc)[:200])
    clear_context()
    await _report_last_closes(ctx)
    try:
        await report_unconfirmed(ctx, now)
    except Exception as exc:
        log.warning("calendar_watch_failed", error=type(exc).__name__)


async def _report_last_closes(ctx: BookingContext) -> None:
    async with ctx.db.connection() as conn:
        last = await Cutoffs(conn).last_closed(c.id for c in ctx.centers)
        waiting = await Cutoffs(conn).oldest_unallocated(c.id for c in ctx.centers)
    for center, at in last.items():
        ctx.metrics.cutoff_closed(center, at)
    now = ctx.clock.now()
    for center in ctx.centers:
        ctx.metrics.unallocated_since(center.id, waiting.get(center.id), now)
