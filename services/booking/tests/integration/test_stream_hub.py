"""The stream hub of a running booking app (booking.streams) on the real PostgreSQL: what
its LISTEN connection hears reaches the right subscribers, a slow client is dropped, the
replay memory, a lost connection replaced with a resync, revoked tokens, shutdown.
Notifications are sent here with pg_notify as the calling transaction sends them."""
from __future__ import annotations

import asyncio

import orjson
import pytest

from booking.streams import HUB_KEY
from booking.streams.hub import RESYNC
from testsupport.waiting import wait_for


@pytest.fixture
async def hub(service):
    hub = service.client.app[HUB_KEY]
    await asyncio.wait_for(hub.listener.connected.wait(), 10)
    return hub


async def notify(service, channel: str, payload: dict) -> None:
    async with service.db.connection() as conn:
        await conn.execute("SELECT pg_notify($1, $2)", channel, orjson.dumps(payload).decode())


def call(seq: int, center: str, desk: int = 1, number: str = "A001") -> dict:
    return {"seq": seq, "center": center, "date": "2025-11-17", "desk": desk, "queue_number": number,
            "kind": "call", "called_at": "2025-11-17T10:00:00+08:00", "booking_id": "b-secret"}


async def next_item(sub, timeout: float = 5.0):
    return await asyncio.wait_for(sub.get(), timeout)


async def test_a_call_reaches_the_subscribers_of_its_center_only(service, hub):
    mine, other = hub.subscribe(service.center), hub.subscribe("elsewhere")
    await notify(service, "booking_calls", call(101, service.center, desk=2, number="A003"))
    kind, data = await next_item(mine)
    assert kind == "call"
    # Numbers and desks only: the booking id never reaches a stream.
    assert data == {"seq": 101, "desk": 2, "queue_number": "A003", "kind": "call",
                    "called_at": "2025-11-17T10:00:00+08:00"}
    assert other.queue.empty()
    mine.close()
    other.close()
    assert not hub.subscribers


async def test_a_client_that_does_not_keep_up_is_dropped_not_buffered(service, hub):
    slow, reader = hub.subscribe(service.center), hub.subscribe(service.center)
    for seq in range(1, hub.queue_size + 2):
        await notify(service, "booking_calls", call(1000 + seq, service.center))
        if seq % 8 == 0:
            reader.pending()                      # this one reads as it goes
    assert await wait_for(lambda: slow.reason == "slow" and slow not in hub.subscribers, timeout=5)
    assert await next_item(slow) is None          # what it had queued is let go, then the end
    assert reader.reason is None and reader in hub.subscribers
    reader.close()


async def test_last_event_id_replays_what_came_after_it_while_in_memory(service, hub):
    for seq, center in ((201, service.center), (202, "elsewhere"), (203, service.center), (204, service.center)):
        await notify(service, "booking_calls", call(seq, center))
    async def heard():
        return [s for s, _c, _d in hub.recent][-4:] == [201, 202, 203, 204]
    await wait_for(heard, timeout=5, every=0.1)
    assert [c["seq"] for c in hub.replay_after(service.center, "201")] == [203, 204]
    assert hub.replay_after(service.center, "204") == []
    # Not in memory (too old, or never heard here), or not a number: the whole board instead.
    for last in ("17", "", None, "abc"):
        assert hub.replay_after(service.center, last) is None


async def test_the_replay_memory_keeps_the_last_200_calls(service, hub):
    async with service.db.connection() as conn:
        async with conn.transaction():
            for seq in range(3000, 3250):
                await conn.execute("SELECT pg_notify('booking_calls', $1)",
                                   orjson.dumps(call(seq, service.center)).decode())
    await wait_for(lambda: hub.recent and hub.recent[-1][0] == 3249, timeout=5, every=0.1)
    assert len(hub.recent) == 200
    assert hub.replay_after(service.center, "3049") is None
    assert [c["seq"] for c in hub.replay_after(service.center, "3247")] == [3248, 3249]


async def test_a_lost_listen_connection_is_replaced_and_every_client_resyncs(service, hub):
    await notify(service, "booking_calls", call(301, service.center))
    await wait_for(lambda: any(s == 301 for s, _c, _d in hub.recent), timeout=5, every=0.1)
    sub = hub.subscribe(service.center)
    before = hub.listener.connections
    # The server ends the listen connection (a restart, a failover, an admin's kill).
    async with service.db.connection() as conn:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", hub.listener._conn.get_server_pid())
    assert await next_item(sub, timeout=15) == RESYNC
    assert hub.listener.connections == before + 1
    # What was heard before the gap no longer proves that nothing was missed.
    assert hub.replay_after(service.center, "301") is None
    # And the new connection listens.
    await notify(service, "booking_calls", call(302, service.center))
    assert (await next_item(sub))[1]["seq"] == 302
    sub.close()


async def test_a_revoked_display_token_closes_its_streams(service, hub):
    revoked, kept = hub.subscribe(service.center, token_id="t-1"), hub.subscribe(service.center, token_id="t-2")
    await notify(service, "booking_display_tokens", {"id": "t-1"})
    assert await next_item(revoked) is None and revoked.reason == "revoked"
    assert kept.reason is None
    kept.close()


async def test_a_bad_notification_does_not_stop_the_listener(service, hub):
    sub = hub.subscribe(service.center)
    async with service.db.connection() as conn:
        await conn.execute("SELECT pg_notify('booking_calls', 'not json')")
    await notify(service, "booking_calls", call(401, service.center))
    assert (await next_item(sub))[1]["seq"] == 401
    sub.close()


async def test_stopping_the_hub_ends_every_subscription(service, hub):
    subs = [hub.subscribe(service.center) for _ in range(3)]
    await hub.stop()
    assert [await next_item(s) for s in subs] == [None, None, None]
    assert {s.reason for s in subs} == {"shutdown"}
    assert not hub.listener.connected.is_set() or hub.listener._task.done()
