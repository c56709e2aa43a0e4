"""A whole system per test module, for tests that break parts of it on purpose."""
from __future__ import annotations

import aiohttp
import pytest

from notifier.testing.fake_provider import run_fake_provider
from shared.testing.journeys import Gateway, TokenMint
from shared.testing.system import System


@pytest.fixture(scope="module")
async def sms_provider():
    async with run_fake_provider() as fake:
        yield fake


@pytest.fixture(scope="module")
async def mint(tmp_path_factory):
    return TokenMint(tmp_path_factory.mktemp("keys") / "signing.pem")


@pytest.fixture(scope="module")
async def system(database_url, amqp_url, tmp_path_factory, sms_provider, mint):
    s = System(database_url, amqp_url, tmp_path_factory.mktemp("system"),
               extra_env={"SMS_PROVIDER": "http", "SMS_HTTP_URL": sms_provider.url,
                          "IDENTITY_SIGNING_KEY_FILE": mint.key_file,
                          # short outbox polling, so recovery is seen within the test's bounds
                          "BOOKING_OUTBOX_POLL_INTERVAL": "0.5", "NOTIFIER_OUTBOX_POLL_INTERVAL": "0.5"})
    try:
        await s.start()
        yield s
    finally:
        s.stop()


@pytest.fixture
async def gw(system, sms_provider):
    async with aiohttp.ClientSession() as http:
        g = Gateway(system, http, sms_provider.state)
        yield g
        await g.set_clock(None)
