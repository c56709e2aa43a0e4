"""Processes killed with SIGKILL at the worst moments of a cutoff, through the whole system,
and restarted: nothing lost, nothing done twice.

The booking service is killed at three points of the cutoff of a day of 300 bookings:
- ``closing``: inside the transaction that closes the date, after the date is marked closed
  and its snapshot read, as it writes allocation.requested (held there by a table lock the
  test takes on ``booking.outbox``);
- ``applying``: inside the consumer transaction that stores allocation.completed's desks and
  writes the booking.allocated events (held at its last statement by a row lock on the
  date's cutoff row; the allocator is paused with SIGSTOP until the lock is in place);
- ``relaying``: while the outbox relay is publishing the booking.allocated events, some
  sent and some not (small relay batches; the kill follows the first batch marked sent).
Then: one allocation request and one allocation run for the date, every booking stored
with its desk and queue number once, one booking.allocated event per booking, and one
allocation SMS per booking, carrying the queue number booking stored.

The notifier is killed during the burst of allocation SMS (the provider answers in 50 ms):
every booking still gets exactly one allocation SMS. A message in flight at the kill is
sent again under the same ref, which the provider (like a real one given an idempotency
key) drops; the fake counts such repeats.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
import signal
from collections import Counter
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from testsupport.crowds import book_all, crowd_bookings, raise_capacity
from testsupport.messaging import wait_for
from testsupport.system_fixtures import module_system_fixtures
from testsupport.waiting import holds_throughout

TZ = ZoneInfo("Asia/Shanghai")
TOTAL = 300
QUEUE_NUMBER = re.compile(r"排队号([A-Z]\d{3,})")


# Small relay batches: the booking.allocated burst takes many batches, so a kill can land
# between two of them.
sms_provider, mint, system = module_system_fixtures(years=(2027,), BOOKING_OUTBOX_BATCH_SIZE="10")


@pytest.fixture
async def db(system):
    conn = await asyncpg.connect(system.database_url)
    yield conn
    await conn.close()


def week(n: int) -> tuple[datetime, date]:
    """Monday 10:00 of the n-th week of its own for this module, and that Tuesday."""
    monday = datetime(2027, 4, 5, 10, 0, tzinfo=TZ) + timedelta(weeks=n)
    return monday, (monday + timedelta(days=1)).date()


async def fill_day(gw, mint, monday: datetime, day: date, prefix: str) -> dict[str, str]:
    """TOTAL bookings on ``day`` (AM and PM); returns phone -> booking id."""
    await gw.set_clock(monday)
    slots = [(day.isoformat(), "AM"), (day.isoformat(), "PM")]
    await raise_capacity(gw, mint, monday, slots, TOTAL)
    jobs = crowd_bookings(mint, monday, slots, TOTAL, phone_prefix=prefix)
    statuses = await book_all(gw, jobs)
    assert Counter(statuses) == {201: TOTAL}
    return {body["contact_phone"]: body for _, body in jobs}


async def wait_until(check, what: str, timeout: float = 90.0, every: float = 0.2):
    got = await wait_for(check, timeout, every)
    assert got, f"timed out waiting for {what}"
    return got


async def waiting_on_lock(db, like: str) -> bool:
    return bool(await db.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND wait_event_type = 'Lock' AND query ILIKE $1", like))


@asynccontextmanager
async def holding(system, sql: str, *args):
    """A transaction of the test's that holds the lock ``sql`` takes until the block ends."""
    conn = await asyncpg.connect(system.database_url)
    tr = conn.transaction()
    await tr.start()
    try:
        await conn.execute(sql, *args)
        yield
    finally:
        await tr.rollback()
        await conn.close()


async def cutoff_status(db, day: date) -> str | None:
    return await db.fetchval("SELECT status FROM booking.cutoffs WHERE center = 'qingdao' AND day = $1", day)


async def allocated_events_sent(db, day: date) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM booking.outbox WHERE type = 'booking.allocated' AND sent_at IS NOT NULL"
        " AND envelope->'data'->>'date' = $1", day.isoformat())


async def kill(system, name: str) -> datetime:
    """SIGKILL ``name``; the moved clock's time, to restart it at."""
    now = await system.clock_now("identity")
    system.services[name].stop(signal.SIGKILL)
    return now


async def restart(system, name: str, clock: datetime) -> None:
    await asyncio.to_thread(system.restart, name, signal.SIGKILL, clock=clock)
    await system.wait_ready(60)


async def kill_and_restart(system, name: str) -> None:
    await restart(system, name, await kill(system, name))


async def assert_allocated_once(gw, db, day: date, booked: dict[str, dict]) -> None:
    async def all_allocated():
        n = await db.fetchval("SELECT count(*) FROM booking.bookings WHERE center = 'qingdao' AND day = $1"
                              " AND queue_number IS NOT NULL", day)
        return n == TOTAL

    await wait_until(all_allocated, "every booking to hold its desk and queue number", timeout=120)

    def allocation_sms() -> dict[str, list[str]]:
        got: dict[str, list[str]] = {}
        for m in gw.sms.messages:
            if m.phone in booked and (q := QUEUE_NUMBER.search(m.text)):
                got.setdefault(m.phone, []).append(q.group(1))
        return got

    async def every_sms():
        return len(allocation_sms()) == TOTAL

    await wait_until(every_sms, "an allocation SMS for every booking", timeout=120)
    # a repeat (a redelivered allocation after a kill) would arrive within 3 s
    assert await holds_throughout(lambda: all(len(q) == 1 for q in allocation_sms().values()), seconds=3), \
        "a booking got a second allocation SMS"

    stored = {r["contact_phone"]: r["queue_number"] for r in await db.fetch(
        "SELECT contact_phone, queue_number FROM booking.bookings WHERE center = 'qingdao' AND day = $1", day)}
    assert len(stored) == TOTAL
    sms = allocation_sms()
    twice = {p: q for p, q in sms.items() if len(q) != 1}
    assert not twice, f"{len(twice)} bookings got more than one allocation SMS"
    wrong = {p for p, q in sms.items() if q[0] != stored[p]}
    assert not wrong, f"{len(wrong)} allocation SMS carry another queue number than the booking holds"

    cutoff = await db.fetchrow("SELECT status, requests FROM booking.cutoffs WHERE center = 'qingdao' AND day = $1",
                               day)
    assert (cutoff["status"], cutoff["requests"]) == ("allocated", 1)
    requested = await db.fetchval("SELECT count(*) FROM booking.outbox WHERE type = 'allocation.requested'"
                                  " AND envelope->'data'->>'date' = $1", day.isoformat())
    assert requested == 1
    runs = await db.fetchval("SELECT count(*) FROM allocator.allocation_runs WHERE center = 'qingdao'"
                             " AND service_date = $1", day)
    assert runs == 1
    events = await db.fetch("SELECT envelope->'data'->>'booking_id' AS booking_id FROM booking.outbox"
                            " WHERE type = 'booking.allocated' AND envelope->'data'->>'date' = $1", day.isoformat())
    per_booking = Counter(e["booking_id"] for e in events)
    assert len(per_booking) == TOTAL and set(per_booking.values()) == {1}, "booking.allocated written twice"
    unsent = await db.fetchval("SELECT count(*) FROM booking.outbox WHERE sent_at IS NULL")
    assert unsent == 0


@pytest.mark.parametrize("n, point", [(0, "closing"), (1, "applying"), (2, "relaying")])
async def test_booking_killed_during_the_cutoff(gw, mint, system, db, n, point):
    monday, day = week(n)
    booked = await fill_day(gw, mint, monday, day, prefix=f"13{n}")
    cutoff = monday.replace(hour=15, minute=0, second=1)
    allocator = system.services["allocator"].proc

    if point == "closing":
        async with holding(system, "LOCK TABLE booking.outbox IN EXCLUSIVE MODE"):
            await gw.set_clock(cutoff)
            await wait_until(lambda: waiting_on_lock(db, "%INSERT INTO outbox%"), "the cutoff transaction",
                             every=0.01)
            clock = await kill(system, "booking")
        assert await cutoff_status(db, day) in (None, "open"), "the killed close committed"
        # Restarted only once the lock is gone: the killed process's backend still holds
        # the locks of its open transaction until it reaches the end of its statement.
        await restart(system, "booking", clock)
    elif point == "applying":
        async with contextlib.AsyncExitStack() as locks:
            allocator.send_signal(signal.SIGSTOP)
            try:
                await gw.set_clock(cutoff, services=("identity", "booking", "notifier"))  # not the paused one

                async def requested_sent():
                    return await db.fetchval("SELECT count(*) FROM booking.outbox WHERE type = 'allocation.requested'"
                                             " AND sent_at IS NOT NULL AND envelope->'data'->>'date' = $1",
                                             day.isoformat())
                await wait_until(requested_sent, "allocation.requested on the broker")
                await locks.enter_async_context(holding(
                    system, "SELECT 1 FROM booking.cutoffs WHERE center = 'qingdao' AND day = $1 FOR SHARE", day))
            finally:
                allocator.send_signal(signal.SIGCONT)
            await wait_until(lambda: waiting_on_lock(db, "%cutoffs%"), "the allocation being stored", every=0.01)
            clock = await kill(system, "booking")
        assert await allocated_events_sent(db, day) == 0
        await restart(system, "booking", clock)
    else:
        await gw.set_clock(cutoff)

        async def some_sent():
            return await allocated_events_sent(db, day)
        sent = await wait_until(some_sent, "the first booking.allocated events on the broker", every=0.002)
        clock = await kill(system, "booking")
        assert sent < TOTAL, "the relay had sent everything before the kill: the kill point was missed"
        await restart(system, "booking", clock)

    await gw.set_clock(await system.clock_now("identity"))  # every clock on one instant again
    await assert_allocated_once(gw, db, day, booked)


async def test_notifier_killed_during_the_allocation_sms_burst(gw, mint, system, db, sms_provider):
    monday, day = week(3)
    booked = await fill_day(gw, mint, monday, day, prefix="133")

    async def confirmed():
        return sum("成功预约" in m.text for m in gw.sms.messages if m.phone in booked) == TOTAL
    await wait_until(confirmed, "the confirmation SMS", timeout=120)

    sms_provider.state.set_delay(0.05)
    try:
        await gw.set_clock(monday.replace(hour=15, minute=0, second=1))

        async def first_allocation_sms():
            return any(QUEUE_NUMBER.search(m.text) for m in gw.sms.messages if m.phone in booked)
        await wait_until(first_allocation_sms, "the first allocation SMS", every=0.01)
        sent_before = sum(bool(QUEUE_NUMBER.search(m.text)) for m in gw.sms.messages if m.phone in booked)
        await kill_and_restart(system, "notifier")
        assert sent_before < TOTAL, "every SMS had gone before the kill: the kill point was missed"
        await assert_allocated_once(gw, db, day, booked)
    finally:
        sms_provider.state.reset_behaviour()
