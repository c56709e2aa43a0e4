"""Gathering a consumer's deliveries into batches (``QueueSpec.batch_size``): the ones in
hand, or arriving within ``batch_wait_ms``, share one transaction and one inbox insert.

Each delivery keeps its own task (aio-pika makes one per message): the task reads and
checks its message, hands it here and waits for its outcome, then acks and runs its
after-commit jobs itself, as an unbatched one does. A batch that fails in any way is rolled
back whole and every message in it is told ``ALONE``: its task redoes it through the
one-message path, so the failing one gets the usual retry / dead-letter treatment and the
others commit once each (the inbox stops a second application)."""
from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.events import Envelope
from shared.logging import get_logger

log = get_logger(__name__)


class _Alone:
    def __repr__(self) -> str:
        return "ALONE"


# The outcome that says: not handled in a batch, take the one-message path.
ALONE: Any = _Alone()


@dataclass
class Pending:
    envelope: Envelope
    data: Any
    # The message task's context (logging context, tracing span): its handler runs in it.
    context: contextvars.Context
    outcome: asyncio.Future[Any]


# Runs one batch in one transaction; one outcome per message, in order (after-commit
# jobs, or None for an event already handled).
RunBatch = Callable[[Sequence[Pending]], Awaitable[list[Any]]]


class Batcher:
    def __init__(self, size: int, wait_seconds: float, run: RunBatch, *, queue: str) -> None:
        self.size = size
        self.wait = wait_seconds
        self.run = run
        self.queue = queue
        self._pending: list[Pending] = []
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[None]] = set()   # referenced until done

    async def submit(self, envelope: Envelope, data: Any) -> Any:
        """This message's outcome once its batch has committed, or ALONE."""
        loop = asyncio.get_running_loop()
        item = Pending(envelope, data, contextvars.copy_context(), loop.create_future())
        self._pending.append(item)
        if len(self._pending) >= self.size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.wait, self._flush)
        return await item.outcome

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if len(batch) == 1:
            _settle(batch[0], ALONE)   # nothing to share: the one-message path, unchanged
        elif batch:
            task = asyncio.create_task(self._run(batch), name=f"batch-{self.queue}")
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, batch: list[Pending]) -> None:
        outcomes: list[Any] = [ALONE] * len(batch)
        try:
            outcomes = await self.run(batch)
        except Exception as exc:   # rolled back: each message is redone on its own
            log.warning("batch_rolled_back", queue=self.queue, size=len(batch), error=type(exc).__name__)
        finally:   # even when cancelled: no message task is left waiting
            for item, outcome in zip(batch, outcomes):
                _settle(item, outcome)


def _settle(item: Pending, outcome: Any) -> None:
    if not item.outcome.done():   # its task may have been cancelled meanwhile
        item.outcome.set_result(outcome)
