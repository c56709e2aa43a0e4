"""The booking calendar (which days can be booked, when each closes, what is left per
period) and the administrators' working-day overrides."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from booking.adapters.calendar_overrides import CalendarOverrides
from booking.adapters.capacity import Counter, calendar_rows
from booking.domain.business_types import BUSINESS_TYPES
from booking.domain.capacity import remaining
from booking.domain.center import CenterConfig
from booking.domain.errors import DateNotBookable, ValidationFailed
from booking.domain.release import cutoff_at, ensure_bookable
from booking.domain.working_calendar import WorkingCalendar
from booking.service.calendar_answers import Rows
from booking.service.calendars import working_calendar
from booking.service.context import BookingContext

DEFAULT_DAYS = 14   # api.md: "default range: today + 14 days"


def checked_range(ctx: BookingContext, start: date, end: date | None) -> date:
    """The range's end (default: start + 14 days); 422 when it ends before it starts or
    spans more days than one request may ask for."""
    end = end or start + timedelta(days=DEFAULT_DAYS)
    if end < start:
        raise ValidationFailed([{"field": "to", "message": "must not be before from"}])
    if (end - start).days >= ctx.settings.calendar_max_days:
        raise ValidationFailed([{"field": "to", "message":
                                 f"at most {ctx.settings.calendar_max_days} days per request"}])
    return end


def business_types() -> list[dict]:
    return [{"code": t.code, "name": t.name, "needs_count": t.needs_count,
             "count": t.count_rule.value, "excludes": sorted(t.excludes)} for t in BUSINESS_TYPES]


async def calendar_view(ctx: BookingContext, center_id: str | None, start: date | None,
                        end: date | None, *, shape: Callable[[list[dict]], list[dict]]) -> dict:
    """The public calendar. ``shape`` makes the days what the answer model says (the API
    passes it so that kept days, calendar_answers.py, are shaped once, not per request)."""
    center = ctx.centers.get(center_id)
    now = ctx.clock.now()
    today = center.local_date(now)
    start = start or today
    end = checked_range(ctx, start, end)

    async def read() -> tuple[WorkingCalendar, Rows]:
        async with ctx.db.connection() as conn:
            return await working_calendar(ctx, conn, center), await calendar_rows(conn, center.id, start, end)
    calendar, rows = await ctx.calendars.answers.reads.read((center.id, start, end), read)

    def work_out() -> list[dict]:
        counters = {(r[1], r[2]): Counter(r[3], r[4]) for r in rows if r[0] == 0}
        closed = {r[1] for r in rows if r[0] == 1}
        return shape([_day(center, calendar, counters, closed, start + timedelta(days=i), now)
                      for i in range((end - start).days + 1)])
    days = ctx.calendars.answers.days(center, calendar, rows, start, end, now, work_out)
    return {"center": center.id, "timezone": center.timezone, "now": center.local(now).isoformat(),
            "days": days}


def _day(center: CenterConfig, calendar: WorkingCalendar, counters: dict[tuple[date, str], Counter],
         closed: set[date], day: date, now) -> dict:
    working = calendar.is_working(day)
    reason = None
    try:
        ensure_bookable(center, calendar, day, now)
        if day in closed:
            reason = "closed"
    except DateNotBookable as refusal:
        reason = refusal.extra.get("reason")
    periods = []
    if working:
        for p in center.periods:
            counter = counters.get((day, p.code), Counter(center.default_capacity, 0))
            periods.append({"code": p.code, "start": p.start.strftime("%H:%M"), "end": p.end.strftime("%H:%M"),
                            "capacity": counter.capacity, "remaining": remaining(counter.capacity, counter.booked)})
    return {
        "date": day.isoformat(),
        "working": working,
        "source": calendar.source(day),          # official | override | fallback (year unknown)
        "bookable": reason is None,
        "not_bookable_reason": reason,
        "cutoff_at": center.local(cutoff_at(center, calendar, day)).isoformat() if working else None,
        "periods": periods,
    }


async def set_calendar_day(ctx: BookingContext, admin_id: str, center_id: str | None, day: date,
                           working: bool, note: str) -> dict:
    center = ctx.centers.get(center_id)
    async with ctx.unit_of_work() as uow:
        await CalendarOverrides(uow.conn).set(center.id, day, working, note, by=admin_id, at=uow.now)
    ctx.calendars.forget(center.id)
    return {"center": center.id, "date": day.isoformat(), "working": working, "source": "override",
            "note": note}


async def clear_calendar_day(ctx: BookingContext, center_id: str | None, day: date) -> None:
    center = ctx.centers.get(center_id)
    async with ctx.unit_of_work() as uow:
        await CalendarOverrides(uow.conn).remove(center.id, day)
    ctx.calendars.forget(center.id)
