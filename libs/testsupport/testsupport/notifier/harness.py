"""A harness for the notifier's integration tests: apps on test servers against the real
PostgreSQL and RabbitMQ (started by testsupport.harness's ``start_service``, like every
service's), events published on a test's own exchange, the fake provider over HTTP, and
reads of the test's own schema."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import asyncpg

from testsupport.harness import StartService, publish_envelope
from testsupport.messaging import bound_queue, drain
from testsupport.waiting import wait_for

from notifier.app import create_app
from notifier.settings import NotifierSettings
from testsupport.notifier.fake_provider import FakeProvider

# Fast timings: retries in tens of milliseconds, a sweep every 100 ms.
FAST = dict(retry_base_seconds=0.05, retry_cap_seconds=0.2, retry_max_attempts=4, sweep_interval_seconds=0.1,
            lease_seconds=2.0, provider_timeout_seconds=1.0, pending_grace_seconds=0.3,
            provider_rate_per_second=0)


async def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05):
    """``wait_for`` with the notifier tests' defaults (20 s)."""
    return await wait_for(predicate, timeout=timeout, every=interval)


@dataclass
class NotifierEnv:
    database_url: str
    amqp_url: str
    schema: str
    exchange: str
    fake: FakeProvider
    settings_for: object
    jwks_url: str
    start_service: StartService
    publisher: object = None
    clients: list = field(default_factory=list)

    def settings(self, **overrides) -> NotifierSettings:
        values = dict(db_schema=self.schema, events_exchange=self.exchange, sms_provider="http",
                      sms_http_url=self.fake.url, jwks_url=self.jwks_url, **FAST)
        values.update(overrides)
        return self.settings_for(NotifierSettings, **values)

    async def start(self, **overrides):
        """A notifier app on a test server, its consumer attached to the queue."""
        started = await self.start_service(create_app, self.settings(**overrides), consumers=True)
        self.clients.append(started.client)
        return started.client

    async def publish(self, *envelopes) -> None:
        for env in envelopes:
            await publish_envelope(self.publisher, env)

    async def probe(self, *keys: str):
        """A queue on this test's exchange that collects the events published under ``keys``."""
        return await bound_queue(self.publisher, *keys)

    async def connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.database_url, server_settings={"search_path": self.schema})

    async def fetch(self, sql: str, *args):
        conn = await self.connect()
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    async def fetchval(self, sql: str, *args):
        conn = await self.connect()
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    async def messages(self, **where) -> list:
        cond = " AND ".join(f"{k} = ${i}" for i, k in enumerate(where, 1)) or "true"
        return await self.fetch(f"SELECT * FROM messages WHERE {cond} ORDER BY created_at", *where.values())

    async def wait_final(self, count: int, timeout: float = 20.0, **where) -> list:
        """Wait until ``count`` matching messages are delivered or failed; return them all."""
        async def done():
            rows = await self.messages(**where)
            final = [r for r in rows if r["status"] in ("delivered", "failed")]
            return rows if len(final) >= count else None
        rows = await wait_until(done, timeout=timeout, interval=0.1)
        assert rows, f"fewer than {count} messages became final in {timeout}s"
        return rows

    def calls_by_ref(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self.fake.state.calls:
            counts[c.ref] = counts.get(c.ref, 0) + 1
        return counts


async def received(queue, expected: int, timeout: float = 15.0) -> list[dict]:
    """The envelopes (as dicts) that reach a probe queue."""
    return [json.loads(m.body) for m in await drain(queue, expected, timeout=timeout, settle=0.3)]
