"""Helpers for the messaging tests: a database and bus for a throwaway schema/exchange."""
from __future__ import annotations

import asyncio
import uuid
from contextlib import asynccontextmanager

import aio_pika

from shared.bus import Bus, Topology
from shared.db import Database, create_pool
from shared.migrations import migrate

from testsupport.waiting import wait_for  # noqa: F401  (the messaging tests' historical import)


@asynccontextmanager
async def database(url: str, schema: str):
    await migrate(url, schema, None)
    pool = await create_pool(url, schema, min_size=1, max_size=10)
    db = Database(pool, schema)
    try:
        yield db
    finally:
        await db.close()


@asynccontextmanager
async def bus(url: str, exchange: str | None = None, **kw):
    b = Bus(url, topology=Topology(exchange or f"test.{uuid.uuid4().hex[:8]}"), service="test", **kw)
    b.start()
    await b.wait_ready(15)
    try:
        yield b
    finally:
        await b.close()


async def bound_queue(b: Bus, *keys: str) -> aio_pika.abc.AbstractQueue:
    ch = await b.channel()
    q = await ch.declare_queue(f"probe.{uuid.uuid4().hex[:8]}", exclusive=True)
    ex = await ch.get_exchange(b.topology.events, ensure=False)
    for k in keys:
        await q.bind(ex, routing_key=k)
    return q


async def drain(queue, expected: int, timeout: float = 15.0, settle: float = 0.5) -> list:
    """Everything that arrives until ``expected`` messages and a quiet ``settle`` period."""
    got: list = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        msg = await queue.get(fail=False, no_ack=True)
        if msg is None:
            if len(got) >= expected:
                await asyncio.sleep(settle)
                if (msg := await queue.get(fail=False, no_ack=True)) is None:
                    return got
            else:
                await asyncio.sleep(0.05)
                continue
        got.append(msg)
    return got
