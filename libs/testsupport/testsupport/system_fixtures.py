"""pytest fixtures for suites that meet the system the way its users do: one system per
test session (four service processes with APP_ENV=test, nginx, a fake SMS provider), shared
by the end-to-end and security suites. Suites that break parts on purpose override them
with module-scoped ones (tests/reliability/conftest.py)."""
from __future__ import annotations

import itertools
from contextlib import asynccontextmanager

import aiohttp
import pytest

from testsupport.broker_users import service_users
from testsupport.infra import create_test_database, create_test_vhost, delete_test_vhost, drop_test_database
from testsupport.journeys import Gateway, TokenMint
from testsupport.system import System


@pytest.fixture(scope="session")
async def sms_provider():
    from testsupport.notifier.fake_provider import run_fake_provider
    async with run_fake_provider() as fake:
        yield fake


@pytest.fixture(scope="session")
async def mint(tmp_path_factory):
    return TokenMint(tmp_path_factory.mktemp("keys") / "signing.pem")


# Every suite's requests reach identity from one address (127.0.0.1 through nginx), and
# tests pin the clock to the same instants, so identity's fixed-window budgets would add up
# across tests: raised out of the way here. tests/security/test_identity_controls.py tests
# them with small ones (its own system, each client from an address of its own).
ROOMY_IDENTITY_BUDGETS = {f"IDENTITY_{name}": "100000" for name in (
    "HASH_PER_ADDRESS_PER_MINUTE", "HASH_PER_ADDRESS_PER_HOUR", "CARD_CHALLENGES_PER_ADDRESS_PER_MINUTE",
    "CARD_CHALLENGES_PER_ADDRESS_PER_HOUR", "CARD_CHALLENGES_PER_CARD_PER_MINUTE",
    "REGISTRATIONS_PER_ADDRESS_PER_HOUR", "REGISTRATIONS_PER_PHONE_PER_HOUR",
    "REFRESHES_PER_ADDRESS_PER_MINUTE", "REFRESHES_PER_USER_PER_MINUTE")}


@asynccontextmanager
async def running_system(database_url: str, amqp_url: str, workdir, sms_provider, mint, **env: str):
    """The whole system with the fake provider behind the notifier and the mint's signing key."""
    with service_users(amqp_url) as users:   # a broker user per service, deleted at the end
        s = System(database_url, amqp_url, workdir, service_amqp_urls=users.urls,
                   extra_env={"SMS_PROVIDER": "http", "SMS_HTTP_URL": sms_provider.url,
                              "IDENTITY_SIGNING_KEY_FILE": mint.key_file, "BOOKING_SCHEDULER_INTERVAL": "0.5",
                              **ROOMY_IDENTITY_BUDGETS, **users.env, **env})
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


def module_system_fixtures(*, years: tuple[int, ...] = (), **env: str):
    """``sms_provider``, ``mint`` and ``system`` for one test module, overriding the session's:
    a system in a database and vhost of its own, for suites that break parts of it or run
    it with other settings (``env``), with ``years``' official schedules loaded. A module
    (or conftest) takes them with ``sms_provider, mint, system = module_system_fixtures(...)``."""
    @pytest.fixture(scope="module", name="sms_provider")
    async def module_sms_provider():
        from testsupport.notifier.fake_provider import run_fake_provider
        async with run_fake_provider() as fake:
            yield fake

    @pytest.fixture(scope="module", name="mint")
    async def module_mint(tmp_path_factory):
        return TokenMint(tmp_path_factory.mktemp("keys") / "signing.pem")

    @pytest.fixture(scope="module", name="system")
    async def module_system(infra_urls, tmp_path_factory, sms_provider, mint):
        async with isolated_system(infra_urls, tmp_path_factory.mktemp("system"), sms_provider, mint, **env) as s:
            if years:
                await confirm_years(s, mint, *years)
            yield s

    return module_sms_provider, module_mint, module_system


async def confirm_years(system: System, mint: TokenMint, *years: int) -> None:
    """Load each year's official schedule (Monday-Friday, no holidays) as an administrator
    would each December: a year the holiday package does not know is never released."""
    from datetime import datetime, timezone
    admin = mint.agent(datetime.now(timezone.utc), roles=("admin",))
    async with aiohttp.ClientSession() as http:
        for year in years:
            async with http.put(f"{system.gateway_url}/api/v1/admin/calendar/years/{year}", headers=admin.auth,
                                json={"holidays": [], "workdays": []}) as r:
                assert r.status == 200, await r.text()


@pytest.fixture(scope="session")
async def system(database_url, amqp_url, tmp_path_factory, sms_provider, mint):
    async with running_system(database_url, amqp_url, tmp_path_factory.mktemp("system"), sms_provider, mint) as s:
        yield s


# Each test talks to the gateway from a loopback address of its own (127.0.0.2-254), as
# separate people would: the gateway's per-address limits (SMS codes, logins) then count
# one test's requests, not every earlier test's in the session.
_source_addresses = itertools.cycle(f"127.0.0.{n}" for n in range(2, 255))


@pytest.fixture
async def gw(system, sms_provider):
    connector = aiohttp.TCPConnector(local_addr=(next(_source_addresses), 0))
    async with aiohttp.ClientSession(connector=connector) as http:
        g = Gateway(system, http, sms_provider.state)
        yield g
        await g.set_clock(None)
