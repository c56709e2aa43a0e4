"""The database holds the rules when requests race: capacity is never exceeded and one
agent's identical submissions make one booking."""
from __future__ import annotations

import asyncio
from collections import Counter


async def test_200_agents_racing_for_the_last_10_lines_get_exactly_10_bookings(service):
    await service.set_capacity(service.tuesday, "AM", 10)
    requests = [service.book(service.agent()) for _ in range(200)]   # different agents, phones, enterprises
    responses = await asyncio.gather(*requests)
    outcomes = Counter()
    for r in responses:
        outcomes[(r.status, (await r.json()).get("code"))] += 1
    assert outcomes == {(201, None): 10, (409, "booking.capacity_exhausted"): 190}
    assert await service.remaining(service.tuesday, "AM") == 0
    async with service.db.connection() as conn:
        assert await conn.fetchval(
            "SELECT count(*) FROM bookings WHERE center = $1 AND status = 'confirmed'", service.center) == 10
        assert await conn.fetchval(
            "SELECT booked FROM capacity WHERE center = $1 AND day = $2 AND period = 'AM'",
            service.center, service.tuesday) == 10


async def test_20_identical_submissions_by_one_agent_make_one_booking(service):
    agent, body = service.agent(), service.body()
    responses = await asyncio.gather(*(service.book(agent, body) for _ in range(20)))
    outcomes = Counter()
    for r in responses:
        outcomes[(r.status, (await r.json()).get("code"))] += 1
    assert outcomes == {(201, None): 1, (409, "booking.duplicate_period"): 19}
    r = await service.client.get("/api/v1/bookings", headers=agent)
    assert len((await r.json())["items"]) == 1
    assert await service.remaining(service.tuesday, "AM") == 39


async def test_20_identical_submissions_with_one_idempotency_key_all_get_the_one_booking(service):
    agent, body = service.agent(**{"Idempotency-Key": "double-click"}), service.body()
    responses = await asyncio.gather(*(service.book(agent, body) for _ in range(20)))
    assert [r.status for r in responses] == [201] * 20
    ids = {(await r.json())["id"] for r in responses}
    assert len(ids) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 19
    assert await service.remaining(service.tuesday, "AM") == 39


async def test_two_agents_racing_for_one_enterprise_on_a_date_get_one_booking(service, org_codes):
    [code] = org_codes()
    responses = await asyncio.gather(*(service.book(service.agent(), codes=[code], period=p)
                                       for p in ("AM", "PM") for _ in range(5)))
    outcomes = Counter()
    for r in responses:
        outcomes[(r.status, (await r.json()).get("code"))] += 1
    assert outcomes == {(201, None): 1, (409, "booking.enterprise_already_booked"): 9}


async def test_a_booking_waiting_while_its_date_is_closed_is_refused(service, eventually, refused):
    """The protocol the cutoff (next issue) relies on: closing locks the date's capacity
    rows, marks the date closed and commits; a booking blocked on those rows meanwhile
    must see the close once it gets the lock, not slip in after the snapshot."""
    await service.booked(service.agent())                   # the AM counter row exists now
    async with service.db.transaction() as closing:
        await closing.execute("SELECT 1 FROM capacity WHERE center = $1 AND day = $2 FOR UPDATE",
                              service.center, service.tuesday)
        pending = asyncio.create_task(service.book(service.agent()))

        async def blocked() -> bool:
            async with service.db.connection() as conn:
                return await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'") > 0
        assert await eventually(blocked)
        await closing.execute("INSERT INTO cutoffs (id, center, day, status, closed_at)"
                              " VALUES (gen_random_uuid(), $1, $2, 'closed', now())", service.center, service.tuesday)
    problem = await refused(await pending, 422)
    assert (problem["code"], problem["reason"]) == ("booking.date_not_bookable", "closed")
    assert await service.remaining(service.tuesday, "AM") == 39
