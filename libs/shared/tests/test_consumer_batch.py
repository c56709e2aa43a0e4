"""Batched consumers (QueueSpec.batch_size) against the real PostgreSQL and RabbitMQ: one
transaction per batch, and every per-message guarantee of the one-message path kept."""
from __future__ import annotations

import json

import structlog
from pydantic import BaseModel

from shared.consumer import Consumer, Delivery, QueueSpec, declare_queues
from shared.events import event_model, make_envelope
from testsupport.messaging import bus, database, drain, wait_for
from testsupport.waiting import holds_throughout

EVENT = "test.batched_item"


@event_model(EVENT, 1)
class BatchedItem(BaseModel):
    n: int


async def setup_effects(db, table: str) -> None:
    async with db.connection() as conn:
        await conn.execute(f"DROP TABLE IF EXISTS {table}")
        await conn.execute(f"CREATE TABLE {table} (n int NOT NULL, txid bigint NOT NULL)")


def recording_handler(table: str, seen_contexts: list[bool] | None = None, fail: int | None = None,
                      calls: dict[int, int] | None = None):
    async def handler(d: Delivery) -> None:
        if calls is not None:
            calls[d.data.n] = calls.get(d.data.n, 0) + 1
        if seen_contexts is not None:   # the logging context is this message's, not a neighbour's
            seen_contexts.append(structlog.contextvars.get_contextvars().get("event_id") == str(d.envelope.id))
        if d.data.n == fail:
            raise RuntimeError("poison")
        await d.conn.execute(f"INSERT INTO {table} (n, txid) VALUES ($1, txid_current())", d.data.n)
    return handler


async def publish(b, env) -> None:
    await b.publish(env.model_dump_json().encode(), env.type, message_id=str(env.id))


async def rows(db, table: str) -> list[tuple[int, int]]:
    async with db.connection() as conn:
        return [(r["n"], r["txid"]) for r in await conn.fetch(f"SELECT n, txid FROM {table}")]


async def count(db, table: str) -> int:
    return len(await rows(db, table))


async def _eq(coro, expected) -> bool:
    return (await coro) == expected


async def started_with_backlog(b, db, spec: QueueSpec, envelopes) -> Consumer:
    """The queue declared and filled first, so the consumer starts with a backlog in hand."""
    ch = await b.channel()
    queue = await declare_queues(ch, b, spec)
    await queue.purge()
    for env in envelopes:
        await publish(b, env)
    consumer = Consumer(spec, db=db, bus=b, producer="t")
    await consumer.start()
    return consumer


async def test_a_batch_of_deliveries_in_hand_is_one_transaction(database_url, amqp_url):
    async with database(database_url, "con_batch_tx") as db, bus(amqp_url) as b:
        await setup_effects(db, "batch_tx")
        contexts: list[bool] = []
        spec = QueueSpec("test.batch.tx", (EVENT,), recording_handler("batch_tx", contexts),
                         prefetch=32, batch_size=10, batch_wait_ms=20)
        envs = [make_envelope(EVENT, {"n": n}, producer="t") for n in range(30)]
        consumer = await started_with_backlog(b, db, spec, envs)
        try:
            assert await wait_for(lambda: _eq(count(db, "batch_tx"), 30))
        finally:
            await consumer.stop()
        got = await rows(db, "batch_tx")
        assert sorted(n for n, _ in got) == list(range(30))
        txids = {t for _, t in got}
        # 30 in hand, batches of at most 10: 3 transactions (a few more if the broker's
        # deliveries trickle in), never the 30 the one-message path makes.
        assert 3 <= len(txids) <= 8, txids
        assert contexts and all(contexts)
        async with db.connection() as conn:
            assert await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'test.batch.tx'") == 30


async def test_a_failing_message_in_a_batch_is_retried_and_dead_lettered_the_others_commit_once(
        database_url, amqp_url):
    async with database(database_url, "con_batch_fail") as db, bus(amqp_url) as b:
        await setup_effects(db, "batch_fail")
        calls: dict[int, int] = {}
        spec = QueueSpec("test.batch.fail", (EVENT,), recording_handler("batch_fail", fail=13, calls=calls),
                         max_attempts=3, retry_delays_ms=(100, 200), prefetch=32, batch_size=8, batch_wait_ms=20)
        envs = [make_envelope(EVENT, {"n": n}, producer="t") for n in range(10, 30)]
        consumer = await started_with_backlog(b, db, spec, envs)
        try:
            assert await wait_for(lambda: _eq(count(db, "batch_fail"), 19))
            ch = await b.channel()
            dead = await ch.declare_queue("test.batch.fail.dead", passive=True)
            got = await drain(dead, 1, timeout=10)
            assert await holds_throughout(lambda: _eq(count(db, "batch_fail"), 19), seconds=0.5)
        finally:
            await consumer.stop()
        assert len(got) == 1
        assert json.loads(got[0].body)["data"] == {"n": 13}
        assert "poison" in got[0].headers["x-error"]
        assert got[0].headers["x-attempt"] == 3   # the configured tries, as without batches
        effects = await rows(db, "batch_fail")
        assert sorted(n for n, _ in effects) == [n for n in range(10, 30) if n != 13]   # once each
        # The poison's neighbours ran in its rolled-back batch, then again alone.
        assert any(calls[n] > 1 for n in calls if n != 13)
        async with db.connection() as conn:
            assert await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'test.batch.fail'") == 19


async def test_repeated_event_ids_within_and_across_batches_are_handled_once(database_url, amqp_url):
    async with database(database_url, "con_batch_dupe") as db, bus(amqp_url) as b:
        await setup_effects(db, "batch_dupe")
        spec = QueueSpec("test.batch.dupe", (EVENT,), recording_handler("batch_dupe"),
                         prefetch=32, batch_size=16, batch_wait_ms=20)
        first = make_envelope(EVENT, {"n": 1}, producer="t")
        others = [make_envelope(EVENT, {"n": n}, producer="t") for n in range(2, 8)]
        # The same id three times among others: in one batch.
        consumer = await started_with_backlog(b, db, spec, [first, *others[:3], first, *others[3:], first])
        try:
            assert await wait_for(lambda: _eq(count(db, "batch_dupe"), 7))
            # Across batches: repeats of handled events beside new ones.
            late = [make_envelope(EVENT, {"n": n}, producer="t") for n in (8, 9)]
            for env in [first, late[0], others[0], late[1], first]:
                await publish(b, env)
            assert await wait_for(lambda: _eq(count(db, "batch_dupe"), 9))
            assert await holds_throughout(lambda: _eq(count(db, "batch_dupe"), 9), seconds=0.5)
        finally:
            await consumer.stop()
        assert sorted(n for n, _ in await rows(db, "batch_dupe")) == list(range(1, 10))
        ch = await b.channel()
        main = await ch.declare_queue("test.batch.dupe", passive=True)
        assert main.declaration_result.message_count == 0   # the repeats were acked, none left


async def test_a_batch_handler_gets_the_fresh_deliveries_of_a_batch_in_one_call(database_url, amqp_url):
    """QueueSpec.batch_handler: one call per batch with its fresh deliveries (repeats left
    out); a batch that fails is redone one message at a time through ``handler``."""
    async with database(database_url, "con_batch_handler") as db, bus(amqp_url) as b:
        await setup_effects(db, "batch_handler")
        calls: list[list[int]] = []
        alone: list[int] = []

        own_context: list[bool] = []

        async def batch_handler(deliveries) -> None:
            calls.append([d.data.n for d in deliveries])
            # Each delivery carries its message's context (logging, span) for what must see it.
            own_context.extend(d.context.run(structlog.contextvars.get_contextvars).get("event_id")
                               == str(d.envelope.id) for d in deliveries)
            if any(d.data.n == 13 for d in deliveries):
                raise RuntimeError("poison")
            await deliveries[0].conn.execute(
                "INSERT INTO batch_handler (n, txid) SELECT n, txid_current() FROM unnest($1::int[]) AS u(n)",
                [d.data.n for d in deliveries])

        async def handler(d: Delivery) -> None:
            alone.append(d.data.n)
            if d.data.n == 13:
                raise RuntimeError("poison")
            await d.conn.execute("INSERT INTO batch_handler (n, txid) VALUES ($1, txid_current())", d.data.n)

        spec = QueueSpec("test.batch.handler", (EVENT,), handler, batch_handler=batch_handler,
                         max_attempts=2, retry_delays_ms=(100,), prefetch=32, batch_size=10, batch_wait_ms=20)
        repeated = make_envelope(EVENT, {"n": 1}, producer="t")
        envs = [repeated, *(make_envelope(EVENT, {"n": n}, producer="t") for n in range(2, 30)), repeated]
        consumer = await started_with_backlog(b, db, spec, envs)
        try:
            assert await wait_for(lambda: _eq(count(db, "batch_handler"), 28))
            assert await holds_throughout(lambda: _eq(count(db, "batch_handler"), 28), seconds=0.5)
        finally:
            await consumer.stop()
        got = await rows(db, "batch_handler")
        assert sorted(n for n, _ in got) == [n for n in range(1, 30) if n != 13]   # once each
        # Batches, not one call per message: far fewer calls than the 29 events, each with more
        # than one delivery at first, and the repeated id never twice in one call.
        assert len(calls) < 15, calls
        assert max(len(c) for c in calls) > 1
        assert all(len(c) == len(set(c)) for c in calls)
        assert own_context and all(own_context)
        # The poison's batch was redone one by one through the handler, the poison tried twice.
        assert alone.count(13) == 2
        assert any(n != 13 for n in alone)
        assert len({t for n, t in got if n not in alone}) < len([n for n, _ in got if n not in alone])
