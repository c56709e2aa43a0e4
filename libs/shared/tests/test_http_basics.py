"""The HTTP conventions every service shares, on a real app against the real PostgreSQL and
RabbitMQ: request ids, problem+json for bad input, health, metrics, the test clock."""
from __future__ import annotations

import asyncio

from aiohttp import web
from pydantic import BaseModel, Field

from shared.http.access import public_handler
from shared.app import RUNTIME_KEY, Runtime, create_base_app
from shared.http.requests import parse_body
from shared.http.problems import json_response
from shared.settings import ServiceSettings


class Thing(BaseModel):
    name: str = Field(min_length=1)
    count: int


def make_app(settings) -> web.Application:
    app = create_base_app(Runtime(settings, None))

    async def create_thing(request: web.Request) -> web.Response:
        body = await parse_body(request, Thing)
        return json_response(body.model_dump(), status=201)

    async def boom(_request: web.Request) -> web.Response:
        raise RuntimeError("secret internals: password=hunter2")

    app.router.add_post("/things", public_handler(create_thing))
    app.router.add_get("/boom", public_handler(boom))
    return app


async def test_valid_body_is_accepted_and_request_id_is_echoed(aiohttp_client, settings_for):
    client = await aiohttp_client(make_app(settings_for(ServiceSettings, db_schema="svc_http")))
    r = await client.post("/things", json={"name": "a", "count": 2}, headers={"X-Request-ID": "abc-123"})
    assert r.status == 201
    assert r.headers["X-Request-ID"] == "abc-123"
    assert await r.json() == {"name": "a", "count": 2}


async def test_malformed_json_is_422_problem(aiohttp_client, settings_for):
    client = await aiohttp_client(make_app(settings_for(ServiceSettings, db_schema="svc_http")))
    r = await client.post("/things", data=b'{"name": "a", ', headers={"Content-Type": "application/json"})
    assert r.status == 422
    assert r.headers["Content-Type"].startswith("application/problem+json")
    body = await r.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["field"] == "body"
    assert len(r.headers["X-Request-ID"]) == 32  # generated when the client sent none


async def test_wrong_field_type_is_422_with_the_field_named(aiohttp_client, settings_for):
    client = await aiohttp_client(make_app(settings_for(ServiceSettings, db_schema="svc_http")))
    r = await client.post("/things", json={"name": "a", "count": "many"})
    assert r.status == 422
    body = await r.json()
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["errors"]] == ["count"]
    r = await client.post("/things", json=["not", "an", "object"])
    assert r.status == 422


async def test_bad_request_id_is_replaced(aiohttp_client, settings_for):
    client = await aiohttp_client(make_app(settings_for(ServiceSettings, db_schema="svc_http")))
    r = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces\u00e9"})
    assert r.status == 200
    assert r.headers["X-Request-ID"] != "bad id with spaces\u00e9"


async def test_unknown_route_and_method_are_problems(aiohttp_client, settings_for):
    client = await aiohttp_client(make_app(settings_for(ServiceSettings, db_schema="svc_http")))
    r = await client.get("/nowhere")
    assert r.status == 404 and (await r.json())["code"] == "not_found"
    r = await client.delete("/things")
    assert r.status == 405 and (await r.json())["code"] == "method_not_allowed"


async def test_oversized_body_is_413_problem(aiohttp_client, settings_for):
    client = await aiohttp_client(make_app(settings_for(ServiceSettings, db_schema="svc_http")))
    r = await client.post("/things", data=b"x" * (300 * 1024), headers={"Content-Type": "application/json"})
    assert r.status == 413
    assert (await r.json())["code"] == "request.too_large"


async def test_unexpected_error_is_500_without_internals(aiohttp_client, settings_for, capsys):
    client = await aiohttp_client(make_app(settings_for(ServiceSettings, db_schema="svc_http")))
    r = await client.get("/boom")
    assert r.status == 500
    text = await r.text()
    assert "hunter2" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert (await r.json())["code"] == "internal_error"


async def test_health_ready_and_metrics(aiohttp_client, settings_for):
    app = make_app(settings_for(ServiceSettings, db_schema="svc_http"))
    client = await aiohttp_client(app)
    assert (await client.get("/healthz")).status == 200
    await app[RUNTIME_KEY].bus.wait_ready(10)
    r = await client.get("/readyz")
    assert r.status == 200, await r.text()
    assert (await r.json())["checks"] == {"database": "ok", "broker": "ok", "schema": "ok"}
    await client.post("/things", json={"name": "a", "count": 1})
    metrics = await (await client.get("/metrics")).text()
    assert 'http_requests_total{method="POST",route="/things",status="201"} 1.0' in metrics
    assert "outbox_backlog" in metrics


async def test_readyz_fails_when_broker_unreachable(aiohttp_client, settings_for):
    settings = settings_for(ServiceSettings, db_schema="svc_http", amqp_url="amqp://guest:guest@127.0.0.1:1/")
    client = await aiohttp_client(make_app(settings))
    r = await client.get("/readyz")
    assert r.status == 503
    assert (await r.json())["checks"]["broker"] == "not connected"


async def test_test_clock_route_only_in_test_mode(aiohttp_client, settings_for):
    app = make_app(settings_for(ServiceSettings, db_schema="svc_http"))
    client = await aiohttp_client(app)
    r = await client.put("/_test/clock", json={"now": "2026-12-04T15:00:01+08:00"})
    assert r.status == 200
    now = app[RUNTIME_KEY].clock.now()
    assert abs(now.timestamp() - 1796367601) < 5
    r = await client.put("/_test/clock", json={"now": "2026-12-04T15:00:01"})  # no offset
    assert r.status == 422
    assert (await client.put("/_test/clock", json={"now": None})).status == 200
    assert not app[RUNTIME_KEY].clock.moved

    prod = await aiohttp_client(make_app(settings_for(ServiceSettings, db_schema="svc_http", app_env="dev")))
    assert (await prod.put("/_test/clock", json={"now": None})).status == 404
    await asyncio.sleep(0)


def test_test_clock_start_only_in_test_mode(settings_for):
    """A process restarted mid-test starts at the instant it is given, but never outside
    test mode."""
    start = "2027-03-08T15:00:01+08:00"
    app = make_app(settings_for(ServiceSettings, db_schema="svc_http", test_clock_start=start))
    assert abs(app[RUNTIME_KEY].clock.now().timestamp() - 1804489201) < 5
    dev = make_app(settings_for(ServiceSettings, db_schema="svc_http", app_env="dev", test_clock_start=start))
    assert not dev[RUNTIME_KEY].clock.moved


async def test_readyz_waits_for_every_consumer(aiohttp_client, settings_for):
    """A service whose consumer cannot start is not ready, even with the broker connected."""
    import aio_pika

    settings = settings_for(ServiceSettings, db_schema="svc_http")
    # Someone declared the queue as a classic queue: our quorum declaration is refused.
    conn = await aio_pika.connect(settings.amqp_url)
    ch = await conn.channel()
    await ch.declare_queue("svc_http.clash", durable=True)
    await conn.close()
    runtime = Runtime(settings, None)

    async def handler(_delivery) -> None:
        return None

    runtime.queue("svc_http.clash", ["test.nothing"], handler)
    app = create_base_app(runtime)
    client = await aiohttp_client(app)
    await runtime.bus.wait_ready(10)
    for _ in range(50):
        await asyncio.sleep(0.05)
    r = await client.get("/readyz")
    assert r.status == 503
    assert (await r.json())["checks"]["broker"] == "consumers not started"


async def test_a_nul_character_is_refused_as_a_field_error_not_a_500(aiohttp_client, settings_for):
    client = await aiohttp_client(make_app(settings_for(ServiceSettings, db_schema="svc_http")))
    r = await client.post("/things", json={"name": "a\u0000b", "count": 1})
    assert r.status == 422
    body = await r.json()
    assert body["code"] == "validation_error" and body["errors"][0]["field"] == "name"


async def test_no_database_connection_in_time_is_503_with_retry_after(aiohttp_client, settings_for):
    app = make_app(settings_for(ServiceSettings, db_schema="svc_http", db_pool_min=1, db_pool_max=1,
                                db_acquire_timeout=0.2))

    async def uses_db(_request):
        async with app[RUNTIME_KEY].db.transaction() as conn:
            await conn.fetchval("SELECT 1")
        return web.Response(text="ok")

    app.router.add_get("/uses-db", public_handler(uses_db))
    client = await aiohttp_client(app)
    async with app[RUNTIME_KEY].db.connection():  # the only connection is taken
        r = await client.get("/uses-db")
    assert r.status == 503
    assert r.headers["Retry-After"] == "1"
    assert (await r.json())["code"] == "service.unavailable"
    assert (await client.get("/uses-db")).status == 200
