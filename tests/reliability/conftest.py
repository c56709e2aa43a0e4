"""A whole system per test module, for tests that break parts of it on purpose, in a
database and vhost of its own: the session's shared system (shared.testing.system_fixtures)
must neither see their faults nor compete for their queues."""
from __future__ import annotations

import pytest

from notifier.testing.fake_provider import run_fake_provider
from shared.testing.infra import (create_test_database, create_test_vhost, delete_test_vhost,
                                  drop_test_database)
from shared.testing.journeys import TokenMint
from shared.testing.system_fixtures import running_system


@pytest.fixture(scope="module")
async def sms_provider():
    async with run_fake_provider() as fake:
        yield fake


@pytest.fixture(scope="module")
async def mint(tmp_path_factory):
    return TokenMint(tmp_path_factory.mktemp("keys") / "signing.pem")


@pytest.fixture(scope="module")
async def system(infra_urls, tmp_path_factory, sms_provider, mint):
    database_url = await create_test_database(infra_urls[0])
    amqp_url, vhost = create_test_vhost(infra_urls[1])
    try:
        # short outbox polling, so recovery is seen within the test's bounds
        async with running_system(database_url, amqp_url, tmp_path_factory.mktemp("system"), sms_provider, mint,
                                  BOOKING_OUTBOX_POLL_INTERVAL="0.5", NOTIFIER_OUTBOX_POLL_INTERVAL="0.5") as s:
            yield s
    finally:
        delete_test_vhost(vhost)
        await drop_test_database(database_url)
