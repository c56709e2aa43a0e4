"""Daily statistics for administrators (统计): counts by period, business type, status."""
from __future__ import annotations

from datetime import date

from ..adapters.capacity import CapacityCounters
from ..adapters.day_stats import DayStats
from ..domain.booking import BookingStatus
from ..domain.business_types import BUSINESS_TYPES
from ..domain.capacity import remaining
from .context import BookingContext


async def day_stats(ctx: BookingContext, center_id: str, day: date) -> dict:
    center = ctx.centers.get(center_id)
    async with ctx.db.connection() as conn:
        stats = DayStats(conn)
        periods = await stats.by_period(center.id, day)
        statuses = await stats.by_status(center.id, day)
        types = await stats.by_business_type(center.id, day)
        counters = {p.code: await CapacityCounters(conn).get(center.id, day, p.code,
                                                             default=center.default_capacity)
                    for p in center.periods}
    return {
        "center": center.id,
        "date": day.isoformat(),
        "periods": [{
            "code": p.code,
            "capacity": counters[p.code].capacity,
            "booked": counters[p.code].booked,
            "remaining": remaining(counters[p.code].capacity, counters[p.code].booked),
            "bookings": periods.get(p.code, {}).get("bookings", 0),
            "enterprise_lines": periods.get(p.code, {}).get("enterprise_lines", 0),
        } for p in center.periods],
        "statuses": {str(s): statuses.get(str(s), 0) for s in BookingStatus},
        "business_types": [{"type": t.code, **types.get(t.code, {"enterprises": 0, "cards": 0})}
                           for t in BUSINESS_TYPES],
    }
