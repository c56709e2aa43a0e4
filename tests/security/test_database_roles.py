"""Least privilege in PostgreSQL: each service's role (shared.ops.create_roles) owns its schema
and is refused every other one: no reading, no writing, no creating. On the real server, with
every schema migrated by its own role, as the migration Jobs do."""
from __future__ import annotations

import asyncpg
import pytest

from shared.migrations import migrate
from shared.ops.create_roles import SERVICES

from allocator.app import MIGRATIONS as ALLOCATOR
from booking.app import MIGRATIONS as BOOKING
from identity.app import MIGRATIONS as IDENTITY
from notifier.app import MIGRATIONS as NOTIFIER

FOLDERS = {"identity": IDENTITY, "booking": BOOKING, "allocator": ALLOCATOR, "notifier": NOTIFIER}
REFUSED = asyncpg.InsufficientPrivilegeError


@pytest.fixture(scope="module")
async def migrated(database_url, service_database_urls):
    """Every schema migrated by its own role; the tables each holds (read as the admin)."""
    for service in SERVICES:
        await migrate(service_database_urls[service], service, FOLDERS[service])
    admin = await asyncpg.connect(database_url)
    try:
        return {s: [r["tablename"] for r in await admin.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename", s)] for s in SERVICES}
    finally:
        await admin.close()


async def test_each_role_owns_its_schema_and_every_table_in_it(database_url, service_database_urls, migrated):
    admin = await asyncpg.connect(database_url)
    try:
        for service in SERVICES:
            role = await _user_of(service_database_urls[service])
            assert await admin.fetchval("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = $1",
                                        service) == role
            owners = {r["tableowner"] for r in await admin.fetch(
                "SELECT tableowner FROM pg_tables WHERE schemaname = $1", service)}
            assert owners == {role}, service
            attrs = await admin.fetchrow("SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles"
                                         " WHERE rolname = $1", role)
            assert not any(attrs.values()), (service, dict(attrs))
    finally:
        await admin.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_a_role_is_refused_every_other_schemas_tables(service, service_database_urls, migrated):
    conn = await asyncpg.connect(service_database_urls[service])
    try:
        # its own schema works: the check below would pass for a role that can do nothing
        assert await conn.fetchval(f'SELECT count(*) FROM "{service}".schema_migrations') > 0
        for other in SERVICES:
            if other == service:
                continue
            assert migrated[other], other
            for table in migrated[other]:
                with pytest.raises(REFUSED):
                    await conn.fetch(f'SELECT 1 FROM "{other}"."{table}" LIMIT 1')
            with pytest.raises(REFUSED):
                await conn.execute(f'INSERT INTO "{other}".outbox DEFAULT VALUES')
            with pytest.raises(REFUSED):
                await conn.execute(f'DELETE FROM "{other}".schema_migrations')
            with pytest.raises(REFUSED):
                await conn.execute(f'CREATE TABLE "{other}".planted (x int)')
            with pytest.raises(REFUSED):
                await conn.execute(f'CREATE VIEW "{other}".planted AS SELECT 1 AS x')
            with pytest.raises(REFUSED):
                await conn.execute(f'DROP TABLE "{other}".outbox')
    finally:
        await conn.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_a_role_cannot_create_schemas_or_objects_in_public(service, service_database_urls, migrated):
    conn = await asyncpg.connect(service_database_urls[service])
    try:
        with pytest.raises(REFUSED):
            await conn.execute("CREATE SCHEMA planted")
        with pytest.raises(REFUSED):
            await conn.execute("CREATE TABLE public.planted (x int)")
        with pytest.raises(REFUSED):
            await conn.execute("CREATE ROLE planted")
    finally:
        await conn.close()


async def test_the_running_services_connect_as_their_own_roles(system, service_database_urls):
    """The system the other suites use (the local run's way) logs in as the four roles."""
    conn = await asyncpg.connect(system.database_url)
    try:
        # the notifier names each process "notifier <host> <pid>"
        seen = {r["service"]: r["users"] for r in await conn.fetch(
            "SELECT split_part(application_name, ' ', 1) AS service, array_agg(DISTINCT usename::text) AS users"
            " FROM pg_stat_activity WHERE datname = current_database()"
            " AND split_part(application_name, ' ', 1) = ANY($1::text[]) GROUP BY 1", list(SERVICES))}
    finally:
        await conn.close()
    assert seen == {s: [await _user_of(service_database_urls[s])] for s in SERVICES}


async def _user_of(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT current_user")
    finally:
        await conn.close()
