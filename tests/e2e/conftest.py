"""One system for the end-to-end suite: the four services as processes (APP_ENV=test),
nginx in front, a fake SMS provider behind the notifier, in this session's database and vhost."""
from __future__ import annotations

import aiohttp
import pytest

from notifier.testing.fake_provider import run_fake_provider
from shared.testing.journeys import Gateway
from shared.testing.system import System


@pytest.fixture(scope="session")
async def sms_provider():
    async with run_fake_provider() as fake:
        yield fake


@pytest.fixture(scope="session")
async def system(database_url, amqp_url, tmp_path_factory, sms_provider):
    s = System(database_url, amqp_url, tmp_path_factory.mktemp("system"),
               extra_env={"SMS_PROVIDER": "http", "SMS_HTTP_URL": sms_provider.url,
                          "BOOKING_SCHEDULER_INTERVAL": "0.5"})
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
