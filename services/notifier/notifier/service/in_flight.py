"""A count of permits with a gauge: the bound on provider calls in flight in one process
(NOTIFIER_MAX_IN_FLIGHT), and the bound on the messages it holds (claimed, outcome not
stored yet)."""
from __future__ import annotations

import asyncio


class InFlight:
    def __init__(self, limit: int, on_change=None) -> None:
        self.limit = limit
        self.used = 0
        self._sem = asyncio.Semaphore(limit)
        self._on_change = on_change
        self._freed = asyncio.Event()

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self._sem.release()
        self._moved(-n)
        if n:
            self._freed.set()

    async def wait_freed(self, timeout: float) -> None:
        """Until a permit is released (or ``timeout``): the sweeper's cue to look again."""
        self._freed.clear()
        try:
            await asyncio.wait_for(self._freed.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    async def take_free(self, most: int) -> int:
        """Up to ``most`` free permits, taken without waiting (none when all are in use)."""
        taken = 0
        while taken < most and not self._sem.locked():
            await self._sem.acquire()   # does not suspend: a permit is free
            taken += 1
        self._moved(taken)
        return taken

    async def take(self) -> None:
        """One permit, waiting for it (first come, first served). Cancelled while waiting,
        it takes none."""
        await self._sem.acquire()
        self._moved(1)

    def _moved(self, n: int) -> None:
        self.used += n
        if self._on_change and n:
            self._on_change(self.used)
