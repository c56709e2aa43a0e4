"""The one harness of the services' integration tests: a service's real app on a test server
(the session's database and vhost, ``testsupport.fixtures.settings_for``) and the verbs every
service's tests need of it, whatever the service: its runtime and database, its test clock,
its consumers bound, an event published as its producer would, whether an event was handled,
what it wrote to its outbox, bearer headers from the session's token factory.

Each service's integration conftest subclasses ``ServiceHarness`` with its domain verbs only
(booking's bookings, identity's accounts, ...) and starts its app with the ``start_service``
fixture; tests/contract/test_integration_harness.py keeps it so. The clock and publishing
mechanics are functions too, for the harnesses of processes (testsupport.system, journeys)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from shared.app import RUNTIME_KEY, Runtime
from shared.bus import Bus
from shared.db import Database
from shared.events import Envelope, make_envelope
from shared.settings import ServiceSettings
from testsupport.messaging import bus
from testsupport.tokens import TokenFactory
from testsupport.waiting import wait_for

CLOCK_PATH = "/_test/clock"   # mounted when APP_ENV=test (api.md "Test mode")


# --- mechanics shared with the harnesses of processes ----------------------------------------

async def put_clock(http: Any, instant: datetime | None, base: str = "") -> None:
    """Move a test-mode service's clock to ``instant`` (None: back to real time). ``http``: a
    test client (``base`` empty) or a client session with the service's URL as ``base``."""
    async with http.put(base + CLOCK_PATH, json={"now": instant.isoformat() if instant else None}) as r:
        assert r.status == 200, await r.text()


async def read_clock(http: Any, base: str = "") -> datetime:
    """What a test-mode service's (possibly moved) clock shows now; ``http`` as for put_clock."""
    async with http.get(base + CLOCK_PATH) as r:
        assert r.status == 200, await r.text()
        return datetime.fromisoformat((await r.json())["now"])


async def publish_envelope(b: Bus, env: Envelope) -> None:
    """Publish an envelope as its producer's outbox relay does (id as message id, its type as
    routing key)."""
    await b.publish(env.model_dump_json().encode(), env.type, message_id=str(env.id),
                    correlation_id=env.correlation_id)


# --- one app under test ----------------------------------------------------------------------

class ServiceHarness:
    """One service app on a test server (``client``), with the verbs common to every service.
    A subclass adds the service's domain verbs; ``context_key`` names the app key of its
    context, for tests that call a use case directly."""

    context_key: web.AppKey | None = None

    def __init__(self, client: TestClient, tokens: TokenFactory | None = None) -> None:
        self.client = client
        self.tokens = tokens

    @property
    def runtime(self) -> Runtime:
        return self.client.app[RUNTIME_KEY]

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def settings(self) -> ServiceSettings:
        return self.runtime.settings

    @property
    def ctx(self) -> Any:
        """The app's service context, to call a use case directly."""
        assert self.context_key is not None, f"{type(self).__name__} names no context_key"
        return self.client.app[self.context_key]

    # --- the test clock --------------------------------------------------------------------

    async def read_clock(self) -> datetime:
        return await read_clock(self.client)

    async def put_clock(self, instant: datetime | None) -> None:
        """Move the app's clock through its test route, as a test of the API would."""
        await put_clock(self.client, instant)

    def hold_clock(self, instant: datetime) -> None:
        """Move the app's clock without a request (several apps at the same moment, or before
        the app starts)."""
        self.runtime.clock.set(instant)

    # --- events ----------------------------------------------------------------------------

    async def consumers_ready(self, timeout: float = 20.0) -> None:
        """Once this app's queues are declared and bound (an event published before that
        would find no queue)."""
        assert await wait_for(lambda: self.runtime.consumers_ready, timeout), \
            f"the consumers of {self.settings.service_name} did not start"

    async def send(self, env: Envelope, *, via: Bus | None = None) -> None:
        """Publish a made envelope once this app's consumers are bound: on ``via``, or on a
        bus of its own to the app's exchange."""
        await self.consumers_ready()
        if via is not None:
            await publish_envelope(via, env)
            return
        async with bus(self.settings.amqp_url, exchange=self.settings.events_exchange) as b:
            await publish_envelope(b, env)

    async def publish(self, type_: str, data: Any, **envelope: Any) -> Envelope:
        """Publish an event as its producer (``producer=``, default "test") would."""
        env = make_envelope(type_, data, producer=envelope.pop("producer", "test"), **envelope)
        await self.send(env)
        return env

    async def handled(self, env: Envelope) -> bool:
        """Whether a consumer of this app handled the event (its inbox row commits with the
        handler's effects; a failing handler leaves none)."""
        return bool(await self.fetchval("SELECT true FROM inbox WHERE event_id = $1", env.id))

    async def outbox_events(self, type_: str, *, newest_first: bool = False,
                            **data: str | Iterable[str] | None) -> list[dict]:
        """The envelopes of this app's outbox rows of ``type_`` whose ``data`` fields have
        the values given (a list: any of them; None: any value), in the order written."""
        sql, args = "SELECT envelope FROM outbox WHERE type = $1", [type_]
        for key, value in data.items():
            if value is None:
                continue
            many = not isinstance(value, str)
            args += [key, list(value) if many else value]
            n = len(args)
            sql += f" AND envelope->'data'->>${n - 1} = " + (f"ANY(${n}::text[])" if many else f"${n}")
        rows = await self.fetch(sql + " ORDER BY seq" + (" DESC" if newest_first else ""), *args)
        return [r["envelope"] for r in rows]

    # --- the database ----------------------------------------------------------------------

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        async with self.db.connection() as conn:
            return await conn.fetch(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        async with self.db.connection() as conn:
            return await conn.fetchval(sql, *args)

    # --- who is asking ---------------------------------------------------------------------

    def bearer(self, user_id: str | None = None, roles: Iterable[str] = ("agent",), **claims: Any) -> dict[str, str]:
        """An Authorization header from the session's token factory (services other than
        identity, which verify its tokens through the factory's JWKS)."""
        assert self.tokens is not None, "this harness was started without a token factory"
        return self.tokens.headers(user_id, tuple(roles), **claims)


StartService = Callable[..., Any]
# What start_service wraps the client in: a ServiceHarness subclass, or a function of
# (client, token factory) that makes one (a driver with more to know, e.g. booking's center).
MakeHarness = Callable[[TestClient, TokenFactory], ServiceHarness]


@pytest.fixture
def start_service(aiohttp_client, settings_for, token_factory) -> StartService:
    """``await start_service(create_app, settings, harness=ServiceHarness, now=None,
    consumers=False, **overrides)``: the app ``create_app`` makes, on a test server, in its
    harness (see MakeHarness). ``settings``: a settings class, built with ``settings_for`` (the token
    factory's JWKS and ``overrides``), or ready settings. ``now``: the clock from before the
    app starts (its schedulers' first pass included); ``consumers``: return once its
    consumers are bound."""
    async def start(create_app: Callable[[Any], web.Application], settings: Any, *,
                    harness: MakeHarness = ServiceHarness, now: datetime | None = None,
                    consumers: bool = False, **overrides: Any) -> ServiceHarness:
        if isinstance(settings, type):
            settings = settings_for(settings, **{"jwks_url": token_factory.jwks_url, **overrides})
        else:
            assert not overrides, "overrides go with a settings class, not ready settings"
        app = create_app(settings)
        if now is not None:
            app[RUNTIME_KEY].clock.set(now)
        started = harness(await aiohttp_client(app), token_factory)
        if consumers:
            await started.consumers_ready()
        return started
    return start
