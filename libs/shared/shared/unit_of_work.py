"""The unit of work every use case opens (cosmicpython's, with eShop's transactional outbox).

``async with uow:`` gives the connection and its transaction. The use case ``track``s the
aggregates it changes (they record domain events in their ``events`` list) and may ``add``
integration events of its own; on commit the unit of work maps what the aggregates
recorded to integration events (``translate``) and writes every event to the outbox in
the SAME transaction, each envelope carrying:
- the cause: the HTTP request's id (correlation and causation) or the handled event's
  correlation id and id (``Cause.current`` reads what the middleware or the consumer bound);
- ``occurred_at`` from the service clock (``uow.now``, read once when the unit opens).

An exception inside, or ``rollback()``, discards the events with the transaction.

An event too big to go through its model (allocation.completed: 20,000 assignments) is
``add_encoded``: the unit builds its envelope like any other and the use case writes the
JSON with the big part put in.

A writer that keeps its whole change in one statement (booking's new booking) takes the
events with ``collect()`` and writes them in that statement; the unit then needs no
transaction of its own (``transaction=False``) and refuses to end with events left over.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar

import asyncpg
from pydantic import BaseModel

from shared.clock import Clock
from shared.db import Database
from shared.events import Cause, Envelope, envelope_of
from shared.outbox import OutboxRow, add_rows


class Aggregate(Protocol):
    events: list[Any]     # domain events, in the order they happened


A = TypeVar("A", bound=Aggregate)
_CONNECTION_GONE = (asyncpg.InterfaceError, asyncpg.InternalClientError, asyncpg.PostgresError, OSError)
# (aggregate, now) -> the contract models (shared.contracts) of what it recorded.
Translate = Callable[[Any, datetime], Sequence[BaseModel]]
# The unit's envelope -> the whole envelope as JSON (the use case puts in what it left out).
Encode = Callable[[Envelope], str | bytes]


class UnitOfWork:
    def __init__(self, db: Database | None, clock: Clock, producer: str, *, translate: Translate | None = None,
                 cause: Cause | None = None, transaction: bool = True, isolation: str = "read_committed",
                 conn: asyncpg.Connection | None = None, now: datetime | None = None) -> None:
        self._db = db
        self._clock = clock
        self.producer = producer
        self._translate = translate
        self._cause = cause
        self._transaction = transaction
        self._isolation = isolation
        self._given = conn
        self._conn = conn
        # The one instant of the unit: its events' occurred_at, and the use case's "now".
        self.now: datetime = now or clock.now()
        self._stack: contextlib.AsyncExitStack | None = None
        self._tx: Any = None           # the asyncpg transaction while it is open
        self._tracked: list[Aggregate] = []
        self._added: list[tuple[BaseModel, datetime | None, Cause | None]] = []
        self._encoded: list[tuple[BaseModel, Encode]] = []
        self._rolled_back = False

    @property
    def conn(self) -> asyncpg.Connection:
        """The unit's connection, in its transaction (once entered)."""
        if self._conn is None:
            raise RuntimeError("use the unit of work inside `async with`")
        return self._conn

    @classmethod
    def within(cls, conn: asyncpg.Connection, clock: Clock, producer: str, *, cause: Cause,
               translate: Translate | None = None, now: datetime | None = None) -> UnitOfWork:
        """A unit inside a transaction someone else owns (a consumer's inbox transaction):
        its events go into that transaction when the unit ends without an error."""
        return cls(None, clock, producer, translate=translate, cause=cause, conn=conn, now=now)

    async def __aenter__(self) -> UnitOfWork:
        self._cause = self._cause or Cause.current()
        if self._given is not None:
            return self
        assert self._db is not None
        self._stack = contextlib.AsyncExitStack()
        conn: asyncpg.Connection = await self._stack.enter_async_context(self._db.connection())
        self._conn = conn
        if self._transaction:
            tx = conn.transaction(isolation=self._isolation)
            try:
                await tx.start()
            except BaseException:
                await self._stack.aclose()
                raise
            self._tx = tx
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            if exc_type is None and not self._rolled_back:
                await self._flush()
                await self._end(commit=True)
        finally:
            self._discard()
            try:
                await self._end(commit=False)   # an error inside, or in the flush or commit
            finally:
                if self._stack is not None:
                    await self._stack.aclose()
                    self._conn = None

    async def _end(self, *, commit: bool) -> None:
        tx, self._tx = self._tx, None
        if tx is None:
            return
        if commit:
            await tx.commit()
        else:
            # A dropped connection cannot roll back (the server already did): the error that
            # ended the unit is the one to report.
            with contextlib.suppress(*_CONNECTION_GONE):
                await tx.rollback()

    def track(self, aggregate: A) -> A:
        """The aggregate's recorded events go out on commit; returns it."""
        if not any(a is aggregate for a in self._tracked):
            self._tracked.append(aggregate)
        return aggregate

    def add(self, data: BaseModel, *, occurred_at: datetime | None = None, cause: Cause | None = None) -> None:
        """An integration event the use case makes itself (no aggregate records it).
        ``cause``: for one unit answering several events (the notifier's sweep)."""
        self._added.append((data, occurred_at, cause))

    def add_encoded(self, data: BaseModel, encode: Encode) -> None:
        """An event whose JSON the use case writes itself: ``data`` is the contract model
        without its big part, ``encode`` gets the unit's envelope of it (the cause, the
        producer, the unit's instant) and returns the whole envelope as JSON. It goes to
        the outbox on commit, after the other events; never through ``collect()``."""
        self._encoded.append((data, encode))

    def collect(self) -> list[Envelope]:
        """Every event so far as envelopes, taken out of the unit: for a writer that puts
        them in its own statement. Added events first, then the aggregates' in the order
        they were tracked (an agent's suspension before the booking change that caused it,
        as each use case wrote them by hand before)."""
        cause = self._cause or Cause.current()
        found = [envelope_of(data, producer=self.producer, cause=own or cause, occurred_at=at or self.now)
                 for data, at, own in self._added]
        self._added.clear()
        for aggregate in self._tracked:
            if aggregate.events:
                if self._translate is None:
                    raise TypeError(f"no translation of {type(aggregate).__name__}'s events")
                found += [envelope_of(data, producer=self.producer, cause=cause, occurred_at=self.now)
                          for data in self._translate(aggregate, self.now)]
                aggregate.events.clear()
        return found

    async def rollback(self) -> None:
        """Undo the transaction now and drop the events; the unit ends without a commit."""
        self._rolled_back = True
        self._discard()
        await self._end(commit=False)

    async def _flush(self) -> None:
        rows = [OutboxRow.of(e) for e in self.collect()] + [self._encode(data, encode)
                                                            for data, encode in self._encoded]
        self._encoded.clear()
        if not rows:
            return    # a unit without events: no outbox statement at all
        if self._tx is None and self._given is None:
            raise RuntimeError("events left in a unit of work without a transaction: collect() them into "
                               "the statement that makes the change")
        await add_rows(self.conn, rows)

    def _encode(self, data: BaseModel, encode: Encode) -> OutboxRow:
        envelope = envelope_of(data, producer=self.producer, cause=self._cause or Cause.current(),
                               occurred_at=self.now)
        return OutboxRow(envelope.id, envelope.type, encode(envelope))

    def _discard(self) -> None:
        self._added.clear()
        self._encoded.clear()
        for aggregate in self._tracked:
            aggregate.events.clear()
        self._tracked.clear()
