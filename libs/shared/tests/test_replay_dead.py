"""``python -m shared.ops.replay_dead`` against the real RabbitMQ (and PostgreSQL for the
consumer's inbox): a message dies, the fault is fixed, the replay brings it back once."""
from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid

import aio_pika
import pytest
from pydantic import BaseModel

from shared.consumer import Consumer, Delivery, QueueSpec, declare_queues
from shared.events import event_model, make_envelope
from shared.ops import replay_dead
from testsupport.messaging import bus, database, wait_for
from testsupport.waiting import holds_throughout

EVENT = "test.replayable"


@event_model(EVENT, 1)
class Replayable(BaseModel):
    n: int
    code: str = ""


def queue_name() -> str:
    return f"test.replay.{uuid.uuid4().hex[:8]}"


async def count(b, name: str) -> int:
    """Ready messages in a queue (a passive declare on a throwaway channel)."""
    ch = await b.channel()
    try:
        q = await ch.declare_queue(name, passive=True)
        return q.declaration_result.message_count
    finally:
        await ch.close()


async def wait_count(b, name: str, expected: int, timeout: float = 15.0) -> bool:
    async def ok() -> bool:
        return await count(b, name) == expected
    return await wait_for(ok, timeout)


async def effects(db) -> int:
    async with db.connection() as conn:
        return await conn.fetchval("SELECT count(*) FROM effects")


async def publish_event(b, env) -> None:
    await b.publish(env.model_dump_json().encode(), env.type, message_id=str(env.id),
                    correlation_id=env.correlation_id)


class Flaky:
    """A handler that fails until ``fixed`` flips, and records every call."""

    def __init__(self) -> None:
        self.fixed = False
        self.calls: list[uuid.UUID] = []

    async def __call__(self, d: Delivery) -> None:
        self.calls.append(d.envelope.id)
        if not self.fixed:
            # What a careless handler might put in its exception: a phone and a code.
            raise RuntimeError("provider refused 13800001234, code 654321")
        await d.conn.execute("INSERT INTO effects (n) VALUES ($1)", d.data.n)


async def start_flaky_consumer(db, b, name: str) -> tuple[Consumer, Flaky]:
    async with db.connection() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS effects (n int NOT NULL)")
    handler = Flaky()
    spec = QueueSpec(name, (EVENT,), handler, max_attempts=2, retry_delays_ms=(50,))
    consumer = Consumer(spec, db=db, bus=b, producer="t")
    await consumer.start()
    return consumer, handler


async def test_a_dead_message_replayed_after_the_fix_has_its_effect_once(database_url, amqp_url):
    name = queue_name()
    async with database(database_url, "replay_fix") as db, bus(amqp_url) as b:
        consumer, handler = await start_flaky_consumer(db, b, name)
        try:
            env = make_envelope(EVENT, {"n": 7, "code": "123456"}, producer="t", correlation_id="req-replay-1")
            await publish_event(b, env)
            assert await wait_count(b, f"{name}.dead", 1)
            assert len(handler.calls) == 2 and await effects(db) == 0  # tried max_attempts times, then dead

            # --list and --dry-run describe it and move nothing.
            for kwargs, action in (({"list_only": True}, "listed"), ({"dry_run": True}, "would_replay")):
                lines: list[dict] = []
                summary = await replay_dead.run(amqp_url, name, emit=lines.append, **kwargs)
                assert [line["action"] for line in lines] == [action, "summary"]
                seen = lines[0]
                assert seen["id"] == str(env.id) and seen["type"] == EVENT
                assert seen["correlation_id"] == "req-replay-1"
                assert seen["dead_lettered_by"] == "consumer" and seen["attempt"] == 2
                assert seen["error"].startswith("RuntimeError: provider refused")
                assert "654321" not in seen["error"] and "13800001234" not in seen["error"]
                assert "123456" not in json.dumps(lines)  # the body's code is never printed
                assert (summary.seen, summary.replayed, summary.in_dead_before) == (1, 0, 1)
                assert await wait_count(b, f"{name}.dead", 1)
            # no third try before the replay: the dead letter stays dead
            assert await holds_throughout(lambda: len(handler.calls) == 2, seconds=0.3)
            assert await effects(db) == 0

            handler.fixed = True
            lines = []
            summary = await replay_dead.run(amqp_url, name, emit=lines.append)
            assert (summary.seen, summary.replayed, summary.failed) == (1, 1, 0)
            assert [line["action"] for line in lines] == ["replayed", "summary"]
            assert lines[0]["id"] == str(env.id)
            assert "123456" not in json.dumps(lines)

            async def applied() -> bool:
                return await effects(db) == 1
            assert await wait_for(applied)
            assert await wait_count(b, f"{name}.dead", 0)
            # a second application would show within half a second
            assert await holds_throughout(lambda: len(handler.calls) == 3, seconds=0.5)
            assert await effects(db) == 1
            assert handler.calls == [env.id] * 3

            # A second run has nothing to do.
            again = await replay_dead.run(amqp_url, name, emit=lambda _line: None)
            assert (again.seen, again.replayed, again.in_dead_before) == (0, 0, 0)

            # A duplicate of the handled event (as a lost confirm could leave) replays harmlessly:
            # the inbox acknowledges it and does nothing.
            await b.publish(env.model_dump_json().encode(), name, exchange=b.topology.dead,
                            message_id=str(env.id), headers={"x-error": "RuntimeError: earlier", "x-attempt": 2})
            assert await wait_count(b, f"{name}.dead", 1)
            dup = await replay_dead.run(amqp_url, name, emit=lambda _line: None)
            assert dup.replayed == 1
            assert await wait_count(b, f"{name}.dead", 0)
            # the duplicate, were it handled, would show within half a second
            assert await holds_throughout(lambda: len(handler.calls) == 3, seconds=0.5)
            assert await effects(db) == 1
            assert len(handler.calls) == 3  # the inbox stopped it before the handler
        finally:
            await consumer.stop()


async def run_command(*args: str, env: dict[str, str] | None = None) -> tuple[int, list[dict], str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shared.ops.replay_dead", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})})
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    lines = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    return proc.returncode, lines, err.decode()


async def test_the_command_line_lists_then_replays(database_url, amqp_url):
    name = queue_name()
    async with database(database_url, "replay_cli") as db, bus(amqp_url) as b:
        consumer, handler = await start_flaky_consumer(db, b, name)
        try:
            env = make_envelope(EVENT, {"n": 11, "code": "123456"}, producer="t", correlation_id="req-cli")
            await publish_event(b, env)
            assert await wait_count(b, f"{name}.dead", 1)

            rc, lines, err = await run_command("--queue", name, "--list", "--amqp-url", amqp_url)
            assert rc == 0, err
            assert [line["action"] for line in lines] == ["listed", "summary"]
            assert lines[0]["id"] == str(env.id) and lines[0]["type"] == EVENT
            assert await wait_count(b, f"{name}.dead", 1)

            handler.fixed = True
            # AMQP_URL from the environment when --amqp-url is not given.
            rc, lines, err = await run_command("--queue", name, env={"AMQP_URL": amqp_url})
            assert rc == 0, err
            assert [line["action"] for line in lines] == ["replayed", "summary"]
            assert lines[-1]["replayed"] == 1 and lines[-1]["failed"] == 0

            async def applied() -> bool:
                return await effects(db) == 1
            assert await wait_for(applied)
            assert await wait_count(b, f"{name}.dead", 0)
            # a second application would show within half a second
            assert await holds_throughout(lambda: len(handler.calls) == 3, seconds=0.5)
            assert await effects(db) == 1
            assert handler.calls == [env.id] * 3
        finally:
            await consumer.stop()


async def die_by_delivery_limit(b, name: str, body: bytes, message_id: str) -> None:
    """The broker's own dead-lettering: a quorum queue with delivery limit 1, a message
    handed back until the broker moves it to <name>.dead with an x-death record."""
    await b.publish(body, name, exchange="", message_id=message_id, correlation_id="req-broker")
    ch = await b.channel()
    try:
        q = await ch.declare_queue(name, passive=True)
        for _ in range(10):
            msg = await q.get(no_ack=False, fail=False, timeout=5)
            if msg is None:
                break
            await msg.nack(requeue=True)
    finally:
        await ch.close()


async def test_headers_limit_and_the_brokers_own_dead_letters(amqp_url):
    name = queue_name()
    async with bus(amqp_url) as b:
        async def never(_d: Delivery) -> None:  # no consumer runs in this test
            raise AssertionError

        ch = await b.channel()
        await declare_queues(ch, b, QueueSpec(name, (EVENT,), never, delivery_limit=1))
        await ch.close()

        # 1. Given up by a consumer: x-error, x-attempt, and x-death from its retry rounds.
        consumer_env = make_envelope(EVENT, {"n": 1}, producer="t", correlation_id="req-consumer")
        await b.publish(consumer_env.model_dump_json().encode(), name, exchange=b.topology.dead,
                        message_id=str(consumer_env.id), correlation_id="req-consumer",
                        headers={"x-error": "ValueError: bad desk", "x-attempt": 5, "x-trace": "keep-me",
                                 "x-death": [{"reason": "expired", "queue": f"{name}.retry.1000", "count": 4}]})
        assert await wait_count(b, f"{name}.dead", 1)
        # 2. Dead-lettered by the broker (delivery limit), with a real x-death.
        broker_env = make_envelope(EVENT, {"n": 2}, producer="t", correlation_id="req-broker")
        await die_by_delivery_limit(b, name, broker_env.model_dump_json().encode(), str(broker_env.id))
        assert await wait_count(b, f"{name}.dead", 2)
        assert await count(b, name) == 0

        lines: list[dict] = []
        listed = await replay_dead.run(amqp_url, name, list_only=True, limit=1, emit=lines.append)
        assert listed.seen == 1 and [line["action"] for line in lines] == ["listed", "summary"]
        assert await wait_count(b, f"{name}.dead", 2)

        # --limit 1 moves exactly one.
        lines = []
        first = await replay_dead.run(amqp_url, name, limit=1, emit=lines.append)
        assert (first.seen, first.replayed, first.in_dead_before) == (1, 1, 2)
        assert await wait_count(b, f"{name}.dead", 1)
        assert await wait_count(b, name, 1)

        rest = await replay_dead.run(amqp_url, name, emit=lines.append)
        assert (rest.seen, rest.replayed) == (1, 1)
        assert await wait_count(b, f"{name}.dead", 0)
        assert await wait_count(b, name, 2)
        replayed = [line for line in lines if line["action"] == "replayed"]
        assert {line["dead_lettered_by"] for line in replayed} == {"consumer", "broker"}

        ch = await b.channel()
        q = await ch.declare_queue(name, passive=True)
        got = {}
        for _ in range(2):
            msg = await q.get(no_ack=True, timeout=5)
            got[msg.message_id] = msg
        await ch.close()

    by_consumer = got[str(consumer_env.id)]
    assert by_consumer.body == consumer_env.model_dump_json().encode()
    assert by_consumer.correlation_id == "req-consumer"
    h = by_consumer.headers
    assert h["x-attempt"] == 1
    assert h["x-replayed-error"] == "ValueError: bad desk"
    assert h["x-trace"] == "keep-me"
    assert h["x-replay-count"] == 1 and "x-replayed-at" in h
    assert "x-error" not in h and "x-death" not in h

    by_broker = got[str(broker_env.id)]
    assert by_broker.body == broker_env.model_dump_json().encode()
    assert by_broker.correlation_id == "req-broker"
    h = by_broker.headers
    assert h["x-attempt"] == 1
    assert h["x-replayed-error"].startswith(f"broker: delivery_limit in {name}")
    assert not {k for k in h if "death" in k or k == "x-error"}
    assert h.get("x-delivery-count", 0) == 0  # a fresh message to the quorum queue: its count restarts


async def test_a_refused_publish_leaves_the_dead_copy_in_place(amqp_url):
    """The target refuses (a full queue that rejects publishes): nothing is acked, the
    command stops at the first failure."""
    name = queue_name()
    async with bus(amqp_url) as b:
        ch = await b.channel()
        await ch.declare_queue(name, durable=True, arguments={
            "x-queue-type": "quorum", "x-max-length": 1, "x-overflow": "reject-publish"})
        await ch.declare_queue(f"{name}.dead", durable=True, arguments={"x-queue-type": "quorum"})
        await ch.close()
        # Fill it until it refuses (a quorum queue checks the limit loosely).
        full = False
        for i in range(10):
            try:
                await b.publish(b"{}", name, exchange="", message_id=f"filler-{i}")
            except aio_pika.exceptions.DeliveryError:
                full = True
                break
        assert full
        in_target = await count(b, name)
        for i in range(2):
            await b.publish(b"{}", f"{name}.dead", exchange="", message_id=f"dead-{i}",
                            headers={"x-error": "RuntimeError: x"})
        assert await wait_count(b, f"{name}.dead", 2)

        lines: list[dict] = []
        summary = await replay_dead.run(amqp_url, name, emit=lines.append)
        assert (summary.seen, summary.replayed, summary.failed) == (1, 0, 1)
        assert [line["action"] for line in lines] == ["failed", "summary"]
        assert await wait_count(b, f"{name}.dead", 2)
        assert await count(b, name) == in_target


def test_operator_mistakes_exit_with_2(amqp_url, capsys):
    assert replay_dead.main(["--queue", f"missing.{uuid.uuid4().hex[:8]}", "--amqp-url", amqp_url]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert replay_dead.main(["--queue", "booking.allocations.dead", "--amqp-url", amqp_url]) == 2
    assert "--queue booking.allocations" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        replay_dead.main(["--queue", "x", "--limit", "0"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        replay_dead.main(["--queue", "x", "--list", "--dry-run"])
    assert replay_dead.main(["--queue", "x", "--amqp-url", "amqp://guest:guest@127.0.0.1:1/", "--timeout", "2"]) == 2
    assert "cannot connect" in capsys.readouterr().err
