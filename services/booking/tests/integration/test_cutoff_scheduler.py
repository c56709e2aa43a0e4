"""The cutoff scheduler on its own (no allocator): two replicas at 15:00 close the date
once and request its allocation once, naming the frozen snapshot they stored (served by
booking's internal route); a cutoff missed while the service was down runs when it starts
again; a day already over is not caught up; the last close is reported to Prometheus."""
from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from booking.service.cutoff_close import close_date

SH = ZoneInfo("Asia/Shanghai")
MONDAY_10AM = datetime(2025, 11, 17, 10, 0, tzinfo=SH)
MONDAY_CUTOFF = datetime(2025, 11, 17, 15, 0, 1, tzinfo=SH)


def for_center(events: list[dict], center: str) -> list[dict]:
    return [e["data"] for e in events if e["data"]["center"] == center]


async def requested_rows(service) -> int:
    async with service.db.connection() as conn:
        return await conn.fetchval("SELECT count(*) FROM outbox WHERE type = 'allocation.requested'"
                                   " AND envelope->'data'->>'center' = $1", service.center)


async def test_two_replicas_at_the_cutoff_close_the_date_once(start_booking, probe, collect):
    first = await start_booking()
    second = await start_booking(first.center)      # same center, database and broker
    # One instant for both test clocks: each was set when its app started, so the second ran
    # behind by its start-up time, and a booking made on it just after one made on the first
    # could carry the earlier created_at (first come first would then flip; seen in CI).
    first.set_clock(MONDAY_10AM)
    second.set_clock(MONDAY_10AM)
    requested = await probe("allocation.requested")
    agent = first.agent()
    kept = await first.booked(agent, lines=3)
    r = await second.client.post(f"/api/v1/bookings/{kept['id']}/enterprises/"
                                 f"{kept['enterprises'][0]['org_code']}/cancel", headers=agent)
    assert r.status == 200
    other = second.agent()
    gone = await second.booked(other)
    assert (await second.client.post(f"/api/v1/bookings/{gone['id']}/cancel", headers=other)).status == 200
    afternoon = await second.booked(second.agent(), period="PM", phone=kept["contact_phone"])

    # Both schedulers wake at the same instant.
    first.set_clock(MONDAY_CUTOFF)
    second.set_clock(MONDAY_CUTOFF)
    state = await first.cutoff_reaches(first.tuesday, "closed")
    events = await collect(requested, lambda got: for_center(got, first.center), settle=1.5)

    [requested_data] = for_center(events, first.center)
    assert await requested_rows(first) == 1
    # The event names the frozen day (a claim check); the allocator fetches it from booking.
    assert (requested_data["date"], requested_data["cutoff_id"], requested_data["booking_count"]) == (
        "2025-11-18", state["cutoff_id"], 2)
    assert requested_data["snapshot_path"] == f"/internal/cutoff-snapshots/{state['cutoff_id']}"
    assert "bookings" not in requested_data
    data = await second.snapshot(requested_data)                   # either replica serves it
    assert (data["date"], data["cutoff_id"], state["requests"], state["bookings"]) == (
        "2025-11-18", state["cutoff_id"], 1, 2)
    assert data["closed_at"].startswith("2025-11-17T07:00")        # 15:00 in Qingdao
    assert data["periods"] == [{"code": "AM", "start": "09:00", "end": "11:30", "queue_prefix": "A"},
                               {"code": "PM", "start": "13:30", "end": "17:00", "queue_prefix": "B"}]
    # First come first: the cancelled booking is out, and so is the cancelled line.
    assert [(b["id"], b["period"]) for b in data["bookings"]] == [(kept["id"], "AM"), (afternoon["id"], "PM")]
    assert [e["org_code"] for e in data["bookings"][0]["enterprises"]] == [
        e["org_code"] for e in kept["enterprises"][1:]]
    assert data["bookings"][0]["enterprises"][0]["businesses"] == [{"type": "RENEW_UNLOCK", "count": 2}]
    async with first.db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM cutoffs WHERE center = $1", first.center) == 1


async def test_closing_a_date_many_times_at_once_closes_it_once(start_booking):
    """The guard itself, without the schedulers' timing: six closers on two replicas."""
    first = await start_booking(scheduler_enabled=False)
    second = await start_booking(first.center, scheduler_enabled=False)
    await first.booked(first.agent())
    center = first.ctx.centers.get(first.center)
    results = await asyncio.gather(*(close_date(svc.ctx, center, first.tuesday, now=MONDAY_CUTOFF)
                                     for svc in (first, second, first, second, first, second)))
    [winner] = [r for r in results if r is not None]
    assert winner.bookings == 1
    assert await requested_rows(first) == 1
    state = await first.cutoff(first.tuesday)
    assert (state["status"], state["requests"], state["cutoff_id"]) == ("closed", 1, winner.cutoff_id)


async def test_a_missed_cutoff_runs_as_soon_as_the_service_is_back(start_booking, probe, collect):
    before = await start_booking()
    booking = await before.booked(before.agent())
    await before.client.close()                     # down from Monday morning ...
    requested = await probe("allocation.requested")

    back = await start_booking(before.center, now=datetime(2025, 11, 18, 8, 0, tzinfo=SH))   # ... to Tuesday 08:00
    state = await back.cutoff_reaches(back.tuesday, "closed")
    assert state["closed_at"].startswith("2025-11-18T08:00") and state["closed_by"] is None
    [requested_data] = for_center(await collect(requested, lambda got: for_center(got, back.center)), back.center)
    data = await back.snapshot(requested_data)
    assert [b["id"] for b in data["bookings"]] == [booking["id"]]

    # What operations.md's CutoffNotRun alert reads.
    r = await back.client.get("/metrics")
    closed_at = datetime.fromisoformat(state["closed_at"]).timestamp()
    line = f'cutoff_last_closed_timestamp_seconds{{center="{back.center}"}}'
    [value] = [float(row.split()[-1]) for row in (await r.text()).splitlines() if row.startswith(line)]
    assert abs(value - closed_at) < 1e-3


async def test_a_day_already_over_is_not_caught_up(start_booking):
    before = await start_booking()
    agent = before.agent()
    tuesday = await before.booked(agent, day=before.tuesday)
    await before.booked(before.agent(), day=before.wednesday)
    await before.client.close()

    # Back on Tuesday at 18:00: Wednesday (cutoff Tuesday 15:00) is closed in the first pass;
    # Tuesday is over, so allocating it now would only make everybody a no-show.
    back = await start_booking(before.center, now=datetime(2025, 11, 18, 18, 0, tzinfo=SH))
    await back.cutoff_reaches(back.wednesday, "closed")
    state = await back.cutoff(back.tuesday)
    assert (state["status"], state["requests"], state["bookings"]) == ("open", 0, 1)
    assert (await back.get_booking(agent, tuesday["id"]))["status"] == "confirmed"
