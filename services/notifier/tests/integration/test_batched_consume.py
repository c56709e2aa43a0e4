"""The SMS queue consumed in batches (NOTIFIER_CONSUME_BATCH_SIZE): a burst of allocation
events is stored a batch per transaction and its messages claimed together, each sent
once."""
from __future__ import annotations

import uuid

from testsupport.notifier import events as ev
from testsupport.generators import new_phone

MESSAGES = 30


async def test_a_burst_is_stored_a_batch_per_transaction_and_each_message_sent_once(notifier_env):
    env = notifier_env
    # A wide wait, so the burst published one by one gathers into batches on any machine.
    await env.start(consume_batch_size=10, consume_batch_wait_ms=300, provider_rate_per_second=0)
    await env.publish(*(ev.allocated(f"bk-{uuid.uuid4().hex[:10]}", new_phone()) for _ in range(MESSAGES)))
    rows = await env.wait_final(MESSAGES, timeout=30)

    assert {r["status"] for r in rows} == {"delivered"}
    assert sorted(env.calls_by_ref().values()) == [1] * MESSAGES
    # The inbox rows of a batch share their transaction (xmin): batches of at most 10.
    transactions = await env.fetchval("SELECT count(DISTINCT xmin::text) FROM inbox WHERE consumer = 'notifier.sms'")
    assert 3 <= transactions <= 8, transactions
    # The first attempts were recorded by claims of several messages each (one claim, one
    # started_at: the time its caller read), not one claim per message.
    claims = await env.fetchval("SELECT count(DISTINCT started_at) FROM message_attempts WHERE attempt = 1")
    assert claims <= 15, claims
