"""What every service's ``create_app(settings)`` is built on: one ``Runtime`` holding the
clock, pool, bus, relay and consumers, each resource opened and closed by a cleanup
context, consumers and relay stopped in ``on_shutdown`` so in-flight work finishes; and
``ServiceContext``, the base of each service's own context (``<Service>Context``, built by
the service's ``bootstrap.py``)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from shared.bus import Bus, Topology
from shared.clock import Clock
from shared.consumer import Consumer, Handler, QueueSpec
from shared.db import Database, create_pool, with_application_name
from shared.event_loop import loop_name
from shared.http.access import refuse_undeclared_routes
from shared.http.admission import admission
from shared.http.auth import VERIFIER_KEY, TokenVerifier, http_jwks_source
from shared.http.clock_routes import test_clock_routes
from shared.http.health import health_routes
from shared.http.middlewares import metrics_middleware, problem_errors, request_context
from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.migrations import migrate
from shared.outbox import OutboxRelay
from shared.publisher_check import PublisherCheck
from shared.settings import ServiceSettings
from shared.tracing import server_middlewares

log = get_logger(__name__)
CleanupContext = Callable[[web.Application], AsyncIterator[None]]


@dataclass
class Runtime:
    settings: ServiceSettings
    migrations: Path | None
    clock: Clock = field(default_factory=Clock)
    metrics: ServiceMetrics = None  # type: ignore[assignment]  # made in __post_init__ when not given
    db: Database = None  # type: ignore[assignment]  # opened by _database before anything runs
    bus: Bus | None = None
    relay: OutboxRelay | None = None
    consumers: list[Consumer] = field(default_factory=list)
    queue_specs: list[QueueSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.metrics is None:
            self.metrics = ServiceMetrics(self.settings.service_name)
        self.metrics.consumers_configured.set_function(lambda: len(self.queue_specs))

    @property
    def consumers_ready(self) -> bool:
        return len(self.consumers) == len(self.queue_specs)

    def queue(self, name: str, bindings: Sequence[str], handler: Handler, **overrides: Any) -> None:
        """Declare a consumer; it starts once the broker is reachable."""
        s = self.settings
        self.queue_specs.append(QueueSpec(
            name=name, bindings=tuple(bindings), handler=handler,
            max_attempts=overrides.pop("max_attempts", s.consumer_max_attempts),
            retry_delays_ms=tuple(overrides.pop("retry_delays_ms", s.consumer_retry_delays_ms)),
            prefetch=overrides.pop("prefetch", s.consumer_prefetch), **overrides))


RUNTIME_KEY = web.AppKey("runtime", Runtime)


@dataclass
class ServiceContext:
    """What a service's use cases, consumers and background loops are handed: the shared
    runtime, plus (in the service's subclass) its own metrics, policies and workers. One
    per app, built by the service's ``bootstrap.py``."""
    runtime: Runtime

    # The pool and the bus exist only once the app has started: read through the runtime.
    @property
    def settings(self) -> ServiceSettings:
        return self.runtime.settings

    @property
    def db(self) -> Database:
        return self.runtime.db

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    @property
    def producer(self) -> str:
        """The producer name on every event this service writes: its ``service_name``, said
        once, in the settings."""
        return self.runtime.settings.service_name

    def token_verifier(self) -> TokenVerifier | None:
        """How the routes check access tokens; None: the shared way (the JWKS over HTTP)."""
        return None


def create_base_app(runtime: Runtime, *, verifier: TokenVerifier | None = None) -> web.Application:
    s = runtime.settings
    tracing_first = server_middlewares(s.service_name)   # before web.Application: see shared.tracing
    app = web.Application(middlewares=[*tracing_first, request_context, metrics_middleware(runtime.metrics),
                                       problem_errors, admission(s.admission_limit, s.db_acquire_timeout)],
                          client_max_size=256 * 1024)
    app[RUNTIME_KEY] = runtime
    app[VERIFIER_KEY] = verifier or TokenVerifier(http_jwks_source(s.jwks_url), runtime.clock.now)
    app.add_routes(health_routes(runtime))
    if s.is_test:
        app.add_routes(test_clock_routes(runtime.clock))
        if s.test_clock_start is not None:
            runtime.clock.set(s.test_clock_start)
    app.cleanup_ctx.append(_database(runtime))
    app.cleanup_ctx.append(_broker(runtime))
    app.on_shutdown.append(_stop_background(runtime))
    app.on_startup.insert(0, refuse_undeclared_routes)   # first: before the pool and the broker open
    return app


def _database(rt: Runtime) -> CleanupContext:
    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        s = rt.settings
        # Which loop the process serves on (EVENT_LOOP): an operator checks it here.
        log.info("service_starting", event_loop=loop_name(asyncio.get_running_loop()))
        if s.migrate_on_start:
            await migrate(s.database_url, s.db_schema, rt.migrations)
        pool = await create_pool(s.database_url, s.db_schema, min_size=s.db_pool_min, max_size=s.db_pool_max,
                                 command_timeout=s.db_command_timeout, application_name=s.db_application_name)
        rt.db = Database(pool, s.db_schema, s.db_acquire_timeout, metrics=rt.metrics)
        yield
        await rt.db.close()
    return ctx


def _broker(rt: Runtime) -> CleanupContext:
    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        s = rt.settings
        rt.bus = bus = Bus(s.amqp_url, topology=Topology(s.events_exchange), service=s.service_name,
                     publish_timeout=s.publish_timeout, max_message_bytes=s.max_message_bytes)
        check = PublisherCheck(rt.bus.user, s.broker_user_prefix, frozenset(s.events_forwarders),
                               verify_user=s.events_verify_publisher)
        rt.relay = relay = OutboxRelay(rt.db, rt.bus, with_application_name(s.database_url, s.db_application_name),
                               metrics=rt.metrics,
                               poll_interval=s.outbox_poll_interval, batch_size=s.outbox_batch_size,
                               purge_types=frozenset(s.outbox_purge_types))

        async def start_consumers() -> None:
            # A queue that cannot be declared (arguments changed, broker refusing) is retried,
            # and /readyz says not ready meanwhile instead of serving without a consumer.
            pending = list(rt.queue_specs)
            while pending:
                spec = pending[0]
                consumer = Consumer(spec, db=rt.db, bus=bus, producer=s.service_name, metrics=rt.metrics,
                                    publisher_check=check)
                try:
                    await consumer.start()
                except Exception as exc:
                    log.error("consumer_start_failed", queue=spec.name, error=type(exc).__name__,
                              detail=str(exc)[:300])
                    await asyncio.sleep(5)
                    continue
                rt.consumers.append(consumer)
                pending.pop(0)
            relay.wake()

        rt.bus.on_connected(start_consumers)
        rt.bus.start()
        rt.relay.start()
        yield
        await rt.bus.close()
    return ctx


def _stop_background(rt: Runtime) -> Callable[[web.Application], Awaitable[None]]:
    async def on_shutdown(_app: web.Application) -> None:
        for consumer in rt.consumers:
            await consumer.stop()
        if rt.relay is not None:
            await rt.relay.stop()
        log.info("background_stopped")
    return on_shutdown
