"""The bound on argon2 computations at once (each holds 64 MiB in production)."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest

from identity.service.hash_slots import HashingBusy, HashSlots
from shared.http.statuses import headers_of, status_of


class Gauge:
    """A stand-in for argon2: takes a while in its thread and records how many ran at once."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.running = self.most = self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        with self._lock:
            self.running += 1
            self.calls += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.seconds)
            return value.upper()
        finally:
            with self._lock:
                self.running -= 1


@pytest.mark.parametrize("limit", [1, 2, 3])
async def test_many_callers_at_once_never_run_more_than_the_limit_and_all_get_their_answer(limit):
    slots, work = HashSlots(limit, wait_timeout=10), Gauge()
    try:
        answers = await asyncio.gather(*(slots.run(work, f"p{i}") for i in range(8)))
    finally:
        slots.close()
    assert answers == [f"P{i}" for i in range(8)]
    assert work.calls == 8 and work.most == limit


async def test_a_caller_waiting_past_the_bound_gets_503_with_retry_after():
    slots, work = HashSlots(1, wait_timeout=0.05), Gauge(seconds=0.3)
    try:
        results = await asyncio.gather(slots.run(work, "a"), slots.run(work, "b"), return_exceptions=True)
    finally:
        slots.close()
    assert results[0] == "A"
    busy = results[1]
    assert isinstance(busy, HashingBusy)
    assert (status_of(busy), busy.code) == (503, "service.unavailable")
    assert headers_of(busy)["Retry-After"] == "1"
    assert work.calls == 1


async def test_a_cancelled_caller_keeps_its_slot_until_its_hash_is_done():
    slots, work = HashSlots(1, wait_timeout=10), Gauge(seconds=0.2)
    try:
        first = asyncio.create_task(slots.run(work, "a"))
        await asyncio.sleep(0.05)           # running in its thread now
        first.cancel()
        second = asyncio.create_task(slots.run(work, "b"))
        assert await second == "B"
        assert work.most == 1               # b started only once a's thread had finished
        with pytest.raises(asyncio.CancelledError):
            await first
    finally:
        slots.close()
