"""pytest fixtures for tests that use the real PostgreSQL and RabbitMQ."""
from __future__ import annotations

import random
import socket
from collections.abc import Callable

import pytest

from testsupport.infra import base_urls, create_service_roles, create_test_database, create_test_vhost, delete_test_vhost, drop_test_database


@pytest.fixture(scope="session")
def infra_urls():
    with base_urls() as urls:
        yield urls


@pytest.fixture(scope="session")
async def database_url(infra_urls):
    url = await create_test_database(infra_urls[0])
    yield url
    await drop_test_database(url)


@pytest.fixture(scope="session")
def amqp_url(infra_urls):
    url, vhost = create_test_vhost(infra_urls[1])
    yield url
    delete_test_vhost(vhost)


@pytest.fixture(scope="session")
async def service_database_urls(database_url) -> dict[str, str]:
    """service -> URL connecting as that service's own role (dropped with the database)."""
    return await create_service_roles(database_url)


@pytest.fixture
def settings_for(database_url, amqp_url, service_database_urls) -> Callable:
    """Build a service's settings pointed at this session's database and vhost, with short
    retry delays and polling so tests do not wait. A service in its own schema connects as
    its own role, as deployed; any other schema (tests' scratch ones) as the admin."""
    def build(cls, **overrides):
        service = cls.model_fields["service_name"].default
        own = overrides.get("db_schema", cls.model_fields["db_schema"].default) == service
        url = service_database_urls[service] if own and service in service_database_urls else database_url
        values = dict(database_url=url, amqp_url=amqp_url, app_env="test",
                      consumer_retry_delays_ms=[100, 200], outbox_poll_interval=0.5, log_level="WARNING",
                      # one shared broker user here; the system suites run with a user per service
                      events_verify_publisher=False)
        values.update(overrides)
        return cls(**values)
    return build


# Ports handed to the servers a test starts come from below Linux's ephemeral range
# (32768-60999): a port the kernel hands out for bind(0) is one it also hands to outgoing
# connections, and one of those took a gateway's port between the pick and nginx's bind (a
# CI run: "bind() to 0.0.0.0:41077 failed (98: Address already in use)"). Handed out in turn
# from a random start, so the tests of one process never get the same port twice.
_PORTS = range(20_000, 32_000)
_next_port = [random.randrange(len(_PORTS))]


def free_port() -> int:
    """A port nothing listens on or is bound to now, on every address (nginx listens on
    0.0.0.0), outside the ephemeral range."""
    for _ in range(len(_PORTS)):
        port = _PORTS[_next_port[0] % len(_PORTS)]
        _next_port[0] += 1
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port below the ephemeral range")
