"""Daily statistics for administrators (统计): counts by period, business type, status."""
from __future__ import annotations

from datetime import date

from booking.adapters.calling_stats import CallingStats
from booking.adapters.capacity import CapacityCounters
from booking.adapters.day_stats import DayStats
from booking.domain.booking import BookingStatus
from booking.domain.business_types import BUSINESS_TYPES
from booking.domain.capacity import remaining
from booking.service.context import BookingContext


async def day_stats(ctx: BookingContext, center_id: str, day: date) -> dict:
    center = ctx.centers.get(center_id)
    async with ctx.db.connection() as conn:
        stats = DayStats(conn)
        periods = await stats.by_period(center.id, day)
        statuses = await stats.by_status(center.id, day)
        types = await stats.by_business_type(center.id, day)
        period_types = await stats.by_period_and_type(center.id, day)
        cancelled_lines = await stats.cancelled_lines(center.id, day)
        counters = {p.code: await CapacityCounters(conn).get(center.id, day, p.code,
                                                             default=center.default_capacity)
                    for p in center.periods}
        calling = await _calling(CallingStats(conn), center.id, center.desks, day)
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
            "business_types": _types(period_types.get(p.code, {})),
        } for p in center.periods],
        "statuses": {str(s): statuses.get(str(s), 0) for s in BookingStatus},
        "business_types": _types(types),
        "totals": {
            "bookings": sum(n for s, n in statuses.items() if s != str(BookingStatus.CANCELLED)),
            "enterprise_lines": sum(p.get("enterprise_lines", 0) for p in periods.values()),
            "cards": sum(t["cards"] for t in types.values()),
            "cancelled_bookings": statuses.get(str(BookingStatus.CANCELLED), 0),
            "cancelled_lines": cancelled_lines,
            "no_shows": statuses.get(str(BookingStatus.NO_SHOW), 0),
        },
        "calling": calling,
    }


async def _calling(stats: CallingStats, center: str, desks: int, day: date) -> dict:
    """叫号 per desk (every desk of the center; a desk that also served other desks'
    numbers counts them as its own). Seconds rounded to one decimal."""
    counts, times = await stats.counts(center, day), await stats.times(center, day)

    def seconds(value) -> float | None:
        return None if value is None else round(float(value), 1)
    return {"desks": [{
        "desk": d,
        "calls": counts.get(d, {}).get("calls", 0),
        "completed": counts.get(d, {}).get("completed", 0),
        "skipped": counts.get(d, {}).get("skipped", 0),
        "waiting_seconds_avg": seconds(times.get(d, {}).get("waiting_avg")),
        "waiting_seconds_p90": seconds(times.get(d, {}).get("waiting_p90")),
        "service_seconds_avg": seconds(times.get(d, {}).get("service_avg")),
    } for d in range(1, desks + 1)]}


def _types(found: dict[str, dict]) -> list[dict]:
    return [{"type": t.code, **found.get(t.code, {"enterprises": 0, "cards": 0})} for t in BUSINESS_TYPES]
