"""asyncpg pools: one per service, its schema on the search_path through ``server_settings``
(a ``SET`` would be undone by the pool's reset), and a timeout on every acquire."""
from __future__ import annotations

import asyncio
import json
import re
import time
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, AsyncIterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

if TYPE_CHECKING:
    from shared.metrics import ServiceMetrics

SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# "The database is down or slow right now": what a background pass or a live stream logs
# and tries again later, instead of ending. Anything else is a bug and is raised.
TRANSIENT_DB_ERRORS: tuple[type[BaseException], ...] = (
    OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


def check_schema_name(schema: str) -> str:
    if not SCHEMA_NAME.match(schema):
        raise ValueError(f"not a schema name: {schema!r}")
    return schema


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in and out as Python objects; one codec for every service.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, schema: str, *, min_size: int = 2, max_size: int = 10,
                      command_timeout: float = 30.0, application_name: str = "cardcenter") -> asyncpg.Pool:
    check_schema_name(schema)
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, command_timeout=command_timeout,
        init=_init_connection,
        server_settings={"search_path": f"{schema},public", "application_name": application_name},
    )


class Database:
    """The pool plus the acquire timeout every caller must respect."""

    def __init__(self, pool: asyncpg.Pool, schema: str, acquire_timeout: float = 5.0, *,
                 metrics: ServiceMetrics | None = None) -> None:
        self.pool = pool
        self.schema = schema
        self.acquire_timeout = acquire_timeout
        self.metrics = metrics   # shared.metrics.ServiceMetrics, or None (CLI tools)
        if metrics is not None:
            metrics.watch_pool(pool)

    async def _acquire(self) -> asyncpg.Connection:
        if self.metrics is None:
            return await self.pool.acquire(timeout=self.acquire_timeout)
        started = time.perf_counter()
        try:
            return await self.pool.acquire(timeout=self.acquire_timeout)
        except asyncio.TimeoutError:
            self.metrics.db_acquire_timeouts.inc()
            raise
        finally:
            self.metrics.db_acquire_wait.observe(time.perf_counter() - started)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        conn = await self._acquire()
        try:
            yield conn
        finally:
            await self._release(conn)

    @asynccontextmanager
    async def transaction(self, isolation: str = "read_committed") -> AsyncIterator[asyncpg.Connection]:
        conn = await self._acquire()
        try:
            async with conn.transaction(isolation=isolation):
                yield conn
        finally:
            await self._release(conn)

    async def _release(self, conn: asyncpg.Connection) -> None:
        """A connection the server dropped fails its reset on release. That must not turn a
        committed transaction into an error for the caller (nor hide the real one): the
        pool gets the connection back closed and opens a new one."""
        try:
            await self.pool.release(conn)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError):
            conn.terminate()

    async def close(self) -> None:
        await self.pool.close()


def database_name(dsn: str) -> str:
    return urlsplit(dsn).path.lstrip("/") or "postgres"


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def with_application_name(dsn: str, name: str) -> str:
    """``dsn`` naming its connections ``name`` in pg_stat_activity (for plain asyncpg.connect)."""
    parts = urlsplit(dsn)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "application_name"] + [("application_name", name)]
    return urlunsplit(parts._replace(query=urlencode(query)))


async def ensure_database(dsn: str) -> bool:
    """Create the database named in ``dsn`` when it does not exist. True when it was created."""
    name = database_name(dsn)
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$", name):
        raise ValueError(f"not a database name: {name!r}")
    # A service's own role may connect only to its database: try that first.
    try:
        await (await asyncpg.connect(dsn)).close()
        return False
    except asyncpg.InvalidCatalogNameError:
        pass
    conn = await asyncpg.connect(with_database(dsn, "postgres"))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.DuplicateDatabaseError:
            return False
        return True
    finally:
        await conn.close()
