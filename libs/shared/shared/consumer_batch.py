"""Gathering a consumer's deliveries into batches (``QueueSpec.batch_size``): the ones in
hand, or arriving within ``batch_wait_ms``, share one transaction and one inbox insert.

Each delivery keeps its own task (aio-pika makes one per message): the task reads and
checks its message, hands it here and waits for its outcome, then acks and runs its
after-commit jobs itself, as an unbatched one does. A batch that fails in any way is rolled
back whole and every message in it is told ``ALONE``: its task redoes it through the
one-message path, so the failing one gets the usual retry / dead-letter treatment and the
others commit once each (the inbox stops a second application)."""
from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.events import Envelope
from shared.gatherer import ALONE, Gatherer

__all__ = ["ALONE", "Batcher", "Pending"]


@dataclass
class Pending:
    envelope: Envelope
    data: Any
    # The message task's context (logging context, tracing span): its handler runs in it.
    context: contextvars.Context


# Runs one batch in one transaction; one outcome per message, in order (after-commit
# jobs, or None for an event already handled).
RunBatch = Callable[[Sequence[Pending]], Awaitable[list[Any]]]


class Batcher:
    def __init__(self, size: int, wait_seconds: float, run: RunBatch, *, queue: str) -> None:
        self._gatherer: Gatherer[Pending] = Gatherer(size, wait_seconds, run, name=queue)

    async def submit(self, envelope: Envelope, data: Any) -> Any:
        """This message's outcome once its batch has committed, or ALONE."""
        return await self._gatherer.submit(Pending(envelope, data, contextvars.copy_context()))
