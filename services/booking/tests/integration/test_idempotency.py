"""Idempotency-Key on POST /api/v1/bookings."""
from __future__ import annotations

import uuid


async def test_the_same_key_and_body_replay_the_first_answer(service):
    agent = service.agent(**{"Idempotency-Key": uuid.uuid4().hex})
    body = service.body()
    first = await service.book(agent, body)
    assert first.status == 201 and "Idempotent-Replayed" not in first.headers
    # The same JSON with its keys in another order is the same body.
    again = await service.book(agent, dict(reversed(list(body.items()))))
    assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert await again.json() == await first.json()
    assert await service.remaining(service.tuesday, "AM") == 39


async def test_the_same_key_with_another_body_is_refused(service, refused):
    agent = service.agent(**{"Idempotency-Key": "k1"})
    await service.booked(agent)
    r = await service.book(agent, period="PM")
    assert (await refused(r, 422))["code"] == "idempotency.key_reused"
    assert await service.remaining(service.tuesday, "PM") == 40


async def test_keys_belong_to_each_agent(service):
    first = await service.booked(service.agent(**{"Idempotency-Key": "same-key"}))
    second = await service.booked(service.agent(**{"Idempotency-Key": "same-key"}))
    assert first["id"] != second["id"]


async def test_a_refusal_is_replayed_too_and_took_nothing(service, refused):
    await service.set_capacity(service.tuesday, "AM", 1)
    agent = service.agent(**{"Idempotency-Key": "big"})
    body = service.body(lines=2)
    first = await refused(await service.book(agent, body), 409)
    await service.set_capacity(service.tuesday, "AM", 5)       # room now, but the key has answered
    again = await service.book(agent, body)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await refused(again, 409) == first
    assert await service.remaining(service.tuesday, "AM") == 5


async def test_a_malformed_key_is_refused(service, refused):
    r = await service.book(service.agent(**{"Idempotency-Key": "x" * 201}))
    assert (await refused(r, 422))["code"] == "validation_error"
