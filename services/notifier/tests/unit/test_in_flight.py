"""The in-flight bound: ``take_free`` takes only free permits, never waits; ``take`` (a
call's permit) waits its turn."""
from __future__ import annotations

import asyncio

from notifier.service.in_flight import InFlight


async def test_take_free_takes_what_is_free_and_never_waits():
    seen = []
    limit = InFlight(3, on_change=seen.append)
    assert await limit.take_free(1) == 1
    assert await limit.take_free(5) == 2
    assert limit.used == 3 and await limit.take_free(1) == 0
    limit.release(3)
    assert limit.used == 0 and seen[-1] == 0


async def test_wait_freed_wakes_when_a_permit_is_released():
    limit = InFlight(1)
    assert await limit.take_free(1) == 1
    waiter = asyncio.create_task(limit.wait_freed(timeout=5))
    await asyncio.sleep(0)
    assert not waiter.done()
    limit.release()
    await asyncio.wait_for(waiter, 1)
    assert await limit.take_free(1) == 1


async def test_take_waits_its_turn_and_a_cancelled_wait_takes_nothing():
    limit = InFlight(1)
    await limit.take()
    first = asyncio.create_task(limit.take())
    cancelled = asyncio.create_task(limit.take())
    await asyncio.sleep(0)
    assert not first.done() and limit.used == 1
    cancelled.cancel()
    limit.release()
    await asyncio.wait_for(first, 1)
    assert cancelled.cancelled() and limit.used == 1
    limit.release()
    assert limit.used == 0 and await limit.take_free(1) == 1
