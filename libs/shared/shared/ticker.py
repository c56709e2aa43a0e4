"""Every service's background loop (the cutoff scheduler, the SMS sweeper, the backlog
gauges, the outbox relay): one pass at start, then every ``interval`` seconds, and at
once when woken (a NOTIFY, the service clock moving in tests). A pass that returns True
has more to do and runs again at once. A failing pass is logged and tried again next
time: a database outage must not end the loop. ``stop`` lets the pass in progress finish
(its transaction commits) and, with ``final_pass``, runs one more (the relay: what was
committed before shutdown still goes out)."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from shared.logging import get_logger

log = get_logger(__name__)


class Ticker:
    def __init__(self, name: str, work: Callable[[], Awaitable[bool | None]], interval: float, *,
                 final_pass: bool = False, stop_timeout: float = 10.0) -> None:
        self.name = name
        self.work = work
        self.interval = interval
        self.final_pass = final_pass
        self.stop_timeout = stop_timeout
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=self.name)

    def wake(self) -> None:
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def stop(self, timeout: float | None = None) -> None:
        """Let a pass in progress finish, then end (cancelled after ``timeout``). Idempotent."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), self.stop_timeout if timeout is None else timeout)
        except asyncio.TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _run(self) -> None:
        while True:
            last = self._stopping   # a pass begun after stop was asked is the final one
            if last and not self.final_pass:
                return
            self._wake.clear()   # before the pass: a wake during it means one more pass
            more = False
            try:
                more = bool(await self.work())
            except Exception as exc:
                log.warning("background_pass_failed", loop=self.name, error=type(exc).__name__,
                            detail=str(exc)[:200])
            if last:
                return
            if self._stopping or more:
                continue   # to the final pass (or the end), or more waiting: no pause
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
