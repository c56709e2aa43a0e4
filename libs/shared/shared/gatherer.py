"""Calls that arrive close together, run as one batch: each caller hands in its item and
gets its own outcome back once the batch has run. The items in hand when ``size`` is
reached, or after ``wait_seconds`` from the first, go together; one item alone, or a batch
that failed in any way, gets ``ALONE``: its caller takes its usual one-item path, so a
failing item costs only itself. Used by the consumers' batches (consumer_batch.py) and the
notifier's outcomes (one statement for many sends' results)."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from shared.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")


class _Alone:
    def __repr__(self) -> str:
        return "ALONE"


# The outcome that says: not handled in a batch, take the one-item path.
ALONE: Any = _Alone()

# Runs one batch; one outcome per item, in order.
RunBatch = Callable[[Sequence[T]], Awaitable[list[Any]]]


class Gatherer(Generic[T]):
    def __init__(self, size: int, wait_seconds: float, run: RunBatch[T], *, name: str) -> None:
        self.size = size
        self.wait = wait_seconds
        self.run = run
        self.name = name
        self._pending: list[tuple[T, asyncio.Future[Any]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[None]] = set()   # referenced until done

    async def submit(self, item: T) -> Any:
        """This item's outcome once its batch has run, or ALONE."""
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[Any] = loop.create_future()
        self._pending.append((item, outcome))
        if len(self._pending) >= self.size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.wait, self._flush)
        return await outcome

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if len(batch) == 1:
            _settle(batch[0][1], ALONE)   # nothing to share: the one-item path, unchanged
        elif batch:
            task = asyncio.create_task(self._run(batch), name=f"batch-{self.name}")
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, batch: list[tuple[T, asyncio.Future[Any]]]) -> None:
        outcomes: list[Any] = [ALONE] * len(batch)
        try:
            outcomes = await self.run([item for item, _ in batch])
        except Exception as exc:   # rolled back: each item is redone on its own
            log.warning("batch_rolled_back", batch=self.name, size=len(batch), error=type(exc).__name__)
        finally:   # even when cancelled: no caller is left waiting
            for (_, future), outcome in zip(batch, outcomes):
                _settle(future, outcome)


def _settle(future: asyncio.Future[Any], outcome: Any) -> None:
    if not future.done():   # its caller may have been cancelled meanwhile
        future.set_result(outcome)
