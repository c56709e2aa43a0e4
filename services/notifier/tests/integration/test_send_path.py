"""The send path's bookkeeping around the provider call: the attempt is on record (with the
claim, in one statement) before the call, the in-flight permit comes back as soon as the
provider answered, the outcome and its event are stored together, and a long wait for a
rate slot never lets the claim lapse into a second call."""
from __future__ import annotations

import uuid

from notifier.adapters import message_store
from notifier.app import SENDER_KEY
from testsupport.notifier import events as ev
from testsupport.generators import new_phone
from testsupport.notifier.harness import received


async def test_the_attempt_is_recorded_before_the_call_and_the_permit_returns_before_the_outcome(
        notifier_env, monkeypatch):
    env = notifier_env
    client = await env.start(max_in_flight=1)
    sender = client.app[SENDER_KEY]
    probe = await env.probe("notification.*")
    seen: dict[str, object] = {}

    real_send = sender.provider.send

    async def watched_send(phone, text, ref):
        seen["attempts_at_call"] = [tuple(r) for r in await env.fetch(
            "SELECT attempt, outcome FROM message_attempts WHERE message_id = $1", uuid.UUID(ref))]
        seen["status_at_call"] = await env.fetchval("SELECT status FROM messages WHERE id = $1", uuid.UUID(ref))
        return await real_send(phone, text, ref)

    real_finish = message_store.finish

    async def watched_finish(*args, **kwargs):
        seen["in_flight_at_finish"] = sender.in_flight.used
        return await real_finish(*args, **kwargs)

    monkeypatch.setattr(sender.provider, "send", watched_send)
    monkeypatch.setattr(message_store, "finish", watched_finish)
    booking = f"bk-{uuid.uuid4().hex[:10]}"
    await env.publish(ev.confirmed(booking, new_phone()))
    [row] = await env.wait_final(1, booking_id=booking)

    assert row["status"] == "delivered" and row["attempts"] == 1
    assert seen["attempts_at_call"] == [(1, None)] and seen["status_at_call"] == "sending"
    assert seen["in_flight_at_finish"] == 0
    attempts = await env.fetch("SELECT attempt, outcome, finished_at FROM message_attempts WHERE message_id = $1",
                               row["id"])
    assert [(a["attempt"], a["outcome"]) for a in attempts] == [(1, "delivered")] and attempts[0]["finished_at"]
    [event] = [e for e in await received(probe, 1) if e["data"]["booking_id"] == booking]
    assert event["type"] == "notification.delivered" and event["data"]["message_id"] == str(row["id"])
    assert event["correlation_id"] == row["correlation_id"]


async def test_a_long_wait_for_a_rate_slot_never_lets_the_claim_lapse(notifier_env):
    env = notifier_env
    # 2 calls a second: the 6th claimed message waits ~2.5 s for its slot, longer than the
    # 2 s lease; without stretching the lease a sweeper would take it and call it twice.
    await env.start(max_in_flight=6, provider_rate_per_second=2)
    bookings = [f"bk-{uuid.uuid4().hex[:10]}" for _ in range(6)]
    await env.publish(*(ev.confirmed(b, new_phone()) for b in bookings))
    rows = await env.wait_final(6, timeout=30)

    assert {r["status"] for r in rows} == {"delivered"}
    assert sorted(env.calls_by_ref().values()) == [1] * 6
    outcomes = await env.fetch("SELECT outcome, count(*) AS n FROM message_attempts GROUP BY outcome")
    assert {r["outcome"]: r["n"] for r in outcomes} == {"delivered": 6}
