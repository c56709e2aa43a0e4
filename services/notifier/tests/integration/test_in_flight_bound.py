"""NOTIFIER_MAX_IN_FLIGHT bounds the provider calls under way in one process. Messages are
claimed ahead of a free permit (up to as many again, without a shared rate), and those
wait for one: the provider never has more of the process's calls at once than the bound."""
from __future__ import annotations

import uuid

from notifier.app import SENDER_KEY
from testsupport.notifier import events as ev
from testsupport.generators import new_phone

BOUND = 4
MESSAGES = 40


async def test_the_provider_never_has_more_calls_at_once_than_the_bound(notifier_env, monkeypatch):
    env = notifier_env
    env.fake.state.set_delay(0.05)      # calls overlap: without the bound, more would run at once
    client = await env.start(max_in_flight=BOUND, provider_rate_per_second=0)
    sender = client.app[SENDER_KEY]
    real_send = sender.provider.send
    calls = {"now": 0, "most": 0, "most_claimed": 0}

    async def counted_send(phone, text, ref):
        calls["now"] += 1
        calls["most"] = max(calls["most"], calls["now"])
        calls["most_claimed"] = max(calls["most_claimed"], sender.claims.used)
        try:
            return await real_send(phone, text, ref)
        finally:
            calls["now"] -= 1

    monkeypatch.setattr(sender.provider, "send", counted_send)
    await env.publish(*(ev.confirmed(f"bk-{uuid.uuid4().hex[:10]}", new_phone()) for _ in range(MESSAGES)))
    rows = await env.wait_final(MESSAGES, timeout=30)

    assert {r["status"] for r in rows} == {"delivered"}
    assert sorted(env.calls_by_ref().values()) == [1] * MESSAGES
    assert calls["most"] == BOUND, calls                      # reached, never passed
    assert BOUND < calls["most_claimed"] <= 2 * BOUND, calls  # more were claimed, waiting for a permit
