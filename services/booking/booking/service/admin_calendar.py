"""What the administration console reads of the calendar: a month with each day's source,
override and cutoff state, and capacity per date and period with what is booked."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from booking.adapters.calendar_overrides import CalendarOverrides
from booking.adapters.capacity import CapacityCounters, Counter
from booking.adapters.cutoffs import statuses
from booking.domain.capacity import remaining
from booking.domain.center import CenterConfig
from booking.domain.errors import DateNotBookable, ValidationFailed
from booking.domain.release import cutoff_at, ensure_bookable, release_opens_on
from booking.domain.working_calendar import WorkingCalendar
from booking.service.calendar import checked_range
from booking.service.calendars import working_calendar
from booking.service.context import BookingContext

UNCONFIRMED_LOOKAHEAD_DAYS = 400   # the banner looks this far for the first unconfirmed day


def month_range(month: str) -> tuple[date, date]:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValidationFailed([{"field": "month", "message": "must be YYYY-MM"}]) from None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def first_unconfirmed(center: CenterConfig, calendar: WorkingCalendar, now: datetime) -> dict | None:
    """The first day ahead whose year is unconfirmed, and when it would enter the release
    horizon: what the console's banner and the alert (metrics) say."""
    today = center.local_date(now)
    day = calendar.first_unconfirmed(today, UNCONFIRMED_LOOKAHEAD_DAYS)
    if day is None:
        return None
    opens = release_opens_on(center, calendar, day)
    return {"date": day.isoformat(), "release_opens_on": opens.isoformat(),
            "days_until_release": (opens - today).days}


async def month_view(ctx: BookingContext, center_id: str | None, month: str) -> dict:
    center = ctx.centers.get(center_id)
    start, end = month_range(month)
    now = ctx.clock.now()
    async with ctx.db.connection() as conn:
        calendar = await working_calendar(ctx, conn, center)
        overrides = await CalendarOverrides(conn).details(center.id, start, end)
        cutoffs = await statuses(conn, center.id, start, end)
    days = []
    for i in range((end - start).days + 1):
        day = start + timedelta(days=i)
        official = calendar.official.is_working(day)
        reason = None
        try:
            ensure_bookable(center, calendar, day, now)
        except DateNotBookable as refusal:
            reason = refusal.extra.get("reason")
        row = cutoffs.get(day)
        if reason is None and row is not None and row["status"] != "open":
            reason = "closed"
        override = overrides.get(day)
        working = calendar.is_working(day)
        days.append({
            "date": day.isoformat(), "weekday": day.isoweekday(), "working": working,
            "source": "override" if override else (calendar.official.source(day.year) or "fallback"),
            "official_working": official, "confirmed": calendar.confirmed(day),
            "override": {"working": override["working"], "note": override["note"], "set_by": override["set_by"],
                         "set_at": center.local(override["set_at"]).isoformat()} if override else None,
            "bookable": reason is None, "not_bookable_reason": reason,
            "cutoff_at": center.local(cutoff_at(center, calendar, day)).isoformat() if working else None,
            "cutoff_status": row["status"] if row else "open",
        })
    return {"center": center.id, "month": month, "year_source": calendar.official.source(start.year),
            "first_unconfirmed": first_unconfirmed(center, calendar, now), "days": days}


async def capacity_view(ctx: BookingContext, center_id: str | None, start: date | None,
                        end: date | None) -> dict:
    center = ctx.centers.get(center_id)
    start = start or center.local_date(ctx.clock.now())
    end = checked_range(ctx, start, end)
    async with ctx.db.connection() as conn:
        calendar = await working_calendar(ctx, conn, center)
        counters = await CapacityCounters(conn).in_range(center.id, start, end)
    days = []
    for i in range((end - start).days + 1):
        day = start + timedelta(days=i)
        working = calendar.is_working(day)
        periods = []
        if working:
            for p in center.periods:
                c = counters.get((day, p.code), Counter(center.default_capacity, 0))
                periods.append({"code": p.code, "start": p.start.strftime("%H:%M"), "end": p.end.strftime("%H:%M"),
                                "capacity": c.capacity, "booked": c.booked,
                                "remaining": remaining(c.capacity, c.booked)})
        days.append({"date": day.isoformat(), "working": working, "periods": periods})
    return {"center": center.id, "days": days}
