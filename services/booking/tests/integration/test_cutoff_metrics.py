"""What the CutoffNotAllocated alert reads: how long the oldest closed date of a center has
waited for its allocation, from the cutoffs table, refreshed by the scheduler's pass."""
from __future__ import annotations

from datetime import timedelta

from testsupport.messaging import wait_for



async def closed(service) -> str:
    r = await service.run_cutoff(service.tuesday)
    assert r.status == 202, await r.text()
    return (await r.json())["cutoff_id"]


def assignment(booking: dict) -> dict:
    return {"booking_id": booking["id"], "period": booking["period"], "desk": 1, "start": "09:00",
            "end": "09:30", "queue_number": "A001"}


async def unallocated_age(service) -> float | None:
    text = await (await service.client.get("/metrics")).text()
    line = f'cutoff_closed_unallocated_oldest_age_seconds{{center="{service.center}"}}'
    values = [float(row.split()[-1]) for row in text.splitlines() if row.startswith(line)]
    return values[0] if values else None


async def test_a_closed_date_ages_until_its_allocation_comes_back(service):
    agent = service.agent()
    booking = await service.booked(agent)
    assert await wait_for(lambda: _is(unallocated_age(service), lambda v: v == 0.0)), "no gauge while open"

    cutoff_id = await closed(service)
    await service.at(service.now + timedelta(minutes=20))
    # Twenty minutes of the service clock since the request (the scheduler runs every second).
    assert await wait_for(lambda: _is(unallocated_age(service), lambda v: 1200 <= v < 1260)), \
        await unallocated_age(service)

    await service.allocation_completed(service.tuesday, cutoff_id, [assignment(booking)])
    assert await wait_for(lambda: _is(unallocated_age(service), lambda v: v == 0.0)), \
        await unallocated_age(service)


async def _is(coro, check) -> bool:
    value = await coro
    return value is not None and check(value)
