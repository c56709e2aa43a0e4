"""What administrators (and ops, CutoffNotRun) see of a date's cutoff: open, closed (its
allocation requested), or allocated. Any date answers; one never closed is open."""
from __future__ import annotations

from datetime import date

from ..adapters.cutoffs import CutoffRuns, Cutoffs
from ..adapters.day_bookings import DayBookings
from ..domain.release import cutoff_at
from .calendars import working_calendar
from .context import BookingContext


async def cutoff_state(ctx: BookingContext, center_id: str, day: date) -> dict:
    center = ctx.centers.get(center_id)
    async with ctx.db.connection() as conn:
        row = await Cutoffs(conn).get(center.id, day)
        live = await DayBookings(conn).count_live(center.id, day)
        normal = cutoff_at(center, await working_calendar(ctx, conn, center), day)
        runs = await CutoffRuns(conn).of_day(center.id, day)

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
        "runs": [{"at": local(r["at"]), "by": r["by"], "reason": r["reason"], "rerun": r["rerun"]} for r in runs],
    }
