"""What every service's /metrics holds besides HTTP: the process and runtime collectors
(missing while the registry was our own without them), the connection pool (size, in use,
acquire wait and timeouts) and, per consumer, handler duration and event lag. Real
PostgreSQL and RabbitMQ."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel

from shared.consumer import Consumer, Delivery, QueueSpec
from shared.db import Database, create_pool
from shared.events import event_model, make_envelope
from shared.metrics import ServiceMetrics
from shared.migrations import migrate
from testsupport.messaging import bus, wait_for


@event_model("test.metered", 1)
class Metered(BaseModel):
    n: int


def samples(metrics: ServiceMetrics) -> dict[tuple[str, tuple], float]:
    text = generate_latest(metrics.registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_process_and_python_runtime_collectors_are_registered():
    names = {name for name, _ in samples(ServiceMetrics("svc"))}
    # process_* needs /proc (Linux, as in every image we ship).
    assert {"process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds",
            "python_info", "python_gc_collections_total"} <= names


async def test_pool_size_in_use_acquire_wait_and_timeouts(database_url):
    metrics = ServiceMetrics("svc")
    pool = await create_pool(database_url, "public", min_size=1, max_size=2)
    db = Database(pool, "public", acquire_timeout=0.2, metrics=metrics)
    try:
        async with db.connection(), db.connection():
            got = samples(metrics)
            assert got[("db_pool_connections_in_use", ())] == 2
            assert got[("db_pool_connections", ())] == 2
            assert got[("db_pool_connections_max", ())] == 2
            with pytest.raises(asyncio.TimeoutError):
                async with db.connection():
                    pass
        got = samples(metrics)
        assert got[("db_pool_connections_in_use", ())] == 0
        assert got[("db_pool_acquire_timeouts_total", ())] == 1
        assert got[("db_pool_acquire_duration_seconds_count", ())] == 3
        # The timed-out acquire waited its 0.2 s: it is above the 0.1 s bucket.
        assert got[("db_pool_acquire_duration_seconds_bucket", (("le", "0.1"),))] == 2
    finally:
        await db.close()


async def test_handler_duration_and_lag_per_queue(database_url, amqp_url):
    metrics = ServiceMetrics("svc")
    await migrate(database_url, "metered", None)
    pool = await create_pool(database_url, "metered", min_size=1, max_size=4)
    db = Database(pool, "metered", metrics=metrics)

    async def slow_handler(d: Delivery) -> None:
        await asyncio.sleep(0.3)

    async with bus(amqp_url) as b:
        consumer = Consumer(QueueSpec("test.metered", ("test.metered",), slow_handler), db=db, bus=b,
                            producer="t", metrics=metrics)
        await consumer.start()
        try:
            # One event that happened two minutes ago (a backlog), one just now.
            for n, age in ((1, timedelta(minutes=2)), (2, timedelta(0))):
                env = make_envelope("test.metered", {"n": n}, producer="t",
                                    occurred_at=datetime.now(timezone.utc) - age)
                await b.publish(env.model_dump_json().encode(), env.type, message_id=str(env.id))
            key = ("events_consumed_total", (("outcome", "handled"), ("queue", "test.metered")))
            assert await wait_for(lambda: _true(samples(metrics).get(key) == 2))
        finally:
            await consumer.stop()
            await db.close()
    got = samples(metrics)
    q = (("queue", "test.metered"),)
    assert got[("consumer_handler_duration_seconds_count", q)] == 2
    assert got[("consumer_handler_duration_seconds_bucket", (("le", "0.25"), *q))] == 0
    assert got[("consumer_handler_duration_seconds_bucket", (("le", "0.5"), *q))] == 2
    assert got[("consumer_lag_seconds_count", q)] == 2
    assert got[("consumer_lag_seconds_bucket", (("le", "60.0"), *q))] == 1    # the fresh one
    assert got[("consumer_lag_seconds_bucket", (("le", "300.0"), *q))] == 2   # and the two-minute one


async def _true(value: bool) -> bool:
    return value
