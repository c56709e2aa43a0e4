"""Administrators setting a (date, period)'s capacity, never below what is booked."""
from __future__ import annotations

from datetime import date

from booking.adapters.capacity import CapacityCounters
from booking.domain.capacity import ensure_capacity_settable, remaining
from booking.service.context import BookingContext


async def set_capacity(ctx: BookingContext, admin_id: str, center_id: str, day: date, period: str,
                       capacity: int) -> dict:
    center = ctx.centers.get(center_id)
    center.period(period)
    async with ctx.unit_of_work() as uow:
        counters = CapacityCounters(uow.conn)
        counter = await counters.set(center.id, day, period, capacity, by=admin_id, at=uow.now)
        if counter is None:
            booked = (await counters.get(center.id, day, period, default=center.default_capacity)).booked
            ensure_capacity_settable(capacity, booked)   # raises capacity.below_booked
            raise AssertionError("refused by the database but not by the domain")
    return {"center": center.id, "date": day.isoformat(), "period": period, "capacity": counter.capacity,
            "booked": counter.booked, "remaining": remaining(counter.capacity, counter.booked)}
