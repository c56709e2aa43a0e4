"""At most N argon2 computations at once in this process, the others queue for a bounded time.

argon2id with the production parameters takes 64 MiB for each hash while it runs (and a
core per lane). Run in the default executor, every sign-in at once got its own 64 MiB: five
took the process from ~70 MB to ~390 MB. Here they run in a pool of their own with
``limit`` threads, so the memory argon2 can hold is ``limit x memory_cost`` whatever the
load; a sign-in waits its turn (FIFO) and, past ``wait_timeout``, is answered 503
service.unavailable with ``Retry-After`` instead of waiting on without end.

A caller cancelled while its hash runs (a client gone) keeps the slot until the thread is
done: a slot is only free when its memory is.
"""
from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from shared.errors import Unavailable
from shared.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")


class HashingBusy(Unavailable):
    """Every argon2 slot stayed taken for the whole bounded wait: try again shortly."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many sign-ins at once; try again shortly.", retry_after=retry_after)


class HashSlots:
    def __init__(self, limit: int, wait_timeout: float) -> None:
        if limit < 1:
            raise ValueError("at least one argon2 slot")
        self.limit = limit
        self.wait_timeout = wait_timeout
        self._sem: asyncio.Semaphore | None = None
        self._executor: ThreadPoolExecutor | None = None

    def _slots(self) -> asyncio.Semaphore:
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.limit)
        return self._sem

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.limit, thread_name_prefix="argon2")
        return self._executor

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait_timeout))

    async def run(self, fn: Callable[..., T], *args) -> T:
        """``fn(*args)`` in one of the slots; HashingBusy when none frees up in time."""
        sem = self._slots()
        release_here = True   # False once the thread's end releases the slot instead
        try:
            await asyncio.wait_for(sem.acquire(), self.wait_timeout)
        except asyncio.TimeoutError:
            log.warning("argon2_slots_busy", limit=self.limit, waited=self.wait_timeout)
            raise HashingBusy(self.retry_after) from None
        future = asyncio.get_running_loop().run_in_executor(self._pool(), fn, *args)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            if not future.done():
                # The thread goes on (it cannot be stopped): the slot stays taken until it ends.
                future.add_done_callback(_release_when_done(sem))
                release_here = False
            raise
        finally:
            if release_here:
                sem.release()

    def close(self) -> None:
        """At the app's cleanup: no new hash starts; one running finishes in its thread."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _release_when_done(sem: asyncio.Semaphore):
    def done(future: asyncio.Future) -> None:
        if not future.cancelled():
            future.exception()  # retrieved: nobody awaits it any more
        sem.release()
    return done
