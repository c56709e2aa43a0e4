"""Settings read the shared unprefixed variables and the service's own prefixed ones; the
pool keeps each service in its own schema."""
from __future__ import annotations

import asyncio

import pytest

from booking.settings import BookingSettings
from notifier.settings import NotifierSettings
from shared.db import Database, create_pool


def test_shared_variables_are_unprefixed_and_own_ones_prefixed(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/x")
    monkeypatch.setenv("AMQP_URL", "amqp://a:b@mq:5672/")
    monkeypatch.setenv("APP_ENV", "prod")
    monkeypatch.setenv("BOOKING_PORT", "9102")
    monkeypatch.setenv("NOTIFIER_PORT", "9104")
    monkeypatch.setenv("PORT", "1")               # an unprefixed PORT is not ours
    monkeypatch.setenv("SMS_PROVIDER", "http")
    monkeypatch.setenv("SMS_HTTP_URL", "http://sms.example/send")
    monkeypatch.setenv("INTERNAL_API_TOKEN", "s" * 40)   # shared by booking and the allocator; prod requires it
    b, n = BookingSettings(), NotifierSettings()
    assert (b.database_url, b.amqp_url, b.app_env) == ("postgresql://u@db:5432/x", "amqp://a:b@mq:5672/", "prod")
    assert (b.port, n.port) == (9102, 9104)
    assert n.sms_provider == "http"
    assert b.internal_api_token is not None and b.internal_api_token.get_secret_value() == "s" * 40
    assert b.db_schema == "booking" and n.db_schema == "notifier"


def test_defaults_point_at_the_local_servers(monkeypatch):
    for name in ("DATABASE_URL", "AMQP_URL", "APP_ENV", "BOOKING_PORT"):
        monkeypatch.delenv(name, raising=False)
    s = BookingSettings()
    assert s.database_url.startswith("postgresql://postgres@127.0.0.1:5432/")
    assert s.amqp_url == "amqp://guest:guest@127.0.0.1:5672/"
    assert s.port == 8002 and s.app_env == "dev"


def test_a_bad_value_is_refused(monkeypatch):
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(ValueError):
        BookingSettings()


async def test_every_pooled_connection_starts_in_the_service_schema(database_url):
    pool = await create_pool(database_url, "svc_pool", min_size=2, max_size=2)
    db = Database(pool, "svc_pool", acquire_timeout=1)
    try:
        async with db.connection() as a, db.connection() as b:
            assert [await c.fetchval("SHOW search_path") for c in (a, b)] == ["svc_pool,public"] * 2
    finally:
        await db.close()


async def test_release_sends_nothing_to_the_server(database_url):
    """No reset query on release (shared.db._keep_session): a round trip fewer per request.
    What makes that safe is held by test_pooled_session_state.py."""
    pool = await create_pool(database_url, "svc_pool", min_size=1, max_size=1)
    db = Database(pool, "svc_pool", acquire_timeout=1)
    sent: list[str] = []

    def logged(record) -> None:
        sent.append(record.query)
    try:
        async with db.connection() as conn:
            conn.add_query_logger(logged)
            await conn.fetchval("SELECT 1")
        async with db.connection() as conn:   # the same connection (a pool of one)
            await asyncio.sleep(0)             # asyncpg calls the loggers soon after a statement
            conn.remove_query_logger(logged)
        assert sent == ["SELECT 1"]
    finally:
        await db.close()


async def test_a_transaction_left_open_is_rolled_back_on_release(database_url):
    pool = await create_pool(database_url, "svc_pool", min_size=1, max_size=1)
    db = Database(pool, "svc_pool", acquire_timeout=1)
    try:
        async with db.connection() as conn:
            await conn.execute("BEGIN")   # a caller that never reached its COMMIT
            await conn.execute("CREATE TEMP TABLE left_open (x int)")
        async with db.connection() as conn:   # the same connection
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('pg_temp.left_open')") is None
    finally:
        await db.close()


async def test_jsonb_and_json_round_trip_through_orjson(database_url):
    pool = await create_pool(database_url, "svc_pool", min_size=1, max_size=1)
    db = Database(pool, "svc_pool", acquire_timeout=1)
    value = {"name": "青岛", "n": [1, 2.5, None, True], "nested": {"k": "v"}, 7: "int key"}
    try:
        async with db.connection() as conn:
            assert await conn.fetchval("SELECT $1::jsonb", value) == {**{k: v for k, v in value.items() if k != 7},
                                                                       "7": "int key"}
            assert await conn.fetchval("SELECT $1::json", [1, "a"]) == [1, "a"]
            assert await conn.fetchval("""SELECT '{"a": [1, {"b": null}]}'::jsonb""") == {"a": [1, {"b": None}]}
            assert await conn.fetchval("SELECT ($1::jsonb)->>'name'", value) == "青岛"
    finally:
        await db.close()


async def test_acquire_gives_up_after_its_timeout(database_url):
    pool = await create_pool(database_url, "svc_pool", min_size=1, max_size=1)
    db = Database(pool, "svc_pool", acquire_timeout=0.2)
    try:
        async with db.connection():
            with pytest.raises(TimeoutError):
                async with db.connection():
                    pass
    finally:
        await db.close()


def test_the_event_loop_is_uvloop_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("EVENT_LOOP", raising=False)
    assert BookingSettings().event_loop == "uvloop"
    monkeypatch.setenv("EVENT_LOOP", "asyncio")
    assert NotifierSettings().event_loop == "asyncio"
    monkeypatch.setenv("EVENT_LOOP", "trio")
    with pytest.raises(ValueError):
        BookingSettings()


@pytest.mark.parametrize("kind", ["uvloop", "asyncio"])
def test_serve_runs_on_the_loop_the_setting_names(monkeypatch, kind):
    from aiohttp import web

    from shared import runner
    from shared.event_loop import loop_name
    monkeypatch.setenv("EVENT_LOOP", kind)
    seen = []
    monkeypatch.setattr(runner, "configure_logging", lambda *a, **kw: None)
    monkeypatch.setattr(asyncio, "set_event_loop", lambda loop: None)   # pytest-asyncio's stays current
    monkeypatch.setattr(runner.web, "run_app", lambda app, **kw: seen.append(loop_name(kw["loop"])) or kw["loop"].close())
    assert runner.main(BookingSettings, lambda s: web.Application(), migrations=None, argv=["serve"]) == 0
    assert seen == [kind]


def test_schema_names_are_checked():
    from shared.db import check_schema_name
    with pytest.raises(ValueError):
        check_schema_name('x"; DROP SCHEMA public; --')
    assert check_schema_name("booking") == "booking"
