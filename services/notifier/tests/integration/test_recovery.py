"""What a crash leaves behind, the sweeper finishes: a message recorded but never claimed
(crash after the commit) is sent; a message whose lease expired mid-call (crash during the
call) is sent again with the SAME ref, which the provider drops; a live lease is left
alone; an expired lease on the last attempt fails the message."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import aiohttp

from shared.app import RUNTIME_KEY
from notifier.app import SENDER_KEY
from notifier.service.sweeper import sweep_once
from testsupport.generators import new_phone
from testsupport.notifier.harness import received


async def insert_message(env, *, status: str, attempts: int = 0, lease_until=None, next_attempt_at=None,
                         booking_id: str | None = None, phone: str | None = None,
                         mid: uuid.UUID | None = None) -> uuid.UUID:
    """A row as a crashed process leaves it."""
    now = datetime.now(timezone.utc)
    mid = mid or uuid.uuid4()
    conn = await env.connect()
    try:
        await conn.execute(
            "INSERT INTO messages (id, event_id, event_type, template, booking_id, phone, body, status, attempts,"
            " lease_until, next_attempt_at, created_at, updated_at)"
            " VALUES ($1, $2, 'booking.confirmed', 'booking.confirmed', $3, $4, $5, $6, $7, $8, $9, $10, $10)",
            mid, uuid.uuid4(), booking_id or f"bk-{uuid.uuid4().hex[:10]}", phone or new_phone(),
            "【制卡中心】您已成功预约。", status, attempts, lease_until, next_attempt_at, now)
        for n in range(1, attempts + 1):   # the attempt a crash cut off: started, never finished
            await conn.execute("INSERT INTO message_attempts (message_id, attempt, provider, sender, started_at)"
                               " VALUES ($1, $2, 'http', 'crashed-replica', $3)", mid, n, now)
    finally:
        await conn.close()
    return mid


async def test_a_message_never_claimed_after_its_commit_is_sent_by_the_sweeper(notifier_env):
    env = notifier_env
    await env.start()
    mid = await insert_message(env, status="pending", next_attempt_at=datetime.now(timezone.utc))
    [row] = await env.wait_final(1, id=mid)
    assert row["status"] == "delivered" and row["attempts"] == 1
    assert env.calls_by_ref() == {str(mid): 1}


async def test_an_expired_lease_is_sent_again_with_the_same_ref_and_the_provider_drops_the_repeat(notifier_env):
    env = notifier_env
    await env.start()
    probe = await env.probe("notification.*")
    mid = uuid.uuid4()
    # The crashed call had reached the provider before the crash.
    async with aiohttp.ClientSession() as s:
        async with s.post(env.fake.url, json={"phone": new_phone(), "text": "【制卡中心】您已成功预约。",
                                              "ref": str(mid)}) as r:
            assert r.status == 200
    booking = f"bk-{uuid.uuid4().hex[:10]}"
    await insert_message(env, mid=mid, status="sending", attempts=1, booking_id=booking,
                         lease_until=datetime.now(timezone.utc) - timedelta(seconds=1))
    [row] = await env.wait_final(1, id=mid)

    assert row["status"] == "delivered" and row["attempts"] == 2
    attempts = await env.fetch("SELECT * FROM message_attempts WHERE message_id = $1 ORDER BY attempt", mid)
    assert [a["outcome"] for a in attempts] == ["lost", "delivered"]
    assert env.calls_by_ref() == {str(mid): 2}                     # the crashed call and the repeat
    assert len(env.fake.state.messages) == 1 and env.fake.state.duplicates == 1
    [event] = [e for e in await received(probe, 1) if e["data"]["booking_id"] == booking]
    assert event["type"] == "notification.delivered"


async def test_a_live_lease_is_left_to_its_owner(notifier_env):
    env = notifier_env
    client = await env.start(sweep_interval_seconds=60)   # sweep by hand below
    live = await insert_message(env, status="sending", attempts=1,
                                lease_until=datetime.now(timezone.utc) + timedelta(minutes=5))
    due = await insert_message(env, status="retry", attempts=1,
                               next_attempt_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    await sweep_once(client.app[RUNTIME_KEY], client.app[SENDER_KEY], env.settings())
    await env.wait_final(1, id=due)          # a sweep ran: it took the due row, not the leased one
    [row] = await env.messages(id=live)
    assert row["status"] == "sending" and row["attempts"] == 1
    assert str(live) not in env.calls_by_ref()


async def test_an_expired_lease_on_the_last_attempt_fails_the_message(notifier_env):
    env = notifier_env
    await env.start(retry_max_attempts=2)
    probe = await env.probe("notification.*")
    booking = f"bk-{uuid.uuid4().hex[:10]}"
    mid = await insert_message(env, status="sending", attempts=2, booking_id=booking,
                               lease_until=datetime.now(timezone.utc) - timedelta(seconds=1))
    [row] = await env.wait_final(1, id=mid)
    assert row["status"] == "failed" and row["last_error"] == "no answer to the last attempt"
    assert str(mid) not in env.calls_by_ref()
    [event] = [e for e in await received(probe, 1) if e["data"]["booking_id"] == booking]
    assert event["type"] == "notification.failed"
