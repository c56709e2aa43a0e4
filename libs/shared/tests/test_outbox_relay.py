"""The transactional outbox and its relay, against the real PostgreSQL and RabbitMQ."""
from __future__ import annotations

import asyncio
import json
import subprocess

import pytest

from shared.events import make_envelope
from shared.metrics import ServiceMetrics
from shared.outbox import WAKE_RELAY, OutboxRelay, OutboxRow, add_event, add_rows, insert_rows, row_arrays
from testsupport.messaging import bound_queue, bus, database, drain
from testsupport.waiting import holds_throughout, wait_for


def envelope(i: int, type_: str = "test.happened"):
    return make_envelope(type_, {"i": i}, producer="test", correlation_id=f"req-{i}")


async def test_event_is_published_only_when_its_transaction_commits(database_url, amqp_url):
    async with database(database_url, "ob_commit") as db, bus(amqp_url) as b:
        q = await bound_queue(b, "test.#")
        relay = OutboxRelay(db, b, database_url, poll_interval=0.2)
        relay.start()
        try:
            with pytest.raises(RuntimeError):
                async with db.transaction() as conn:
                    await add_event(conn, envelope(1))
                    raise RuntimeError("the state change failed")
            async with db.transaction() as conn:
                await add_event(conn, envelope(2))
            got = await drain(q, 1)
        finally:
            await relay.stop()
        assert [json.loads(m.body)["data"] for m in got] == [{"i": 2}]
        msg = got[0]
        assert msg.correlation_id == "req-2"
        assert msg.routing_key == "test.happened"
        async with db.connection() as conn:
            assert await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0


async def test_notify_wakes_the_relay_before_the_poll_interval(database_url, amqp_url):
    async with database(database_url, "ob_notify") as db, bus(amqp_url) as b:
        q = await bound_queue(b, "test.#")
        relay = OutboxRelay(db, b, database_url, poll_interval=30)
        relay.start()
        try:
            await asyncio.sleep(0.5)  # the relay is now waiting on its long poll
            async with db.transaction() as conn:
                await add_event(conn, envelope(7))
            got = await drain(q, 1, timeout=5, settle=0.1)
        finally:
            await relay.stop()
        assert len(got) == 1


async def test_two_relays_publish_every_event_exactly_once(database_url, amqp_url):
    async with database(database_url, "ob_two") as db, bus(amqp_url) as b:
        q = await bound_queue(b, "test.#")
        relays = [OutboxRelay(db, b, database_url, poll_interval=0.1, batch_size=20) for _ in range(2)]
        async with db.transaction() as conn:
            for i in range(300):
                await add_event(conn, envelope(i))
        for r in relays:
            r.start()
        try:
            got = await drain(q, 300, timeout=30)
        finally:
            for r in relays:
                await r.stop()
        ids = [json.loads(m.body)["data"]["i"] for m in got]
        assert sorted(ids) == list(range(300))


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


@pytest.mark.skipif(subprocess.run(["which", "rabbitmqctl"], capture_output=True).returncode != 0,
                    reason="needs rabbitmqctl to stop and start the broker")
async def test_events_written_while_the_broker_is_down_are_delivered_when_it_is_back(database_url, amqp_url):
    async with database(database_url, "ob_outage") as db, bus(amqp_url, exchange="test.outage") as b:
        q = await bound_queue(b, "test.#")
        queue_name = q.name
        await q.channel.close()
        # A durable queue survives the broker restart; the exclusive probe would not.
        ch = await b.channel()
        q = await ch.declare_queue(f"{queue_name}.durable", durable=True, arguments={"x-queue-type": "quorum"})
        await q.bind(await ch.get_exchange(b.topology.events, ensure=False), routing_key="test.#")
        relay = OutboxRelay(db, b, database_url, poll_interval=0.3)
        relay.start()
        try:
            rabbitmqctl("stop_app")
            try:
                async with db.transaction() as conn:
                    for i in range(20):
                        await add_event(conn, envelope(i))
                async def all_unsent() -> bool:
                    async with db.connection() as conn:
                        return await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 20
                # the relay tries and fails meanwhile: nothing is marked sent
                assert await holds_throughout(all_unsent, seconds=2)
            finally:
                rabbitmqctl("start_app")
                subprocess.run(["rabbitmqctl", "-q", "await_startup"], capture_output=True, timeout=120)
            async def all_sent() -> bool:
                async with db.connection() as conn:
                    return await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
            assert await wait_for(all_sent, timeout=60, every=0.1)
            # Read through a channel opened after the reconnect.
            ch = await b.channel()
            q = await ch.declare_queue(q.name, passive=True)
            got = await drain(q, 20, timeout=30)
        finally:
            await relay.stop()
        assert sorted(json.loads(m.body)["data"]["i"] for m in got) == list(range(20))


async def test_rows_of_purged_types_leave_no_copy_once_confirmed(database_url, amqp_url):
    async with database(database_url, "ob_purge") as db, bus(amqp_url) as b:
        q = await bound_queue(b, "test.#")
        relay = OutboxRelay(db, b, database_url, poll_interval=0.2, purge_types=frozenset({"test.secret"}))
        relay.start()
        try:
            async with db.transaction() as conn:
                await add_event(conn, envelope(1, "test.secret"))
                await add_event(conn, envelope(2, "test.plain"))
            got = await drain(q, 2)
        finally:
            await relay.stop()
        assert sorted(m.routing_key for m in got) == ["test.plain", "test.secret"]
        async with db.connection() as conn:
            rows = await conn.fetch("SELECT type, sent_at IS NOT NULL AS sent FROM outbox")
        assert [(r["type"], r["sent"]) for r in rows] == [("test.plain", True)]


async def test_rows_already_json_go_out_as_written_in_one_statement(database_url, amqp_url):
    async with database(database_url, "ob_rows") as db, bus(amqp_url) as b:
        q = await bound_queue(b, "test.#")
        relay = OutboxRelay(db, b, database_url, poll_interval=30)   # only NOTIFY wakes it in time
        relay.start()
        try:
            await asyncio.sleep(0.5)
            as_bytes, as_text = envelope(1), envelope(2)
            statements: list[str] = []

            def logged(record) -> None:
                statements.append(record.query)

            async with db.transaction() as conn:
                conn.add_query_logger(logged)
                await add_rows(conn, [OutboxRow(as_bytes.id, as_bytes.type, as_bytes.model_dump_json().encode()),
                                      OutboxRow(as_text.id, as_text.type, as_text.model_dump_json(),
                                                routing_key="test.routed")])
                await asyncio.sleep(0)   # asyncpg calls the loggers soon after the statement
                conn.remove_query_logger(logged)
            got = await drain(q, 2, timeout=5, settle=0.1)
        finally:
            await relay.stop()
        # Rows and wake-up together (asyncpg's own type introspection aside).
        assert len([s for s in statements if "outbox" in s]) == 1, statements
        assert sorted((m.routing_key, json.loads(m.body)["data"]["i"]) for m in got) == \
            [("test.happened", 1), ("test.routed", 2)]


async def test_a_writer_of_its_own_statement_adds_rows_only_under_its_condition(database_url):
    async with database(database_url, "ob_when") as db:
        sql = (f"WITH o AS ({insert_rows(2, when='$1::bool')} RETURNING 1)"
               f" SELECT (SELECT {WAKE_RELAY} WHERE EXISTS (SELECT 1 FROM o)) IS NOT NULL")
        async with db.transaction() as conn:
            assert await conn.fetchval(sql, False, *row_arrays([OutboxRow.of(envelope(1))])) is False
            assert await conn.fetchval(sql, True, *row_arrays([OutboxRow.of(envelope(2))])) is True
            assert await conn.fetchval(sql, True, *row_arrays([])) is False
            rows = await conn.fetch("SELECT type, routing_key, envelope FROM outbox")
        assert [(r["type"], r["routing_key"], r["envelope"]["data"]) for r in rows] == \
            [("test.happened", "test.happened", {"i": 2})]


class CountingRelay(OutboxRelay):
    """Records the rows of each pass that relayed some, and each backlog observation."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.batches: list[int] = []
        self.gauges = 0

    async def relay_once(self) -> int:
        sent = await super().relay_once()
        if sent:
            self.batches.append(sent)
        return sent

    async def _observe_backlog(self) -> None:
        self.gauges += 1
        await super()._observe_backlog()


async def test_commits_close_together_go_out_in_one_pass(database_url, amqp_url):
    """A NOTIFY wakes the relay after ``linger``: the commits of that window share one pass
    (one BEGIN, SELECT, UPDATE, COMMIT) instead of a pass each."""
    async with database(database_url, "ob_linger") as db, bus(amqp_url) as b:
        q = await bound_queue(b, "test.#")
        relay = CountingRelay(db, b, database_url, poll_interval=30, linger=0.5)
        relay.start()
        try:
            await asyncio.sleep(0.5)   # the first pass is done: the relay waits on its long poll
            for i in range(10):
                async with db.transaction() as conn:
                    await add_event(conn, envelope(i))
            got = await drain(q, 10, timeout=5, settle=0.1)
        finally:
            await relay.stop()
        assert sorted(json.loads(m.body)["data"]["i"] for m in got) == list(range(10))
        assert relay.batches == [10]


async def test_the_backlog_gauge_is_read_at_most_once_per_interval(database_url, amqp_url):
    async with database(database_url, "ob_gauge") as db, bus(amqp_url) as b:
        q = await bound_queue(b, "test.#")
        async with db.transaction() as conn:
            for i in range(20):
                await add_event(conn, envelope(i))
        relay = CountingRelay(db, b, database_url, metrics=ServiceMetrics("test"), poll_interval=30,
                              batch_size=5, gauge_interval=60)
        relay.start()
        try:
            got = await drain(q, 20, timeout=10, settle=0.1)
        finally:
            await relay.stop()
        assert len(got) == 20
        assert relay.batches == [5, 5, 5, 5]
        assert relay.gauges == 1   # not once per pass


async def test_a_publish_the_broker_never_confirms_gives_up_after_the_publish_timeout(amqp_url):
    """Every publish waits at most ``publish_timeout`` for its confirm (a blocked broker must
    not hold the relay's transaction open for ever). The exchange's publish is made to hang."""
    async with bus(amqp_url, publish_timeout=0.2) as b:
        async def never_confirmed(*args, **kwargs):
            await asyncio.Event().wait()
        b._exchange.publish = never_confirmed   # type: ignore[union-attr, method-assign]
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimeoutError):
            # The outer bound only keeps this test from hanging when the protection is gone.
            await asyncio.wait_for(b.publish(b"{}", "test.hang", message_id="m"), 10)
        assert asyncio.get_running_loop().time() - started < 5
