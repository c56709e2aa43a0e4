"""The capacity is taken in the booking's own statement, last: a refusal there (no room)
leaves nothing of the booking behind, with or without an Idempotency-Key, and a booking
larger than the center's default capacity still fits a period whose capacity was raised."""
from __future__ import annotations

from dataclasses import replace


async def written(service, agent_id: str) -> tuple[int, int]:
    """(bookings, outbox rows) of an agent."""
    async with service.db.connection() as conn:
        bookings = await conn.fetchval("SELECT count(*) FROM bookings WHERE agent_id = $1", agent_id)
        events = await conn.fetchval("SELECT count(*) FROM outbox WHERE envelope->'data'->>'agent_id' = $1",
                                     agent_id)
    return bookings, events


def small_default(service, default_capacity: int) -> None:
    # Each test has its own center and app: give this one a small default capacity.
    centers = service.ctx.centers
    centers._by_id[service.center] = replace(centers.get(service.center), default_capacity=default_capacity)


async def test_a_refusal_for_lack_of_room_writes_nothing(service, refused):
    await service.set_capacity(service.tuesday, "AM", 2)
    agent_id = "agent-no-room"
    r = await service.book(service.headers(agent_id), lines=3)
    problem = await refused(r, 409)
    assert (problem["code"], problem["remaining"]) == ("booking.capacity_exhausted", 2)
    assert await written(service, agent_id) == (0, 0)
    assert await service.remaining(service.tuesday, "AM") == 2


async def test_with_a_key_the_refusal_is_kept_and_nothing_else(service, refused):
    await service.set_capacity(service.tuesday, "AM", 1)
    agent_id = "agent-no-room-key"
    headers = service.headers(agent_id, **{"Idempotency-Key": "k-no-room"})
    body = service.body(lines=2)
    first = await refused(await service.book(headers, body), 409)
    again = await service.book(headers, body)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert (await refused(again, 409)) == first
    assert await written(service, agent_id) == (0, 0)
    async with service.db.connection() as conn:
        assert await conn.fetchval("SELECT status FROM idempotency_keys WHERE agent_id = $1", agent_id) == 409


async def test_more_lines_than_the_default_capacity(service, refused):
    small_default(service, 2)
    r = await service.book(service.agent(), lines=3)              # no row yet: the default holds
    assert (await refused(r, 409))["code"] == "booking.capacity_exhausted"
    assert await service.remaining(service.tuesday, "AM") == 2
    await service.set_capacity(service.tuesday, "AM", 5)
    await service.booked(service.agent(), lines=3)
    assert await service.remaining(service.tuesday, "AM") == 2
    await service.booked(service.agent(), lines=2, period="PM")   # within the default: one statement
    assert await service.remaining(service.tuesday, "PM") == 0
