"""The provider's rate limit is the fleet's, not each process's: two apps together stay
at the limit (counted per second at the fake provider)."""
from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import datetime

from testsupport.notifier import events as ev
from testsupport.generators import new_phone

RATE = 20
MESSAGES = 100


async def test_two_apps_share_one_rate_limit(notifier_env):
    env = notifier_env
    for _ in range(2):
        await env.start(max_in_flight=8, provider_rate_per_second=RATE)
    await asyncio.gather(*(env.publish(ev.confirmed(f"bk-{uuid.uuid4().hex[:12]}", new_phone()))
                           for _ in range(MESSAGES)))
    rows = await env.wait_final(MESSAGES, timeout=30)
    assert {r["status"] for r in rows} == {"delivered"}

    per_second = Counter(datetime.fromisoformat(c.at).replace(microsecond=0) for c in env.fake.state.calls)
    busiest = max(per_second.values())
    # Alone, each app would call up to RATE a second: 2 * RATE together. Shared, the fleet
    # stays at RATE; the slack covers calls whose slots were spaced but whose arrival at
    # the fake bunched (one event loop runs both apps and the fake here).
    assert busiest <= RATE + 3, sorted(per_second.items())
    senders = await env.fetch("SELECT DISTINCT sender FROM message_attempts")
    assert len(senders) == 2
