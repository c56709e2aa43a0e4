"""Idempotent consumers with delayed retries and a dead-letter queue, against the real
PostgreSQL and RabbitMQ."""
from __future__ import annotations

import asyncio
import json

from pydantic import BaseModel

from shared.consumer import Consumer, Delivery, QueueSpec
from shared.events import event_model, make_envelope
from testsupport.messaging import bus, database, drain, wait_for
from testsupport.waiting import holds_throughout


@event_model("test.item_added", 1)
class ItemAdded(BaseModel):
    n: int


async def setup_effects(db) -> None:
    async with db.connection() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS effects (n int NOT NULL)")


async def publish(b, env) -> None:
    await b.publish(env.model_dump_json().encode(), env.type, message_id=str(env.id))


async def count_effects(db, n: int | None = None) -> int:
    async with db.connection() as conn:
        if n is None:
            return await conn.fetchval("SELECT count(*) FROM effects")
        return await conn.fetchval("SELECT count(*) FROM effects WHERE n = $1", n)


async def test_the_same_event_delivered_twice_has_its_effect_once(database_url, amqp_url):
    async with database(database_url, "con_dupe") as db, bus(amqp_url) as b:
        await setup_effects(db)

        async def handler(d: Delivery) -> None:
            await d.conn.execute("INSERT INTO effects (n) VALUES ($1)", d.data.n)

        consumer = Consumer(QueueSpec("test.dupe", ("test.item_added",), handler), db=db, bus=b, producer="t")
        await consumer.start()
        try:
            env = make_envelope("test.item_added", {"n": 1}, producer="t")
            for _ in range(3):
                await publish(b, env)
            await publish(b, make_envelope("test.item_added", {"n": 2}, producer="t"))
            assert await wait_for(lambda: _eq(count_effects(db, 2), 1))
            # the duplicates, were one applied, would show within half a second
            assert await holds_throughout(lambda: _eq(count_effects(db, 1), 1), seconds=0.5)
            assert await count_effects(db) == 2
        finally:
            await consumer.stop()


async def _eq(coro, expected) -> bool:
    return (await coro) == expected


async def test_an_always_failing_handler_ends_in_the_dead_letter_queue_and_others_flow(database_url, amqp_url):
    async with database(database_url, "con_dead") as db, bus(amqp_url) as b:
        await setup_effects(db)
        attempts: dict[int, int] = {}

        async def handler(d: Delivery) -> None:
            attempts[d.data.n] = attempts.get(d.data.n, 0) + 1
            if d.data.n == 13:
                raise RuntimeError("poison")
            await d.conn.execute("INSERT INTO effects (n) VALUES ($1)", d.data.n)

        spec = QueueSpec("test.dead", ("test.item_added",), handler, max_attempts=3, retry_delays_ms=(100, 200))
        consumer = Consumer(spec, db=db, bus=b, producer="t")
        await consumer.start()
        try:
            await publish(b, make_envelope("test.item_added", {"n": 13}, producer="t"))
            for n in range(100, 120):
                await publish(b, make_envelope("test.item_added", {"n": n}, producer="t"))
            assert await wait_for(lambda: _eq(count_effects(db), 20))
            ch = await b.channel()
            dead = await ch.declare_queue("test.dead.dead", passive=True)
            got = await drain(dead, 1, timeout=10)
        finally:
            await consumer.stop()
        assert len(got) == 1
        assert json.loads(got[0].body)["data"] == {"n": 13}
        assert "poison" in got[0].headers["x-error"]
        assert attempts[13] == 3  # exactly the configured number of tries
        assert await count_effects(db, 13) == 0


async def test_a_failure_then_success_is_retried_after_a_delay(database_url, amqp_url):
    async with database(database_url, "con_retry") as db, bus(amqp_url) as b:
        await setup_effects(db)
        seen: list[float] = []

        async def handler(d: Delivery) -> None:
            seen.append(asyncio.get_running_loop().time())
            if len(seen) < 2:
                raise RuntimeError("transient")
            await d.conn.execute("INSERT INTO effects (n) VALUES ($1)", d.data.n)

        spec = QueueSpec("test.retry", ("test.item_added",), handler, retry_delays_ms=(400,))
        consumer = Consumer(spec, db=db, bus=b, producer="t")
        await consumer.start()
        try:
            await publish(b, make_envelope("test.item_added", {"n": 5}, producer="t"))
            assert await wait_for(lambda: _eq(count_effects(db, 5), 1))
        finally:
            await consumer.stop()
        assert len(seen) == 2
        assert seen[1] - seen[0] >= 0.35  # delayed by the retry queue, not requeued at once


async def test_unknown_version_and_garbage_are_dead_lettered_not_crashed_on(database_url, amqp_url):
    async with database(database_url, "con_unknown") as db, bus(amqp_url) as b:
        await setup_effects(db)

        async def handler(d: Delivery) -> None:
            await d.conn.execute("INSERT INTO effects (n) VALUES ($1)", d.data.n)

        consumer = Consumer(QueueSpec("test.unknown", ("test.item_added",), handler), db=db, bus=b, producer="t")
        await consumer.start()
        try:
            v9 = make_envelope("test.item_added", {"n": 1}, producer="t", version=9)
            await publish(b, v9)
            await b.publish(b"{not json", "test.item_added", message_id="garbage")
            bad = make_envelope("test.item_added", {"n": 3}, producer="t").model_copy(update={"data": {"n": "x"}})
            await publish(b, bad)
            await publish(b, make_envelope("test.item_added", {"n": 4}, producer="t"))
            assert await wait_for(lambda: _eq(count_effects(db, 4), 1))
            ch = await b.channel()
            dead = await ch.declare_queue("test.unknown.dead", passive=True)
            got = await drain(dead, 3, timeout=10)
        finally:
            await consumer.stop()
        assert len(got) == 3
        assert await count_effects(db) == 1


async def test_an_unretryable_failure_is_dead_lettered_on_the_first_try(database_url, amqp_url):
    from shared.consumer import Unretryable
    async with database(database_url, "con_unretry") as db, bus(amqp_url) as b:
        tries: list[int] = []

        async def handler(d: Delivery) -> None:
            tries.append(d.data.n)
            raise Unretryable("this input can never be handled")

        consumer = Consumer(QueueSpec("test.unretry", ("test.item_added",), handler, max_attempts=5,
                                      retry_delays_ms=(100,)), db=db, bus=b, producer="t")
        await consumer.start()
        try:
            await publish(b, make_envelope("test.item_added", {"n": 8}, producer="t"))
            ch = await b.channel()
            dead = await ch.declare_queue("test.unretry.dead", passive=True)
            got = await drain(dead, 1, timeout=10)
        finally:
            await consumer.stop()
        assert len(got) == 1 and tries == [8]
        assert "never be handled" in got[0].headers["x-error"]
        async with db.connection() as conn:  # rolled back: a replay after a fix is handled
            assert await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'test.unretry'") == 0


async def test_a_large_event_is_parsed_off_the_event_loop(database_url, amqp_url, monkeypatch):
    import threading

    from shared import consumer as consumer_module
    async with database(database_url, "con_large") as db, bus(amqp_url) as b:
        await setup_effects(db)

        async def handler(d: Delivery) -> None:
            await d.conn.execute("INSERT INTO effects (n) VALUES ($1)", d.data.n)

        parsed_in: list[bool] = []
        real_parse = consumer_module.parse_envelope

        def spy(body):
            parsed_in.append(threading.current_thread() is threading.main_thread())
            return real_parse(body)

        monkeypatch.setattr(consumer_module, "parse_envelope", spy)
        consumer = Consumer(QueueSpec("test.large", ("test.item_added",), handler), db=db, bus=b, producer="t")
        await consumer.start()
        try:
            small = make_envelope("test.item_added", {"n": 1}, producer="t")
            await publish(b, small)
            # A big day: the data model ignores the padding, the parser still reads it all.
            large = small.model_dump(mode="json") | {"id": str(make_envelope("test.item_added", {"n": 2}, producer="t").id)}
            large["data"] = {"n": 2, **{f"k{i}": "x" * 1000 for i in range(300)}}
            await b.publish(json.dumps(large).encode(), "test.item_added", message_id=large["id"])
            assert await wait_for(lambda: _eq(count_effects(db), 2))
        finally:
            await consumer.stop()
        assert parsed_in == [True, False]  # the small one on the loop, the large one in a thread
