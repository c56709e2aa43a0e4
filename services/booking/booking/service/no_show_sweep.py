"""The closing sweep: at the center's closing time, the date's bookings still ``allocated``
(nobody checked them in) become no-shows by themselves, each counted against its agent.

Idempotent (only ``allocated`` rows are taken) and safe with replicas: each batch locks its
bookings with SKIP LOCKED, so two sweeps share the rows instead of counting one twice."""
from __future__ import annotations

from datetime import datetime

from shared.logging import get_logger

from booking.adapters.bookings import BookingRepository
from booking.adapters.day_bookings import DayBookings
from booking.domain.center import CenterConfig
from booking.domain.service_day import last_closed_day
from booking.service.context import BookingContext
from booking.service.rights import count_no_show

log = get_logger(__name__)


async def sweep_no_shows(ctx: BookingContext, center: CenterConfig, now: datetime) -> int:
    """Mark every leftover booking of the center's closed days; how many were marked."""
    batch = ctx.settings.sweep_batch_size
    up_to = last_closed_day(center, now)
    total = 0
    while True:
        async with ctx.unit_of_work(now=now) as uow:
            conn = uow.conn
            bookings = await DayBookings(conn).leftover(center.id, up_to=up_to, closing_time=center.closing_time,
                                                        timezone=center.timezone, limit=batch)
            repo = BookingRepository(conn)
            for booking in bookings:
                uow.track(booking).mark_no_show()
                await repo.save(booking, now)
                await count_no_show(uow, booking.agent_id, actor=None, zone=center.zone,
                                    note=f"not checked in by closing time: booking {booking.id}")
        total += len(bookings)
        if len(bookings) < batch:
            break
    if total:
        log.info("no_shows_swept", center=center.id, up_to=up_to.isoformat(), bookings=total)
    return total
