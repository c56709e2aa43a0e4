"""The per-process cache of each center's working calendar (no database: a fake
connection answers the overrides' query)."""
import asyncio
from datetime import date

from booking.domain.center import QINGDAO
from booking.service.calendar_cache import CalendarCache

DAY = date(2026, 12, 1)


class FakeConnection:
    def __init__(self) -> None:
        self.working = False
        self.reads = 0
        self.gate: asyncio.Event | None = None

    async def fetch(self, query, *args):
        if "official_years" in query:
            return []
        self.reads += 1
        working = self.working
        if self.gate is not None:
            await self.gate.wait()
        return [{"day": DAY, "working": working}]


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_read_once_per_ttl():
    conn, clock = FakeConnection(), Clock()
    cache = CalendarCache(1.0, clock)
    assert not (await cache.get(conn, QINGDAO)).is_working(DAY)
    conn.working = True
    clock.now = 0.9
    assert not (await cache.get(conn, QINGDAO)).is_working(DAY)     # kept
    clock.now = 1.0
    assert (await cache.get(conn, QINGDAO)).is_working(DAY)         # read again
    assert conn.reads == 2


async def test_a_change_here_is_seen_at_once():
    conn, clock = FakeConnection(), Clock()
    cache = CalendarCache(60.0, clock)
    await cache.get(conn, QINGDAO)
    conn.working = True
    cache.forget(QINGDAO.id)
    assert (await cache.get(conn, QINGDAO)).is_working(DAY)


async def test_a_read_racing_with_a_change_is_not_kept():
    conn, clock = FakeConnection(), Clock()
    cache = CalendarCache(60.0, clock)
    conn.gate = asyncio.Event()
    slow = asyncio.create_task(cache.get(conn, QINGDAO))           # reads the old overrides...
    await asyncio.sleep(0)
    conn.working = True
    cache.forget(QINGDAO.id)                                        # ...while they change
    conn.gate.set()
    assert not (await slow).is_working(DAY)
    conn.gate = None
    assert (await cache.get(conn, QINGDAO)).is_working(DAY)         # the stale read was not kept


async def test_ttl_zero_reads_every_time():
    conn = FakeConnection()
    cache = CalendarCache(0)
    await cache.get(conn, QINGDAO)
    await cache.get(conn, QINGDAO)
    assert conn.reads == 2
