"""The closing sweep as a use case, driven directly (schedulers off): two replicas sweeping
at once mark each leftover booking once and count it once; a second sweep finds nothing;
a booking only allocated after its day had closed is not held against its agent."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from booking.service.no_show_sweep import sweep_no_shows

SH = ZoneInfo("Asia/Shanghai")


async def allocate(service, day, bookings) -> None:
    r = await service.run_cutoff(day)
    assert r.status == 202
    await service.allocation_completed(day, (await r.json())["cutoff_id"], [
        {"booking_id": b["id"], "period": b["period"], "desk": 1, "start": "09:00", "end": "09:30",
         "queue_number": f"A{i:03d}"} for i, b in enumerate(bookings, 1)])


async def test_two_sweeps_at_once_count_each_no_show_once(start_booking):
    first = await start_booking(scheduler_enabled=False)
    second = await start_booking(first.center, scheduler_enabled=False)
    ids = [str(uuid.uuid4()) for _ in range(5)]
    agents = [first.headers(i) for i in ids]
    bookings = [await first.booked(a, period="AM" if n % 2 else "PM") for n, a in enumerate(agents)]
    await allocate(first, first.tuesday, bookings)

    closing = datetime(2025, 11, 18, 17, 0, 1, tzinfo=SH)
    for svc in (first, second):
        svc.set_clock(closing)
    center = first.ctx.centers.get(first.center)
    marked = await asyncio.gather(*(sweep_no_shows(svc.ctx, center, closing) for svc in (first, second, first)))
    assert sum(marked) == 5
    assert [(await first.get_booking(a, b["id"]))["status"] for a, b in zip(agents, bookings)] == ["no_show"] * 5
    assert [(await first.rights_of(a))["no_shows"] for a in agents] == [1] * 5
    no_shows = await first.outbox("booking.no_show", [b["id"] for b in bookings])
    assert sorted(d["booking_id"] for d in no_shows) == sorted(b["id"] for b in bookings)
    assert {d["late"] for d in no_shows} == {False}
    assert await sweep_no_shows(second.ctx, center, closing) == 0


async def test_a_day_allocated_only_after_it_closed_is_not_swept(start_booking):
    service = await start_booking(scheduler_enabled=False)
    agent = service.agent()
    booking = await service.booked(agent)
    await service.at(datetime(2025, 11, 18, 18, 0, tzinfo=SH))     # Tuesday evening: the day is over
    await allocate(service, service.tuesday, [booking])
    center = service.ctx.centers.get(service.center)
    assert await sweep_no_shows(service.ctx, center, datetime(2025, 11, 19, 17, 0, 1, tzinfo=SH)) == 0
    assert (await service.get_booking(agent, booking["id"]))["status"] == "allocated"
    assert (await service.rights_of(agent))["no_shows"] == 0
