"""What must not go wrong: a poison snapshot, two deliveries for one day at once, a busy
day starving the event loop, booking unreachable or without the snapshot."""
from __future__ import annotations

import asyncio
import threading
from datetime import date

import orjson

from testsupport.messaging import wait_for

from allocator.adapters import repository
from allocator.service import allocation


async def test_an_invalid_snapshot_ends_in_the_dead_letter_queue_at_once(allocator, kit):
    center, day = "t-poison", "2026-12-09"
    bad = kit.booking("bad-1", businesses=[{"type": "LAMINATE_CARD"}])  # no such business type
    env = kit.envelope(kit.snapshot(center, day, [kit.booking("ok-1"), bad]))
    await allocator.publish(env)

    channel = await allocator.bus.channel()
    dead = await channel.declare_queue(f"{kit.QUEUE}.dead", passive=True)
    found = None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while found is None and loop.time() < deadline:
        msg = await dead.get(fail=False, no_ack=True)
        if msg is None:
            await asyncio.sleep(0.1)
        elif msg.message_id == str(env.id):
            found = msg
    assert found is not None, "the invalid snapshot never reached allocator.requests.dead"
    error = found.headers["x-error"]
    assert error.startswith("InvalidSnapshot") and "LAMINATE_CARD" in error and "bookings[1]" in error
    assert found.headers.get("x-attempt", 1) == 1              # no retry can fix it: no retries
    assert orjson.loads(found.body)["id"] == str(env.id)      # the event itself, replayable

    assert await allocator.probe.all_for(env.id, settle=0.5) == []
    assert await allocator.fetchval("SELECT count(*) FROM allocation_runs WHERE center = $1", center) == 0
    # Rolled back with the handler: a replay once the cause is fixed is handled, not skipped.
    assert await allocator.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", env.id) == 0
    await channel.close()


async def test_deliveries_for_the_same_day_wait_for_each_other_not_for_other_days(allocator, kit):
    center, day, other_day = "t-lock", "2026-12-10", "2026-12-11"
    held = kit.envelope(kit.snapshot(center, day, [kit.booking("l1")]))
    free = kit.envelope(kit.snapshot(center, other_day, [kit.booking("l2")]))

    async with allocator.runtime.db.transaction() as conn:
        # Someone else is writing this day (another delivery, another replica).
        await repository.lock_day(conn, center, date.fromisoformat(day))
        await allocator.publish(held)
        await allocator.publish(free)
        await allocator.probe.completed(free.id)   # another day is not held up
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while not await allocator.fetchval(   # the handler waiting for exactly this day's lock
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)",
                repository.day_lock_name(center, date.fromisoformat(day))):
            assert loop.time() < deadline, "the delivery never queued behind the day's lock"
            await asyncio.sleep(0.05)
        assert allocator.probe.seen.get(str(held.id)) is None
        assert await allocator.fetchval("SELECT count(*) FROM allocation_runs WHERE center = $1"
                                        " AND service_date = $2", center, date.fromisoformat(day)) == 0
    done = await allocator.probe.completed(held.id)    # the lock is gone: it goes through
    assert done["data"]["changed"] is True and done["data"]["date"] == day


async def test_the_event_loop_answers_while_20000_bookings_are_scheduled(allocator, kit, monkeypatch):
    """/healthz is sent and answered while the scheduling (allocate, fingerprints) runs; the
    reading of the fetched document before it runs in the same worker thread (see the
    service README)."""
    compute_started, compute_finished = threading.Event(), threading.Event()
    real_compute = allocation.compute

    def watched_compute(*args, **kwargs):
        compute_started.set()
        try:
            return real_compute(*args, **kwargs)
        finally:
            compute_finished.set()

    monkeypatch.setattr(allocation, "compute", watched_compute)
    data = kit.busy_day("t-busy", "2026-12-14", 20_000)
    event_id, body = kit.raw_envelope(data)
    await allocator.publish_raw(event_id, body)

    answered_during_compute = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    while not compute_finished.is_set():
        assert loop.time() < deadline, "the 20,000-booking day was not scheduled"
        before = compute_started.is_set()
        r = await allocator.client.get("/healthz")
        assert r.status == 200
        if before and not compute_finished.is_set():
            answered_during_compute += 1   # sent and answered while the scheduling ran
        await asyncio.sleep(0.02)

    done = await allocator.probe.completed(event_id, timeout=120)
    assert answered_during_compute >= 1
    assert len(done["data"]["assignments"]) == 20_000
    assert await allocator.fetchval("SELECT count(*) FROM assignments WHERE center = 't-busy'") == 20_000


async def dead_lettered(allocator, kit, event_id, timeout: float = 20.0):
    channel = await allocator.bus.channel()
    try:
        dead = await channel.declare_queue(f"{kit.QUEUE}.dead", passive=True)

        async def arrived():
            msg = await dead.get(fail=False, no_ack=True)
            return msg if msg is not None and msg.message_id == str(event_id) else None
        return await wait_for(arrived, timeout, 0.1)
    finally:
        await channel.close()


async def test_booking_unreachable_the_delivery_is_retried_until_it_serves_the_day(allocator, kit, fake_booking):
    center, day = "t-outage", "2026-12-15"
    fake_booking.down = True                      # booking answers 503 (restarting, overloaded)
    env = kit.envelope(kit.snapshot(center, day, [kit.booking("u1"), kit.booking("u2", minute=1)]))
    await allocator.publish(env)

    async def tried_twice():
        return fake_booking.calls >= 2
    assert await wait_for(tried_twice, 20, 0.01), "the delivery was not tried again"
    assert await allocator.fetchval("SELECT count(*) FROM allocation_runs WHERE center = $1", center) == 0
    fake_booking.down = False                     # back: the next try fetches and schedules the day

    done = await allocator.probe.completed(env.id)
    assert [a["booking_id"] for a in done["data"]["assignments"]] == ["u1", "u2"]
    assert await allocator.fetchval("SELECT count(*) FROM allocation_runs WHERE center = $1", center) == 1


async def test_a_snapshot_booking_does_not_have_is_dead_lettered_at_once(allocator, kit, fake_booking):
    env = kit.envelope(kit.snapshot("t-gone", "2026-12-16", [kit.booking("g1")]))
    fake_booking.documents.clear()                # booking answers 404
    await allocator.publish(env)

    found = await dead_lettered(allocator, kit, env.id)
    assert found is not None, "the request never reached allocator.requests.dead"
    assert found.headers["x-error"].startswith("SnapshotGone")
    assert found.headers.get("x-attempt", 1) == 1
