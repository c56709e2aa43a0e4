"""The per-account throttle of POST /api/v1/bookings (service/account_throttle.py), counted
in the booking's first statement (the checks' read) or, for a request refused before it,
on its own: every request of the account counts, and once over budget each one answers
429 booking.rate_limited with Retry-After, whatever its body, with nothing written and
nothing kept with its Idempotency-Key."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

BUDGET = 2
SATURDAY = date(2025, 11, 22)    # not a working day: refused before the checks' read


@pytest.fixture
async def throttled(start_booking):
    svc = await start_booking(throttle_bookings_max=BUDGET, throttle_bookings_window_seconds=3600)
    await svc.at(svc.now)
    return svc


def an_agent(service, **extra: str) -> tuple[str, dict[str, str]]:
    agent_id = str(uuid.uuid4())
    return agent_id, service.headers(agent_id, **extra)


async def hits_of(service, agent_id: str) -> int | None:
    return await service.fetchval(
        "SELECT sum(hits) FROM account_throttles WHERE agent_id = $1 AND action = 'booking.create'", agent_id)


async def bookings_of(service, agent_id: str) -> int:
    return await service.fetchval("SELECT count(*) FROM bookings WHERE agent_id = $1", agent_id)


async def assert_throttled(r, refused) -> None:
    problem = await refused(r, 429)
    assert problem["code"] == "booking.rate_limited", problem
    assert 1 <= int(r.headers["Retry-After"]) <= 3600
    assert problem["detail"] == "at most 2 requests per 3600 s for this account"


async def test_over_budget_a_valid_booking_is_429_and_nothing_is_written(throttled, refused):
    agent_id, agent = an_agent(throttled)
    await throttled.booked(agent, period="AM")
    await throttled.booked(agent, period="PM")
    await assert_throttled(await throttled.book(agent, day=throttled.wednesday), refused)
    assert await bookings_of(throttled, agent_id) == 2
    assert await hits_of(throttled, agent_id) == 3
    assert await throttled.remaining(throttled.wednesday, "AM") == 40
    # another account has its own budget
    await throttled.booked(throttled.agent(), day=throttled.wednesday)


async def test_a_flood_of_invalid_bodies_reaches_429_not_422(throttled, refused):
    agent_id, agent = an_agent(throttled)
    for _ in range(BUDGET):
        r = await throttled.client.post("/api/v1/bookings", json={}, headers=agent)
        assert (await refused(r, 422))["code"] == "validation_error"
    await assert_throttled(await throttled.client.post("/api/v1/bookings", json={}, headers=agent), refused)
    assert await hits_of(throttled, agent_id) == 3


async def test_every_refusal_before_the_checks_counts(throttled, refused):
    """A malformed key, an unknown center, a date that is not a working day: each counts on
    its own, and the next one, valid or not, is over the budget."""
    agent_id, agent = an_agent(throttled)
    r = await throttled.book({**agent, "Idempotency-Key": "x" * 201})
    assert (await refused(r, 422))["code"] == "validation_error"
    assert (await refused(await throttled.book(agent, day=SATURDAY), 422))["code"] == "booking.date_not_bookable"
    assert await hits_of(throttled, agent_id) == 2
    await assert_throttled(await throttled.book(agent, throttled.body(center="nowhere")), refused)
    await assert_throttled(await throttled.book(agent, day=SATURDAY), refused)
    await assert_throttled(await throttled.book({**agent, "Idempotency-Key": "x" * 201}), refused)
    await assert_throttled(await throttled.book(agent), refused)
    assert await bookings_of(throttled, agent_id) == 0


async def test_a_429_is_not_kept_with_the_key_and_a_retry_after_the_window_books(throttled, refused):
    agent_id, agent = an_agent(throttled)
    await throttled.booked(agent, period="AM")
    await throttled.booked(agent, period="PM")
    keyed = {**agent, "Idempotency-Key": "after-the-window"}
    body = throttled.body(day=throttled.wednesday)
    await assert_throttled(await throttled.book(keyed, body), refused)
    await assert_throttled(await throttled.book(keyed, body), refused)     # not a replay: refused again
    # refused in the transaction: the claim and its count undone (the count was over already)
    assert await throttled.fetchval("SELECT count(*) FROM idempotency_keys WHERE agent_id = $1", agent_id) == 0
    assert await hits_of(throttled, agent_id) == BUDGET
    await throttled.at(throttled.now + timedelta(hours=1))
    r = await throttled.book(keyed, body)
    assert r.status == 201 and "Idempotent-Replayed" not in r.headers, await r.text()
    again = await throttled.book(keyed, body)
    assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert await bookings_of(throttled, agent_id) == 3
    # the past window was dropped by the first hit of the new one
    assert await hits_of(throttled, agent_id) == 2


async def test_a_keyed_refusal_before_the_checks_is_429_once_over_and_not_kept(throttled, refused):
    agent_id, agent = an_agent(throttled)
    keyed = {**agent, "Idempotency-Key": "saturday"}
    body = throttled.body(day=SATURDAY)
    for _ in range(BUDGET):   # the first is kept with its key, the second is its replay
        assert (await refused(await throttled.book(keyed, body), 422))["code"] == "booking.date_not_bookable"
    await assert_throttled(await throttled.book({**agent, "Idempotency-Key": "other"}, body), refused)
    assert await throttled.fetchval("SELECT array_agg(key) FROM idempotency_keys WHERE agent_id = $1",
                                    agent_id) == ["saturday"]


async def test_off_nothing_is_counted(start_booking):
    service = await start_booking(throttle_bookings_max=0)
    await service.at(service.now)
    agent_id, agent = an_agent(service)
    for _ in range(3):
        assert (await service.client.post("/api/v1/bookings", json={}, headers=agent)).status == 422
    await service.booked(agent)
    await service.booked({**agent, "Idempotency-Key": "k"}, period="PM")
    assert (await service.book(agent, day=SATURDAY)).status == 422
    assert await hits_of(service, agent_id) is None
