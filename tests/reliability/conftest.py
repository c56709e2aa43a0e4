"""A whole system per test module, for tests that break parts of it on purpose, in a
database and vhost of its own: the session's shared system (testsupport.system_fixtures)
must neither see their faults nor compete for their queues."""
from __future__ import annotations

import pytest

from testsupport.notifier.fake_provider import run_fake_provider
from testsupport.journeys import TokenMint
from testsupport.system_fixtures import confirm_years, isolated_system


@pytest.fixture(scope="module")
async def sms_provider():
    async with run_fake_provider() as fake:
        yield fake


@pytest.fixture(scope="module")
async def mint(tmp_path_factory):
    return TokenMint(tmp_path_factory.mktemp("keys") / "signing.pem")


@pytest.fixture(scope="module")
async def system(infra_urls, tmp_path_factory, sms_provider, mint):
    async with isolated_system(infra_urls, tmp_path_factory.mktemp("system"), sms_provider, mint) as s:
        await confirm_years(s, mint, 2027)   # the fault suites book weeks of 2027
        yield s
