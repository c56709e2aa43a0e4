"""pytest fixtures for suites that meet the system the way its users do: one system per
test session (four service processes with APP_ENV=test, nginx, a fake SMS provider), shared
by the end-to-end and security suites. Suites that break parts on purpose override them
with module-scoped ones (tests/reliability/conftest.py)."""
from __future__ import annotations

from contextlib import asynccontextmanager

import aiohttp
import pytest

from .broker_users import service_users
from .infra import create_test_database, create_test_vhost, delete_test_vhost, drop_test_database
from .journeys import Gateway, TokenMint
from .system import System


@pytest.fixture(scope="session")
async def sms_provider():
    from notifier.testing.fake_provider import run_fake_provider
    async with run_fake_provider() as fake:
        yield fake


@pytest.fixture(scope="session")
async def mint(tmp_path_factory):
    return TokenMint(tmp_path_factory.mktemp("keys") / "signing.pem")


@asynccontextmanager
async def running_system(database_url: str, amqp_url: str, workdir, sms_provider, mint, **env: str):
    """The whole system with the fake provider behind the notifier and the mint's signing key."""
    with service_users(amqp_url) as users:   # a broker user per service, deleted at the end
        s = System(database_url, amqp_url, workdir, service_amqp_urls=users.urls,
                   extra_env={"SMS_PROVIDER": "http", "SMS_HTTP_URL": sms_provider.url,
                              "IDENTITY_SIGNING_KEY_FILE": mint.key_file, "BOOKING_SCHEDULER_INTERVAL": "0.5",
                              **users.env, **env})
        try:
            await s.start()
            yield s
        finally:
            s.stop()


@asynccontextmanager
async def isolated_system(infra_urls, workdir, sms_provider, mint, **env: str):
    """The whole system in a fresh database and vhost, dropped afterwards."""
    database_url = await create_test_database(infra_urls[0])
    amqp_url, vhost = create_test_vhost(infra_urls[1])
    try:
        # short outbox polling, so recovery is seen within the test's bounds
        async with running_system(database_url, amqp_url, workdir, sms_provider, mint,
                                  BOOKING_OUTBOX_POLL_INTERVAL="0.5", NOTIFIER_OUTBOX_POLL_INTERVAL="0.5",
                                  **env) as s:
            yield s
    finally:
        delete_test_vhost(vhost)
        await drop_test_database(database_url)


@pytest.fixture(scope="session")
async def system(database_url, amqp_url, tmp_path_factory, sms_provider, mint):
    async with running_system(database_url, amqp_url, tmp_path_factory.mktemp("system"), sms_provider, mint) as s:
        yield s


@pytest.fixture
async def gw(system, sms_provider):
    async with aiohttp.ClientSession() as http:
        g = Gateway(system, http, sms_provider.state)
        yield g
        await g.set_clock(None)
