"""What administrators (and ops, CutoffNotRun) see of a date's cutoff: open, closed (its
allocation requested), or allocated. Any date answers; one never closed is open."""
from __future__ import annotations

from datetime import date, timedelta

from booking.adapters.cutoffs import CutoffRuns, Cutoffs, statuses
from booking.adapters.day_bookings import DayBookings
from booking.domain.errors import ValidationFailed
from booking.domain.release import cutoff_at
from booking.service.calendars import working_calendar
from booking.service.context import BookingContext


async def cutoff_state(ctx: BookingContext, center_id: str, day: date) -> dict:
    center = ctx.centers.get(center_id)
    async with ctx.db.connection() as conn:
        row = await Cutoffs(conn).get(center.id, day)
        live = await DayBookings(conn).count_live(center.id, day)
        normal = cutoff_at(center, await working_calendar(ctx, conn, center), day)
        runs = await CutoffRuns(conn).of_day(center.id, day)
    state = _state(center, day, row, live, normal)
    state["runs"] = [{"at": center.local(r["at"]).isoformat(), "by": r["by"], "reason": r["reason"],
                      "rerun": r["rerun"]} for r in runs]
    return state


async def cutoff_list(ctx: BookingContext, center_id: str | None, start: date | None, end: date | None) -> dict:
    """The states of a range of working days (default: a week either side of today)."""
    center = ctx.centers.get(center_id)
    today = center.local_date(ctx.clock.now())
    start, end = start or today - timedelta(days=7), end or today + timedelta(days=7)
    if end < start or (end - start).days >= ctx.settings.calendar_max_days:
        raise ValidationFailed([{"field": "to", "message":
                                 f"from..to: at most {ctx.settings.calendar_max_days} days, in order"}])
    items = []
    async with ctx.db.connection() as conn:
        calendar = await working_calendar(ctx, conn, center)
        rows = await statuses(conn, center.id, start, end)
        for i in range((end - start).days + 1):
            day = start + timedelta(days=i)
            if calendar.is_working(day):
                live = await DayBookings(conn).count_live(center.id, day)
                items.append(_state(center, day, rows.get(day), live, cutoff_at(center, calendar, day)))
    return {"center": center.id, "items": items}


def _state(center, day: date, row, live: int, normal) -> dict:
    def local(instant):
        return center.local(instant).isoformat() if instant else None

    closed = row is not None and row["status"] != "open"
    return {
        "center": center.id, "date": day.isoformat(),
        "status": row["status"] if row else "open",
        "bookings": live,                    # not cancelled; frozen once the date is closed
        "cutoff_at": local(normal),          # the normal cutoff (an admin may close earlier)
        "closed_at": local(row["closed_at"]) if closed else None,
        "closed_by": row["closed_by"] if closed else None,
        "allocated_at": local(row["allocated_at"]) if row else None,
        "cutoff_id": str(row["request_id"]) if closed and row["request_id"] else None,
        "requested_at": local(row["requested_at"]) if row else None,
        "requests": row["requests"] if row else 0,
        "snapshot_bookings": row["snapshot_bookings"] if row else None,
    }
