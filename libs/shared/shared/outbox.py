"""Transactional outbox: ``add_event(s)`` / ``add_rows`` write in the caller's transaction
(``insert_rows`` + ``WAKE_RELAY`` for a writer's own one-statement SQL); ``OutboxRelay``
publishes unsent rows with confirms and marks them sent only after the broker confirmed.
Woken by LISTEN/NOTIFY (``linger`` later, so the commits of that window share a pass), with
a polling fallback; several relays share the table through ``FOR UPDATE SKIP LOCKED``.
Sent rows are kept ``keep_sent`` (docs/operations.md replays the last hour from them after
a restore), so marking them is an UPDATE, not a DELETE."""
from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from pydantic import BaseModel
from opentelemetry.trace import SpanKind

from shared import tracing
from shared.bus import Bus
from shared.db import TRANSIENT_DB_ERRORS, Database
from shared.events import Cause, Envelope, make_envelope
from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.ticker import Ticker

log = get_logger(__name__)


# The relay listens on ``outbox_<schema>``; a writer names it through its search_path.
CHANNEL_PREFIX = "outbox_"
# An SQL expression for the writer's own statement: the relay is woken at commit, and not
# at all after a rollback.
WAKE_RELAY = f"pg_notify('{CHANNEL_PREFIX}' || current_schema(), '')"


def notify_channel(schema: str) -> str:
    return f"{CHANNEL_PREFIX}{schema}"


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One event for the outbox with its whole envelope already JSON: a writer that built
    it itself (orjson, a 2.4 MB allocation.completed) hands it over without a second encode."""
    id: uuid.UUID
    type: str
    envelope_json: str | bytes
    routing_key: str | None = None     # the type when None

    @classmethod
    def of(cls, envelope: Envelope, routing_key: str | None = None) -> OutboxRow:
        return cls(envelope.id, envelope.type, envelope.model_dump_json(), routing_key)


def insert_rows(first: int, *, when: str | None = None) -> str:
    """``INSERT INTO outbox`` of the rows in the parameter arrays ``$first`` to ``$first + 3``
    (``row_arrays``): a statement of its own, or a CTE of a writer that keeps its whole
    change in one statement. ``when``: an SQL condition the rows go in under."""
    ids, types, keys, envelopes = (f"${first + i}" for i in range(4))
    sql = ("INSERT INTO outbox (id, type, routing_key, envelope)"
           " SELECT e.id, e.type, e.routing_key, e.envelope::jsonb"
           f" FROM unnest({ids}::uuid[], {types}::text[], {keys}::text[], {envelopes}::text[])"
           " AS e(id, type, routing_key, envelope)")
    return f"{sql} WHERE {when}" if when else sql


def row_arrays(rows: Iterable[OutboxRow]) -> list[list[Any]]:
    """The four parameters ``insert_rows`` reads. The JSON goes as text (the server casts it),
    so the pool's jsonb codec does not encode it a second time."""
    rows = list(rows)
    return [[r.id for r in rows], [r.type for r in rows], [r.routing_key or r.type for r in rows],
            [r.envelope_json.decode() if isinstance(r.envelope_json, bytes) else r.envelope_json
             for r in rows]]


_ADD_ROWS = (f"WITH added AS ({insert_rows(1)} RETURNING 1)"
             f" SELECT {WAKE_RELAY} WHERE EXISTS (SELECT 1 FROM added)")


async def add_rows(conn: asyncpg.Connection, rows: Sequence[OutboxRow]) -> None:
    """The rows and the relay's wake-up in one statement (a day's 20,000 allocations are one
    round trip), in the caller's transaction: call it in the transaction that makes the
    state change the events report."""
    if rows:
        await conn.execute(_ADD_ROWS, *row_arrays(rows))


async def add_event(conn: asyncpg.Connection, envelope: Envelope, routing_key: str | None = None) -> None:
    await add_rows(conn, [OutboxRow.of(envelope, routing_key)])


async def add_events(conn: asyncpg.Connection, envelopes: Sequence[Envelope],
                     routing_key: str | None = None) -> None:
    await add_rows(conn, [OutboxRow.of(e, routing_key) for e in envelopes])


class OutboxRelay:
    def __init__(self, db: Database, bus: Bus, dsn: str, *, metrics: ServiceMetrics | None = None,
                 poll_interval: float = 2.0, batch_size: int = 200,
                 keep_sent: timedelta = timedelta(days=7), purge_types: frozenset[str] = frozenset(),
                 linger: float = 0.05, gauge_interval: float = 1.0) -> None:
        self.db = db
        self.bus = bus
        self.dsn = dsn
        self.metrics = metrics
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.keep_sent = keep_sent
        # Events carrying a secret (a verification code) leave no copy once the broker has them.
        self.purge_types = purge_types
        # The shared background loop: a pass at once after a NOTIFY, again at once while
        # batches come full, and one last pass at stop.
        self._ticker = Ticker("outbox-relay", self._pass, poll_interval, final_pass=True)
        self._last_cleanup = 0.0
        self._listener: asyncpg.Connection | None = None
        # A NOTIFY wakes the relay ``linger`` seconds later, and the NOTIFYs of that window
        # ride along: under load a pass relays several bookings' rows for its four round
        # trips (BEGIN, SELECT, UPDATE, COMMIT) instead of one row each (issue 20).
        self.linger = linger
        self._wake_later: asyncio.TimerHandle | None = None
        # The backlog gauge costs a query of its own: at most once per ``gauge_interval``.
        self.gauge_interval = gauge_interval
        self._last_gauge = float("-inf")

    def start(self) -> None:
        self._ticker.start()

    def wake(self) -> None:
        self._ticker.wake()

    async def stop(self, flush_timeout: float = 5.0) -> None:
        """Stop after one last pass, so what was committed before shutdown goes out."""
        await self._ticker.stop(flush_timeout)
        await self._close_listener()
        if self._wake_later is not None:
            self._wake_later.cancel()
            self._wake_later = None

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        try:
            self._listener = await asyncpg.connect(self.dsn, timeout=self.db.acquire_timeout)
            await self._listener.add_listener(notify_channel(self.db.schema), lambda *_: self._notified())
        except TRANSIENT_DB_ERRORS as exc:
            # Polling still works without it; try again next round.
            log.warning("outbox_listen_failed", error=type(exc).__name__)
            self._listener = None

    def _notified(self) -> None:
        if self.linger <= 0:
            self._ticker.wake()
        elif self._wake_later is None:
            self._wake_later = asyncio.get_running_loop().call_later(self.linger, self._lingered)

    def _lingered(self) -> None:
        self._wake_later = None
        self._ticker.wake()

    async def _close_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            with contextlib.suppress(Exception):
                await self._listener.close()
        self._listener = None

    async def _pass(self) -> bool:
        """One batch (and now and then the clean-up); True when the batch came full."""
        await self._listen()
        loop = asyncio.get_running_loop()
        try:
            sent = await self.relay_once()
            if loop.time() - self._last_cleanup > 300:
                await self._delete_old_sent()
                self._last_cleanup = loop.time()
            if loop.time() - self._last_gauge >= self.gauge_interval:
                await self._observe_backlog()
                self._last_gauge = loop.time()
        except TRANSIENT_DB_ERRORS as exc:
            log.warning("outbox_relay_db_error", error=type(exc).__name__)
            sent = 0
        return sent >= self.batch_size   # more waiting: no pause

    async def relay_once(self) -> int:
        """Publish one batch; return how many rows were confirmed and marked sent."""
        if not self.bus.is_connected:
            return 0
        async with self.db.transaction() as conn:
            rows = await conn.fetch(
                # The envelope as the server's text, published as it is: no jsonb decoded into
                # Python objects and encoded again (a 2.4 MB allocation.completed cost the
                # allocator ~12 MB and every event CPU); the trace fields read beside it.
                "SELECT seq, id, routing_key, envelope::text AS body, envelope->>'traceparent' AS traceparent,"
                " envelope->>'tracestate' AS tracestate, envelope->>'correlation_id' AS correlation_id"
                " FROM outbox WHERE sent_at IS NULL"
                " ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED", self.batch_size)
            if not rows:
                return 0
            results = await asyncio.gather(*(self._publish(r) for r in rows), return_exceptions=True)
            sent = [r["seq"] for r, res in zip(rows, results) if res is None]
            failed = [(r["seq"], type(res).__name__) for r, res in zip(rows, results) if res is not None]
            if sent:
                await conn.execute("UPDATE outbox SET sent_at = now(), attempts = attempts + 1"
                                   " WHERE seq = ANY($1::bigint[])", sent)
                if self.purge_types:
                    await conn.execute("DELETE FROM outbox WHERE seq = ANY($1::bigint[]) AND type = ANY($2::text[])",
                                       sent, list(self.purge_types))
            if failed:
                await conn.executemany("UPDATE outbox SET attempts = attempts + 1, last_error = $2"
                                       " WHERE seq = $1", failed)
                log.warning("outbox_publish_failed", count=len(failed), error=failed[0][1])
        if self.metrics:
            self.metrics.events_published.inc(len(sent))
        return len(sent) if not failed else 0

    async def _publish(self, row: asyncpg.Record) -> None:
        # Back in the trace of the request (or event) that wrote the row: the publish and
        # its AMQP headers continue it, though it ended long ago in another task.
        with tracing.continued(tracing.context_of(row["traceparent"], row["tracestate"]),
                               "outbox.relay", kind=SpanKind.PRODUCER,
                               attributes={"messaging.destination.name": row["routing_key"],
                                           "messaging.message.id": str(row["id"])}):
            await self.bus.publish(row["body"].encode(), row["routing_key"], message_id=str(row["id"]),
                                   correlation_id=row["correlation_id"])

    async def _observe_backlog(self) -> None:
        if not self.metrics:
            return
        async with self.db.connection() as conn:
            row = await conn.fetchrow(
                "SELECT count(*) AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age"
                " FROM outbox WHERE sent_at IS NULL")
        self.metrics.outbox_backlog.set(row["n"])
        self.metrics.outbox_oldest_age.set(float(row["age"]))

    async def _delete_old_sent(self) -> None:
        async with self.db.connection() as conn:
            await conn.execute("DELETE FROM outbox WHERE sent_at < now() - $1::interval", self.keep_sent)



async def publish(conn: asyncpg.Connection, type_: str, data: BaseModel | dict[str, Any], *, producer: str, version: int = 1,
                  occurred_at: datetime | None = None) -> Envelope:
    """One event into the outbox of the caller's transaction, caused by what is being handled
    (``Cause.current``). Use cases open a ``shared.unit_of_work.UnitOfWork`` instead; pass
    ``occurred_at`` from the service clock."""
    cause = Cause.current()
    env = make_envelope(type_, data, producer=producer, version=version, correlation_id=cause.correlation_id,
                        causation_id=cause.causation_id, occurred_at=occurred_at)
    await add_event(conn, env)
    return env
