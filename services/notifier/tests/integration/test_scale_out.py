"""Two notifier apps compete for one queue: 1,000 events give 1,000 messages, each sent
exactly once (the fake keeps one message per ref and counts every call)."""
from __future__ import annotations

import asyncio
import uuid

from testsupport.notifier import events as ev
from testsupport.generators import new_phone

EVENTS = 1000


async def test_two_apps_draining_1000_events_send_each_message_once(notifier_env):
    env = notifier_env
    await env.start(max_in_flight=8)
    await env.start(max_in_flight=8)
    envelopes = [ev.confirmed(f"bk-{uuid.uuid4().hex[:12]}", new_phone()) for _ in range(EVENTS)]
    for i in range(0, EVENTS, 100):
        await asyncio.gather(*(env.publish(e) for e in envelopes[i:i + 100]))
    rows = await env.wait_final(EVENTS, timeout=45)

    assert len(rows) == EVENTS and {r["status"] for r in rows} == {"delivered"}
    assert {r["event_id"] for r in rows} == {e.id for e in envelopes}      # one message per event
    refs = {str(r["id"]) for r in rows}
    calls = env.calls_by_ref()
    assert set(calls) == refs and set(calls.values()) == {1}                # no ref called twice
    assert sorted(m.ref for m in env.fake.state.messages) == sorted(refs)   # each delivered once
    assert env.fake.state.duplicates == 0
    senders = await env.fetch("SELECT sender, count(*) AS n FROM message_attempts GROUP BY sender")
    assert len(senders) == 2 and all(s["n"] > 0 for s in senders)           # both apps did the work
    assert await env.fetchval("SELECT count(*) FROM outbox WHERE type = 'notification.delivered'") == EVENTS
