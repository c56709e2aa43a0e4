"""A live sender is never overtaken: the lease of a claim runs from the moment the claim
reaches the database (not from when the sender read its clock before waiting for a pool
connection), and a sender keeps the leases of the messages it holds while it holds them
(waiting for a slot, calling, storing the outcome), so no sweeper takes a message whose
sender is alive. Only a sender that stopped (a crash) lets its lease lapse."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from notifier.adapters import message_store as store
from notifier.adapters.message_store import RateSlot
from notifier.app import MIGRATIONS
from testsupport.generators import new_phone
from testsupport.notifier import events as ev
from testsupport.notifier.harness import wait_until
from shared.migrations import migrate

UNLIMITED = RateSlot("http", 0.0)


async def add_pending(env) -> uuid.UUID:
    """A pending message long past its grace: due for any sweep."""
    now = datetime.now(timezone.utc) - timedelta(seconds=10)
    mid = uuid.uuid4()
    conn = await env.connect()
    try:
        await conn.execute(
            "INSERT INTO messages (id, event_id, event_type, template, phone, body, status, next_attempt_at,"
            " created_at, updated_at) VALUES ($1, $2, 'booking.confirmed', 'booking.confirmed', $3,"
            " '【制卡中心】您已成功预约。', 'pending', $4, $4, $4)", mid, uuid.uuid4(), new_phone(), now)
    finally:
        await conn.close()
    return mid


async def sweep(conn, *, lease: float = 2.0):
    now = datetime.now(timezone.utc)
    return await store.claim_due(conn, now=now, lease_until=now + timedelta(seconds=lease), limit=16,
                                 max_attempts=6, provider="http", sender="sweeper", rate=UNLIMITED)


async def test_a_claim_that_reached_the_database_late_still_holds_a_whole_lease(notifier_env):
    """The consumer's send read the clock, then waited 3 s for a pool connection (a burst):
    its claim must not land already expired, for a sweeper to take while it calls."""
    env = notifier_env
    await migrate(env.database_url, env.schema, MIGRATIONS)
    mid = await add_pending(env)
    read_at = datetime.now(timezone.utc) - timedelta(seconds=3)
    conn = await env.connect()
    try:
        claimed = await store.claim(conn, mid, now=read_at, lease_until=read_at + timedelta(seconds=2),
                                    provider="http", sender="live-sender", rate=UNLIMITED)
        assert claimed is not None and claimed[0].attempt == 1
        swept, _ = await sweep(conn)
        assert swept == []                                  # the live claim is left alone
        lease_until = await conn.fetchval("SELECT lease_until FROM messages WHERE id = $1", mid)
        assert lease_until > datetime.now(timezone.utc) + timedelta(seconds=1)
    finally:
        await conn.close()


async def test_a_sweep_that_reached_the_database_late_still_holds_a_whole_lease(notifier_env):
    env = notifier_env
    await migrate(env.database_url, env.schema, MIGRATIONS)
    mid = await add_pending(env)
    read_at = datetime.now(timezone.utc) - timedelta(seconds=3)
    conn = await env.connect()
    try:
        [msg], _ = await store.claim_due(conn, now=read_at + timedelta(seconds=1),
                                         lease_until=read_at + timedelta(seconds=3), limit=16, max_attempts=6,
                                         provider="http", sender="late-sweeper", rate=UNLIMITED)
        assert msg.id == mid
        assert await sweep(conn) == ([], 0.0)
    finally:
        await conn.close()


async def test_a_held_lease_is_kept_and_a_lost_one_is_not_taken_back(notifier_env):
    env = notifier_env
    await migrate(env.database_url, env.schema, MIGRATIONS)
    mid = await add_pending(env)
    conn = await env.connect()
    try:
        now = datetime.now(timezone.utc)
        [(msg, _)] = [await store.claim(conn, mid, now=now, lease_until=now + timedelta(seconds=0.2),
                                        provider="http", sender="live-sender", rate=UNLIMITED)]
        await wait_until(lambda: datetime.now(timezone.utc) > now + timedelta(seconds=0.3))
        # Lapsed but nobody took it: the holder keeps it (nobody else called).
        assert await store.keep_leases(conn, [msg], seconds=2.0) == {mid}
        assert await sweep(conn) == ([], 0.0)
        # Once another claim has it (a new attempt), the old holder gets nothing back.
        await conn.execute("UPDATE messages SET lease_until = now() - interval '1 second' WHERE id = $1", mid)
        [again], _ = await sweep(conn)
        assert again.attempt == 2
        assert await store.keep_leases(conn, [msg], seconds=2.0) == set()
        assert await conn.fetchval("SELECT attempts FROM messages WHERE id = $1", mid) == 2
    finally:
        await conn.close()


async def test_a_live_sender_slow_to_store_its_outcome_is_not_overtaken(notifier_env, monkeypatch):
    """The provider answered, but storing the outcome waits (a pool starved by a burst)
    longer than the lease: sweeps run meanwhile, and none may call the message again."""
    env = notifier_env
    await env.start(lease_seconds=1.0, provider_timeout_seconds=0.4)
    real_finish, real_claim_due = store.finish, store.claim_due
    sweeps_at: list[datetime] = []
    called_at: dict[str, datetime] = {}

    async def counted_claim_due(*args, **kwargs):
        result = await real_claim_due(*args, **kwargs)
        sweeps_at.append(kwargs["now"])
        return result

    async def slow_finish(conn, msg, **kwargs):
        # Hold the outcome until sweeps ran well past the lease the claim took.
        called_at.setdefault(str(msg.id), datetime.now(timezone.utc))
        deadline = called_at[str(msg.id)] + timedelta(seconds=2.5)
        await wait_until(lambda: sum(1 for t in sweeps_at if t > deadline) >= 3, timeout=20)
        return await real_finish(conn, msg, **kwargs)

    monkeypatch.setattr(store, "claim_due", counted_claim_due)
    monkeypatch.setattr(store, "finish", slow_finish)
    booking = f"bk-{uuid.uuid4().hex[:10]}"
    await env.publish(ev.confirmed(booking, new_phone()))
    [row] = await env.wait_final(1, booking_id=booking, timeout=30)

    assert row["status"] == "delivered" and row["attempts"] == 1
    assert env.calls_by_ref() == {str(row["id"]): 1}


async def test_a_lapsed_lease_is_taken_back_on_a_clock_moved_into_the_past(notifier_env):
    """A test (or the demo) moved the service clock two hours back, and the sender that
    claimed a message stopped (its task cut off when the broker went away). Its lease counts
    on the service clock, which every sweep compares with: it lapses after its seconds and a
    sweep sends the message again, rather than two hours later (the broker-outage suite
    left four confirmations 'sending' until the end when leases counted on the database's
    clock alone)."""
    env = notifier_env
    await migrate(env.database_url, env.schema, MIGRATIONS)
    mid = await add_pending(env)
    offset = timedelta(hours=-2)
    conn = await env.connect()
    try:
        now = datetime.now(timezone.utc) + offset
        claimed = await store.claim(conn, mid, now=now, lease_until=now + timedelta(seconds=0.5),
                                    provider="http", sender="stopped-sender", rate=UNLIMITED,
                                    clock_offset=offset.total_seconds())
        assert claimed is not None
        await wait_until(lambda: datetime.now(timezone.utc) + offset > now + timedelta(seconds=1))
        later = datetime.now(timezone.utc) + offset
        [again], _ = await store.claim_due(conn, now=later, lease_until=later + timedelta(seconds=2), limit=16,
                                           max_attempts=6, provider="http", sender="sweeper", rate=UNLIMITED,
                                           clock_offset=offset.total_seconds())
        assert again.id == mid and again.attempt == 2
        # ... and a live holder's kept lease stays on the same clock: not lapsed at once.
        assert await store.keep_leases(conn, [again], seconds=2.0, clock_offset=offset.total_seconds()) == {mid}
        assert await store.claim_due(conn, now=later, lease_until=later + timedelta(seconds=2), limit=16,
                                     max_attempts=6, provider="http", sender="sweeper", rate=UNLIMITED,
                                     clock_offset=offset.total_seconds()) == ([], 0.0)
    finally:
        await conn.close()
