"""The sends' outcomes stored in batches (NOTIFIER_OUTCOME_BATCH_SIZE): outcomes that end
close together share one statement; a lost claim in a batch keeps neither its status nor
its event; a batch that fails is stored one outcome at a time."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

from notifier.adapters import message_store as store
from notifier.adapters.message_store import Finish, RateSlot
from notifier.app import MIGRATIONS
from notifier.domain.message_status import DELIVERED
from notifier.service.outcome_events import delivered_event
from notifier.service.outcome_recorder import OutcomeRecorder
from shared.db import Database, create_pool
from shared.migrations import migrate
from shared.outbox import OutboxRow
from testsupport.generators import new_phone
from testsupport.notifier import events as ev

MESSAGES = 30
UNLIMITED = RateSlot("http", 0.0)


async def test_the_outcomes_of_a_burst_are_stored_a_batch_per_statement(notifier_env):
    env = notifier_env
    # A wide wait, so sends that end one by one gather into batches on any machine.
    await env.start(outcome_batch_size=10, outcome_batch_wait_ms=300)
    await env.publish(*(ev.allocated(f"bk-{uuid.uuid4().hex[:10]}", new_phone()) for _ in range(MESSAGES)))
    rows = await env.wait_final(MESSAGES, timeout=30)

    assert {r["status"] for r in rows} == {"delivered"}
    assert sorted(env.calls_by_ref().values()) == [1] * MESSAGES
    # Each message's last change is its outcome: the rows of a batch share its transaction.
    transactions = await env.fetchval("SELECT count(DISTINCT xmin::text) FROM messages")
    assert transactions <= 10, transactions
    # Every attempt closed, and one delivered event per message, none twice.
    assert await env.fetchval("SELECT count(*) FROM message_attempts WHERE outcome = 'delivered'"
                              " AND finished_at IS NOT NULL") == MESSAGES
    delivered = await env.fetch("SELECT envelope->'data'->>'message_id' AS id FROM outbox"
                                " WHERE type = 'notification.delivered'")
    assert sorted(r["id"] for r in delivered) == sorted(str(r["id"]) for r in rows)


async def _claimed(env, conn, n: int):
    now = datetime.now(timezone.utc) - timedelta(seconds=10)
    for _ in range(n):
        await conn.execute(
            "INSERT INTO messages (id, event_id, event_type, template, booking_id, phone, body, status,"
            " next_attempt_at, created_at, updated_at) VALUES ($1, $2, 'booking.allocated', 'booking.allocated',"
            " 'bk-1', $3, '【制卡中心】请按时到场。', 'pending', $4, $4, $4)", uuid.uuid4(), uuid.uuid4(), new_phone(), now)
    now = datetime.now(timezone.utc)
    claimed, _ = await store.claim_due(conn, now=now, lease_until=now + timedelta(seconds=30), limit=n,
                                       max_attempts=6, provider="http", sender="test", rate=UNLIMITED)
    assert len(claimed) == n
    return claimed


def _delivered(msg) -> Finish:
    now = datetime.now(timezone.utc)
    return Finish(msg, DELIVERED, now, msg.body, provider_id=f"p-{msg.id}", status_code=200,
                  event=OutboxRow.of(delivered_event(msg, at=now, provider_id=f"p-{msg.id}", producer="notifier")))


async def test_a_lost_claim_in_a_batch_keeps_neither_its_outcome_nor_its_event(notifier_env):
    env = notifier_env
    await migrate(env.database_url, env.schema, MIGRATIONS)
    conn = await env.connect()
    try:
        a, b, lost = await _claimed(env, conn, 3)
        # Another process took ``lost`` over (its lease lapsed): the attempt is not ours now.
        await conn.execute("UPDATE messages SET attempts = attempts + 1 WHERE id = $1", lost.id)
        kept = await store.finish_many(conn, [_delivered(a), _delivered(lost), _delivered(b)])
        assert kept == {a.id, b.id}
        status = {r["id"]: r["status"] for r in await conn.fetch("SELECT id, status FROM messages")}
        assert status == {a.id: "delivered", b.id: "delivered", lost.id: "sending"}
        events = await conn.fetch("SELECT envelope->'data'->>'message_id' AS id FROM outbox")
        assert sorted(r["id"] for r in events) == sorted([str(a.id), str(b.id)])
        finished = await conn.fetch("SELECT message_id FROM message_attempts WHERE finished_at IS NOT NULL")
        assert {r["message_id"] for r in finished} == {a.id, b.id}
    finally:
        await conn.close()


async def test_a_batch_that_fails_is_stored_one_outcome_at_a_time(notifier_env):
    env = notifier_env
    await migrate(env.database_url, env.schema, MIGRATIONS)
    conn = await env.connect()
    pool = await create_pool(env.database_url, env.schema, min_size=1, max_size=3)
    db = Database(pool, env.schema, acquire_timeout=5)
    try:
        a, bad, b = await _claimed(env, conn, 3)
        # An event the database refuses (not JSON): the batch's one statement fails with it.
        broken = Finish(bad, DELIVERED, datetime.now(timezone.utc), bad.body,
                        event=OutboxRow(uuid.uuid4(), "notification.delivered", "{not json"))
        recorder = OutcomeRecorder(db, size=3, wait_seconds=5)
        results = await asyncio.gather(recorder.record(_delivered(a)), recorder.record(broken),
                                       recorder.record(_delivered(b)), return_exceptions=True)
        assert results[0] is True and results[2] is True
        assert isinstance(results[1], Exception)
        status = {r["id"]: r["status"] for r in await conn.fetch("SELECT id, status FROM messages")}
        assert status == {a.id: "delivered", b.id: "delivered", bad.id: "sending"}
    finally:
        await db.close()
        await conn.close()
