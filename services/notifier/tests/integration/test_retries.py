"""The retry policy against the real fake provider: 429/5xx/timeouts are retried with
backoff up to a bound, other 4xx fail at once, and booking hears the outcome through
notification.delivered / notification.failed on the broker."""
from __future__ import annotations

import uuid

from testsupport.notifier import events as ev
from testsupport.generators import new_phone
from testsupport.notifier.harness import received, wait_until


async def test_503_twice_then_200_is_one_delivered_message_after_three_attempts(notifier_env):
    env = notifier_env
    await env.start()
    probe = await env.probe("notification.*")
    env.fake.state.answer_with(503, 503, 200)
    booking, phone = f"bk-{uuid.uuid4().hex[:10]}", new_phone()
    await env.publish(ev.confirmed(booking, phone))
    [row] = await env.wait_final(1, booking_id=booking)

    assert row["status"] == "delivered" and row["attempts"] == 3
    assert [c.status for c in env.fake.state.calls] == [503, 503, 200]
    assert env.calls_by_ref() == {str(row["id"]): 3}            # every call carried the same ref
    assert [m.ref for m in env.fake.state.messages] == [str(row["id"])]
    attempts = await env.fetch("SELECT * FROM message_attempts WHERE message_id = $1 ORDER BY attempt", row["id"])
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in attempts] == [
        (1, "retry", 503), (2, "retry", 503), (3, "delivered", None)]

    [event] = [e for e in await received(probe, 1) if e["data"]["booking_id"] == booking]
    assert event["type"] == "notification.delivered"
    assert event["data"]["message_id"] == str(row["id"])
    assert event["data"]["kind"] == "booking.confirmed"
    assert event["data"]["provider_id"] == env.fake.state.messages[0].id


async def test_400_fails_at_once_and_booking_hears_it(notifier_env):
    env = notifier_env
    await env.start()
    probe = await env.probe("notification.*")
    env.fake.state.answer_with(400)
    booking, phone = f"bk-{uuid.uuid4().hex[:10]}", new_phone()
    await env.publish(ev.allocated(booking, phone))
    [row] = await env.wait_final(1, booking_id=booking)

    assert row["status"] == "failed" and row["attempts"] == 1 and row["last_error"] == "http 400"
    assert len(env.fake.state.calls) == 1 and env.fake.state.messages == []
    [event] = [e for e in await received(probe, 1) if e["data"]["booking_id"] == booking]
    assert event["type"] == "notification.failed"
    assert event["data"]["message_id"] == str(row["id"])
    assert event["data"]["reason"] == "http 400" and event["data"]["attempts"] == 1
    assert event["data"]["kind"] == "booking.allocated"


async def test_retryable_failures_give_up_after_the_bound(notifier_env):
    env = notifier_env
    await env.start(retry_max_attempts=3)
    probe = await env.probe("notification.*")
    env.fake.state.retry_after = "0"
    env.fake.state.answer_with(503, 429, 502)
    booking = f"bk-{uuid.uuid4().hex[:10]}"
    await env.publish(ev.confirmed(booking, new_phone()))
    [row] = await env.wait_final(1, booking_id=booking)

    assert row["status"] == "failed" and row["attempts"] == 3
    assert row["last_error"] == "http 502 (gave up after 3 attempts)"
    assert [c.status for c in env.fake.state.calls] == [503, 429, 502]
    [event] = [e for e in await received(probe, 1) if e["data"]["booking_id"] == booking]
    assert event["type"] == "notification.failed" and event["data"]["attempts"] == 3


async def test_a_timeout_is_retried_with_the_same_ref_and_the_provider_keeps_one(notifier_env):
    env = notifier_env
    await env.start(provider_timeout_seconds=0.3, retry_max_attempts=6)
    env.fake.state.set_delay(0.6)     # answers too late for the notifier (the fake still keeps it)
    booking = f"bk-{uuid.uuid4().hex[:10]}"
    await env.publish(ev.confirmed(booking, new_phone()))
    assert await wait_until(lambda: env.fetchval(
        "SELECT count(*) FROM message_attempts WHERE reason = 'timeout'"))
    env.fake.state.set_delay(0)
    [row] = await env.wait_final(1, booking_id=booking)

    assert row["status"] == "delivered" and row["attempts"] >= 2
    attempts = await env.fetch("SELECT * FROM message_attempts WHERE message_id = $1 ORDER BY attempt", row["id"])
    assert (attempts[0]["outcome"], attempts[0]["reason"]) == ("retry", "timeout")
    assert attempts[-1]["outcome"] == "delivered"
    assert set(env.calls_by_ref()) == {str(row["id"])}                 # one ref for every call
    await wait_until(lambda: len(env.fake.state.calls) == row["attempts"])   # the late answers land too
    assert len(env.fake.state.messages) == 1 and env.fake.state.duplicates >= 1   # repeats dropped by ref
