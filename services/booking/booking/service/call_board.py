"""The hall display's board (大屏): per desk the number now served, the last calls, and
how many wait per period. Numbers and desks only: never names, phones or booking ids."""
from __future__ import annotations

from booking.adapters.calls import Calls
from booking.adapters.waiting_line import WaitingLine
from booking.service.context import BookingContext

RECENT = 10


async def board(ctx: BookingContext, center_id: str | None) -> dict:
    center = ctx.centers.get(center_id)
    now = ctx.clock.now()
    day = center.local_date(now)
    async with ctx.db.connection() as conn:
        calls = Calls(conn)
        open_calls = {r["desk"]: r for r in await calls.open_on(center.id, day)}
        recent = await calls.recent(center.id, day, RECENT)
        waiting = await WaitingLine(conn).waiting_per_period(center.id, day)
        last = await calls.last_seq(center.id, day)
    return {
        "center": center.id, "date": day.isoformat(), "now": center.local(now).isoformat(),
        "desks": [{"desk": d, "queue_number": open_calls[d]["queue_number"] if d in open_calls else None,
                   "called_at": center.local(open_calls[d]["at"]).isoformat() if d in open_calls else None}
                  for d in range(1, center.desks + 1)],
        "recent": [{"desk": r["desk"], "queue_number": r["queue_number"], "kind": r["kind"],
                    "called_at": center.local(r["at"]).isoformat()} for r in recent],
        "waiting": [{"period": p.code, "waiting": waiting.get(p.code, 0)} for p in center.periods],
        "last_event_id": last,
    }
