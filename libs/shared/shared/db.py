"""asyncpg pools: one per service, its schema on the search_path through ``server_settings``
(set when the connection opens, so nothing needs to run per request), jsonb/json through
orjson, no reset query on release, and a timeout on every acquire."""
from __future__ import annotations

import asyncio
import re
import time
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, AsyncIterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import orjson

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


# jsonb's binary wire format is a version byte (1) and the JSON text; json's is the text.
_JSONB_VERSION = b"\x01"


def _encode_jsonb(value: object) -> bytes:
    return _JSONB_VERSION + orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def _decode_jsonb(data: bytes) -> object:
    if data[:1] != _JSONB_VERSION:
        raise ValueError(f"unknown jsonb format version {data[:1]!r}")
    return orjson.loads(data[1:])


def _encode_json(value: object) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb and json in and out as Python objects, one codec for every service: orjson, in
    # the binary format (bytes both ways: no str made and encoded again per value). The
    # stdlib json codec was 3-4% of booking's samples under load (issue 20). Non-str dict
    # keys are written as strings, as json.dumps did.
    await conn.set_type_codec("jsonb", encoder=_encode_jsonb, decoder=_decode_jsonb,
                              schema="pg_catalog", format="binary")
    await conn.set_type_codec("json", encoder=_encode_json, decoder=orjson.loads,
                              schema="pg_catalog", format="binary")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset on release: nothing sent to the server.

    asyncpg's default sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``
    on every release: one round trip per request (and per consumed event) in every service,
    for session state that no code on a pooled connection leaves behind:
    - settings: no session-level ``SET`` nor session-wide ``set_config``; the schema comes
      from ``server_settings`` at connect; isolation levels are per transaction;
    - advisory locks: only the ``pg_advisory_xact_lock`` kind (released at commit); the
      migrations' session lock is taken on a connection of their own (``migrate``);
    - LISTEN: the outbox relay and booking's stream hub listen on connections of their
      own, never a pooled one;
    - cursors only inside transactions (none held past them), temp tables ``ON COMMIT DROP``.
    libs/shared/tests/test_pooled_session_state.py holds that for every service's code.
    What asyncpg still does before this (``Connection._reset``, no round trip unless
    needed): drop the Python-side listeners and roll back a transaction left open (a
    caller cancelled half-way), so a connection is never handed on inside a transaction."""
    return None


async def create_pool(dsn: str, schema: str, *, min_size: int = 2, max_size: int = 10,
                      command_timeout: float = 30.0, application_name: str = "cardcenter") -> asyncpg.Pool:
    check_schema_name(schema)
    # statement_cache_size stays asyncpg's default (100 per connection): every statement
    # is prepared once per connection and reused (the services' SQL is a fixed set).
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, command_timeout=command_timeout,
        init=_init_connection, reset=_keep_session,
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
