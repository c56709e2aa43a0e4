"""Two (here four) clerks calling at once never take the same booking: the pick locks
with FOR UPDATE SKIP LOCKED and the unique partial indexes on booking_calls refuse a
second open call of a booking. Every round, all desks call together (asyncio.gather:
concurrent requests, each on its own pool connection), then complete what they got."""
from __future__ import annotations

import asyncio

ROUNDS = 10
DESKS = 4


async def test_concurrent_clerks_never_take_the_same_booking(service, calling_day, take_desk, desk_call):
    # Every number belongs to desk 4: desks 1-3 have no queue of their own and all reach
    # for the oldest waiting one, which desk 4 wants too.
    made = await calling_day(service, [(4, f"A{i:03d}") for i in range(1, ROUNDS * DESKS + 1)])
    clerks = [await take_desk(service, desk) for desk in range(1, DESKS + 1)]
    taken: list[str] = []
    for _ in range(ROUNDS):
        answers = await asyncio.gather(*(desk_call(service, clerk, "call") for clerk in clerks))
        views = []
        for r in answers:
            assert r.status == 200, await r.text()
            views.append(await r.json())
        ids = [v["booking_id"] for v in views]
        assert len(set(ids)) == len(ids), f"two desks took one booking: {views}"
        taken += ids
        await asyncio.gather(*(service.desk("complete", v["booking_id"], clerk) for v, clerk in zip(views, clerks)))
    assert sorted(taken) == sorted(b["id"] for b in made)
    async with service.db.connection() as conn:
        twice = await conn.fetch(
            "SELECT booking_id, count(*) FROM booking_calls WHERE center = $1 AND kind = 'call'"
            " GROUP BY booking_id HAVING count(*) > 1", service.center)
    assert twice == []


async def test_the_database_refuses_a_second_open_call_of_a_booking(service, calling_day, take_desk, desk_call):
    """The index itself, without the service's lock: an INSERT of a second open call fails."""
    import asyncpg
    import pytest
    [booking] = await calling_day(service, [(1, "A001")])
    clerk = await take_desk(service, 1)
    view = await (await desk_call(service, clerk, "call")).json()
    async with service.db.connection() as conn:
        with pytest.raises(asyncpg.UniqueViolationError) as refused:
            await conn.execute(
                "INSERT INTO booking_calls (id, booking_id, center, day, desk, queue_number, period, kind, clerk_id,"
                " at) SELECT gen_random_uuid(), booking_id, center, day, 2, queue_number, period, 'call', 'x', now()"
                " FROM booking_calls WHERE id = $1::uuid", view["id"])
    assert refused.value.constraint_name == "booking_calls_one_open_per_booking"
    assert booking["id"] == view["booking_id"]
