"""The backlog stays in the table, where every replica and the autoscaler see it: a claim
takes no more than the shared rate can start within its horizon (the rest stays pending for
any replica), a message claimed and never sent comes back after its lease, and the backlog
gauges on /metrics are read from the database."""
from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime, timedelta, timezone

from notifier.adapters import message_store as store
from notifier.adapters.message_store import RateSlot
from notifier.app import MIGRATIONS
from testsupport.generators import new_phone
from testsupport.notifier.harness import wait_until
from shared.migrations import migrate

RATE = 5.0      # slots 0.2 s apart
HORIZON = 1.0   # slots starting within 1 s: the one now and the next 5


async def add_pending(env, n: int, *, status: str = "pending", next_attempt_at=None) -> list[uuid.UUID]:
    now = datetime.now(timezone.utc)
    ids = [uuid.uuid4() for _ in range(n)]
    conn = await env.connect()
    try:
        await conn.executemany(
            "INSERT INTO messages (id, event_id, event_type, template, phone, body, status, next_attempt_at,"
            " created_at, updated_at) VALUES ($1, $2, 'booking.confirmed', 'booking.confirmed', $3,"
            " '【制卡中心】您已成功预约。', $4, $5, $6, $6)",
            [(i, uuid.uuid4(), new_phone(), status, next_attempt_at or now, now - timedelta(seconds=3))
             for i in ids])
    finally:
        await conn.close()
    return ids


async def claim_as(env, sender: str, *, limit: int, rate: RateSlot, lease: float = 30.0):
    conn = await env.connect()
    try:
        now = datetime.now(timezone.utc)
        return await store.claim_due(conn, now=now, lease_until=now + timedelta(seconds=lease), limit=limit,
                                     max_attempts=6, provider="http", sender=sender, rate=rate)
    finally:
        await conn.close()


async def test_a_claim_takes_only_what_the_rate_starts_within_the_horizon(notifier_env):
    env = notifier_env
    await migrate(env.database_url, env.schema, MIGRATIONS)
    await add_pending(env, 20)
    rate = RateSlot("http", 1 / RATE, HORIZON)

    first, wait = await claim_as(env, "replica-a", limit=16, rate=rate)
    # 16 free permits, but only 6 slots start within the second: the other 14 stay pending.
    assert len(first) == 6 and wait < 0.2
    assert await env.fetchval("SELECT count(*) FROM messages WHERE status = 'pending'") == 14
    # Another replica at once: the horizon is full, it takes nothing (no row held for later).
    second, _ = await claim_as(env, "replica-b", limit=16, rate=rate)
    assert second == []
    # As the slots pass, the rest is claimable by anyone, a slot at a time.
    await asyncio.sleep(0.5)
    third, wait = await claim_as(env, "replica-b", limit=16, rate=rate)
    assert 1 <= len(third) <= 4 and wait <= HORIZON


async def test_without_a_rate_limit_a_claim_takes_as_many_as_it_has_permits(notifier_env):
    env = notifier_env
    await migrate(env.database_url, env.schema, MIGRATIONS)
    await add_pending(env, 20)
    claimed, wait = await claim_as(env, "replica-a", limit=16, rate=RateSlot("http", 0.0, HORIZON))
    assert len(claimed) == 16 and wait == 0.0


async def test_a_message_claimed_and_never_sent_comes_back_after_its_lease(notifier_env):
    env = notifier_env
    await migrate(env.database_url, env.schema, MIGRATIONS)
    [mid] = await add_pending(env, 1)
    # A replica claims it (attempt recorded, lease 1 s) and dies before calling the provider.
    [ghost], _ = await claim_as(env, "replica-that-died", limit=16, rate=RateSlot("http", 0.0), lease=1.0)
    assert ghost.id == mid
    await env.start()                        # another replica (FAST: sweeps every 100 ms)
    [row] = await env.wait_final(1, id=mid)
    assert row["status"] == "delivered" and row["attempts"] == 2
    attempts = await env.fetch("SELECT * FROM message_attempts WHERE message_id = $1 ORDER BY attempt", mid)
    assert [(a["sender"] == "replica-that-died", a["outcome"]) for a in attempts] == [
        (True, "lost"), (False, "delivered")]
    assert env.calls_by_ref() == {str(mid): 1}     # the dead claim never called; the same ref now


def gauge(text: str, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", text, re.M)
    assert found, f"{name} not on /metrics"
    return float(found.group(1))


async def test_the_backlog_gauges_come_from_the_database(notifier_env):
    env = notifier_env
    client = await env.start(backlog_refresh_seconds=0.1)
    # Rows another replica recorded: awaiting a retry an hour away, so nobody sends them now.
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    ids = await add_pending(env, 3, status="retry", next_attempt_at=later)

    async def scraped():
        return await (await client.get("/metrics")).text()

    async def shows(pending: float):
        text = await scraped()
        return text if gauge(text, "notifier_sms_pending_messages") == pending else None
    text = await wait_until(lambda: shows(3), timeout=10)
    assert text, "the gauge never showed the 3 rows"
    assert gauge(text, "notifier_sms_oldest_pending_age_seconds") >= 3     # recorded 3 s ago
    await env.fetch("UPDATE messages SET status = 'delivered' WHERE id = ANY($1::uuid[])", ids)
    text = await wait_until(lambda: shows(0), timeout=10)
    assert text and gauge(text, "notifier_sms_oldest_pending_age_seconds") == 0
