"""Fixtures: each test gets its own schema (and unique phones), so no test sees another's
messages. The exchange and the queue are the session's (one vhost per session): the queue's
arguments name the exchange, so every app of the session must agree on it."""
from __future__ import annotations

import uuid

import pytest

from notifier.app import MIGRATIONS
from shared.migrations import migrate
from testsupport.messaging import bus
from testsupport.notifier.fake_provider import run_fake_provider
from testsupport.notifier.harness import NotifierEnv


@pytest.fixture
async def fake():
    async with run_fake_provider() as f:
        yield f


@pytest.fixture
async def notifier_env(database_url, amqp_url, fake, settings_for, token_factory, start_service):
    env = NotifierEnv(database_url=database_url, amqp_url=amqp_url, schema=f"ntf_{uuid.uuid4().hex[:10]}",
                      exchange="cardcenter.events", fake=fake, settings_for=settings_for,
                      jwks_url=token_factory.jwks_url, start_service=start_service)
    async with bus(amqp_url, exchange=env.exchange) as b:
        env.publisher = b
        yield env



@pytest.fixture
async def migrated_conn(notifier_env):
    """A connection to the test's notifier schema, migrated: for the tests of one use case."""
    await migrate(notifier_env.database_url, notifier_env.schema, MIGRATIONS)
    conn = await notifier_env.connect()
    try:
        yield conn
    finally:
        await conn.close()
