"""The composition root: the one place that builds the notifier's context (runtime, pool,
bus, clock, metrics, settings, the sender, the sweeper, the backlog gauges) and wires the
SMS queue's consumer, the provider and the background work, and the routes.
``app.create_app`` only makes the aiohttp application and calls these two."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from shared.app import Runtime

from notifier.adapters.rate_limiter import SharedRateLimiter
from notifier.adapters.sms_provider import make_provider
from notifier.api.notifications import routes as api_routes
from notifier.api.openapi import openapi_routes
from notifier.consumers import sms_events
from notifier.log_safety import quiet_wire_loggers
from notifier.service.context import NotifierContext
from notifier.service.sender import Sender
from notifier.settings import NotifierSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SENDER_KEY = web.AppKey("sms_sender", Sender)


def bootstrap(settings: NotifierSettings) -> NotifierContext:
    """The context, with the consumer declared (before the base app starts the broker)."""
    quiet_wire_loggers()
    ctx = NotifierContext(Runtime(settings, MIGRATIONS))
    ctx.runtime.queue(sms_events.QUEUE, sms_events.BINDINGS, sms_events.handler(ctx),
                      dead_message_ttl_ms=round(settings.sms_dead_ttl_hours * 3_600_000),
                      batch_size=settings.consume_batch_size, batch_wait_ms=settings.consume_batch_wait_ms,
                      batch_handler=sms_events.batch_handler(ctx) if settings.consume_batch_handler else None)
    return ctx


def wire(app: web.Application, ctx: NotifierContext) -> None:
    """Routes and the sending machinery on the base app (whose contexts open the pool and bus)."""
    app[SENDER_KEY] = ctx.sender
    app.add_routes(api_routes())
    app.add_routes(openapi_routes())
    app.cleanup_ctx.append(_sending(ctx))
    # First at shutdown: stop claiming and finish the sends in hand, before the consumers
    # stop and the relay flushes the last notification events.
    app.on_shutdown.insert(0, _stop_sending(ctx))


def _sending(ctx: NotifierContext):
    """Runs after the shared contexts opened the pool: the provider, the shared rate, then
    the sender, the sweeper and the gauges."""
    async def sending(_app: web.Application) -> AsyncIterator[None]:
        s = ctx.settings
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=s.max_in_flight * 2))
        provider = make_provider(s.sms_provider, http_url=s.sms_http_url,
                                 timeout=s.provider_timeout_seconds, session=session)
        limiter = SharedRateLimiter(ctx.db, provider.name, s.provider_rate_per_second,
                                    horizon=s.claim_horizon_seconds)
        await limiter.ensure_row()
        ctx.sender.start(provider, limiter)
        ctx.sweeper.start()
        ctx.gauges.start()
        yield
        await ctx.gauges.stop()
        await ctx.sweeper.stop()      # idempotent: normally already stopped in on_shutdown
        await ctx.sender.stop_keeping()   # idempotent too (the sender's close stops it)
        await provider.aclose()
        await session.close()
    return sending


def _stop_sending(ctx: NotifierContext):
    async def stop_sending(_app: web.Application) -> None:
        await ctx.sweeper.stop()
        await ctx.sender.close(timeout=ctx.settings.provider_timeout_seconds + 1)
    return stop_sending
