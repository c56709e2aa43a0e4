"""One database read of a calendar range at a time, shared by the requests that wait for it.

Under a rush many requests ask the same range at once. While a read of a range is running,
whoever asks that range waits for the *next* read, which starts once the running one ends,
and every waiter gets that read's result. So each answer comes from a read that started
after its request arrived (a change committed before a request is in its answer, as with a
read of its own), and a range costs at most one read per read's duration, however many ask.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class _LeaderGone(Exception):
    """The request that was to make the read went away first (cancelled): ask again."""


class SharedReads:
    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future] = {}
        self._next: dict[Hashable, asyncio.Future] = {}

    async def read(self, key: Hashable, fetch: Callable[[], Awaitable[Any]]) -> Any:
        while True:
            pending = self._next.get(key)
            if pending is None:
                return await self._lead(key, fetch)
            try:
                return await asyncio.shield(pending)
            except _LeaderGone:
                continue

    async def _lead(self, key: Hashable, fetch: Callable[[], Awaitable[Any]]) -> Any:
        mine = asyncio.get_running_loop().create_future()
        self._next[key] = mine
        try:
            running = self._running.get(key)
            if running is not None:
                await asyncio.wait([running])        # its outcome is its waiters' business
            del self._next[key]                      # started: nobody joins it any more
            self._running[key] = mine
            result = await fetch()
        except BaseException as exc:
            if self._next.get(key) is mine:
                del self._next[key]
            # the waiters read again (cancelled) or get the same error
            _settle(mine, exception=_LeaderGone() if isinstance(exc, asyncio.CancelledError) else exc)
            raise
        else:
            mine.set_result(result)
            return result
        finally:
            if self._running.get(key) is mine:
                del self._running[key]


def _settle(future: asyncio.Future, *, exception: BaseException) -> None:
    if not future.done():
        future.set_exception(exception)
        future.exception()    # retrieved: no "never retrieved" warning when nobody waited
