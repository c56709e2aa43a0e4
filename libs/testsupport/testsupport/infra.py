"""Where tests find PostgreSQL and RabbitMQ: ``DATABASE_URL`` / ``AMQP_URL`` when set; else
testcontainers when a Docker engine answers; else the local defaults. Every test session
works in a database and a vhost of its own, removed at the end."""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from contextlib import contextmanager
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from shared.db import with_database
from shared.ops.create_roles import create_roles, drop_roles_named, roles_for, url_for_role

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def _docker_available() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def base_urls():
    """Yield (postgres_url, amqp_url) for the servers the tests use."""
    pg, amqp = os.environ.get("DATABASE_URL"), os.environ.get("AMQP_URL")
    containers = []
    if (pg is None or amqp is None) and _docker_available():
        from testcontainers.postgres import PostgresContainer  # optional: only where Docker is
        from testcontainers.rabbitmq import RabbitMqContainer
        if pg is None:
            c = PostgresContainer("postgres:15", driver=None).start()
            containers.append(c)
            pg = c.get_connection_url()
        if amqp is None:
            c = RabbitMqContainer("rabbitmq:3.10").start()
            containers.append(c)
            amqp = f"amqp://guest:guest@{c.get_container_host_ip()}:{c.get_exposed_port(5672)}/"
    try:
        yield pg or LOCAL_PG, amqp or LOCAL_AMQP
    finally:
        for c in containers:
            c.stop()


async def create_test_database(base_url: str) -> str:
    name = f"cc_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(with_database(base_url, "postgres"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(base_url, name)


async def drop_test_database(url: str) -> None:
    """Drop the database, then the per-service roles made for it (cluster-wide objects)."""
    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(with_database(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
    await drop_roles_named(with_database(url, "postgres"), service_role_prefix(url))


def service_role_prefix(url: str) -> str:
    """Roles are cluster-wide: a test database's are named after it, so parallel runs never
    share (or drop) each other's."""
    return urlsplit(url).path.lstrip("/") + "_"


async def create_service_roles(url: str) -> dict[str, str]:
    """A role per service in the test database ``url`` (shared.ops.create_roles, as production
    runs it); service -> the URL connecting as its role. Idempotent."""
    roles = roles_for(service_role_prefix(url), env={})
    await create_roles(url, roles)
    return {r.service: url_for_role(url, r) for r in roles}


def _rabbitmqctl(*args: str) -> bool:
    if not shutil.which("rabbitmqctl"):
        return False
    return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, timeout=60).returncode == 0


def create_test_vhost(base_url: str) -> tuple[str, str | None]:
    """A fresh vhost when this machine's broker can be administered, else the base URL."""
    parts = urlsplit(base_url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        return base_url, None
    vhost = f"cc_test_{uuid.uuid4().hex[:12]}"
    user = parts.username or "guest"
    if not (_rabbitmqctl("add_vhost", vhost) and _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")):
        return base_url, None
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), "", "")), vhost


def delete_test_vhost(vhost: str | None) -> None:
    if vhost:
        _rabbitmqctl("delete_vhost", vhost)
