"""The notifier service's aiohttp application: the SMS queue's consumer, the sender and
its sweeper, the provider, and the SMS log API."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from shared.app import Runtime, create_base_app

from .adapters.rate_limiter import SharedRateLimiter
from .adapters.sms_provider import make_provider
from .api.notifications import routes as api_routes
from .api.openapi import openapi_routes
from .consumers.sms_events import BINDINGS, QUEUE, sms_event_handler
from .log_safety import quiet_wire_loggers
from .metrics import NotifierMetrics
from .service.backlog import BacklogGauges
from .service.sender import Sender
from .service.sweeper import Sweeper
from .settings import NotifierSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SENDER_KEY = web.AppKey("sms_sender", Sender)


def create_app(settings: NotifierSettings | None = None) -> web.Application:
    settings = settings or NotifierSettings()
    quiet_wire_loggers()
    runtime = Runtime(settings, MIGRATIONS)
    metrics = NotifierMetrics(runtime.metrics.registry)
    sender = Sender(runtime, settings, metrics)
    sweeper = Sweeper(runtime, sender, settings)
    gauges = BacklogGauges(runtime, metrics, settings.backlog_refresh_seconds)
    runtime.queue(QUEUE, BINDINGS, sms_event_handler(runtime, sender, settings),
                  dead_message_ttl_ms=round(settings.sms_dead_ttl_hours * 3_600_000))
    app = create_base_app(runtime, extra_contexts=[_sending(runtime, sender, sweeper, gauges, settings)])
    app[SENDER_KEY] = sender
    app.add_routes(api_routes())
    app.add_routes(openapi_routes())
    # First at shutdown: stop claiming and finish the sends in hand, before the consumers
    # stop and the relay flushes the last notification events.
    app.on_shutdown.insert(0, _stop_sending(sender, sweeper, settings))
    return app


def _sending(runtime: Runtime, sender: Sender, sweeper: Sweeper, gauges: BacklogGauges,
             settings: NotifierSettings):
    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=settings.max_in_flight * 2))
        provider = make_provider(settings.sms_provider, http_url=settings.sms_http_url,
                                 timeout=settings.provider_timeout_seconds, session=session)
        limiter = SharedRateLimiter(runtime.db, provider.name, settings.provider_rate_per_second,
                                    horizon=settings.claim_horizon_seconds)
        await limiter.ensure_row()
        sender.start(provider, limiter)
        sweeper.start()
        gauges.start()
        yield
        await gauges.stop()
        await sweeper.stop()      # idempotent: normally already stopped in on_shutdown
        await provider.aclose()
        await session.close()
    return ctx


def _stop_sending(sender: Sender, sweeper: Sweeper, settings: NotifierSettings):
    async def on_shutdown(_app: web.Application) -> None:
        await sweeper.stop()
        await sender.close(timeout=settings.provider_timeout_seconds + 1)
    return on_shutdown
