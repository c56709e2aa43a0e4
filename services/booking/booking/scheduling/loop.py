"""A background loop that runs one pass at start, then every ``interval`` seconds, and at
once when woken (the service clock moving in tests, so a moved clock is noticed within
a pass rather than an interval). A failing pass is logged and tried again next time: a
database outage must not end the loop."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from ..log import log


class Ticker:
    def __init__(self, name: str, work: Callable[[], Awaitable[None]], interval: float) -> None:
        self.name = name
        self.work = work
        self.interval = interval
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, timeout: float = 10.0) -> None:
        """Let a pass in progress finish (its transaction commits), then end."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except asyncio.TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()   # before the pass: a wake during it means one more pass
            try:
                await self.work()
            except Exception as exc:
                log.warning("scheduler_pass_failed", loop=self.name, error=type(exc).__name__,
                            detail=str(exc)[:200])
            if self._stopping:
                return
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
