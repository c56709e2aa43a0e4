"""Settings read the shared unprefixed variables and the service's own prefixed ones; the
pool keeps each service in its own schema."""
from __future__ import annotations

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


async def test_the_schema_survives_a_session_level_set_and_pool_reuse(database_url):
    pool = await create_pool(database_url, "svc_pool", min_size=1, max_size=1)
    db = Database(pool, "svc_pool", acquire_timeout=1)
    try:
        async with db.connection() as conn:
            assert await conn.fetchval("SHOW search_path") == "svc_pool,public"
            await conn.execute("SET search_path = public")  # what a careless caller might do
        async with db.connection() as conn:  # the same, reset connection
            assert await conn.fetchval("SHOW search_path") == "svc_pool,public"
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


def test_schema_names_are_checked():
    from shared.db import check_schema_name
    with pytest.raises(ValueError):
        check_schema_name('x"; DROP SCHEMA public; --')
    assert check_schema_name("booking") == "booking"
