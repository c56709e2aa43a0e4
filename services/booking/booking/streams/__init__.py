"""Live calling (issue 18): Server-Sent Events of the calls, across replicas through
PostgreSQL LISTEN/NOTIFY. ``install(app, ctx)`` runs this process's hub with the app: it
starts after the pool and stops at shutdown, ending every stream so that clients reconnect
(to this process once it is back, or to another replica)."""
from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from shared.db import with_application_name
from shared.http import sse

from booking.service.context import BookingContext
from booking.streams.hub import Hub

HUB_KEY = web.AppKey("stream_hub", Hub)


def install(app: web.Application, ctx: BookingContext) -> None:
    sse.install(app)
    s = ctx.settings
    hub = Hub(with_application_name(s.database_url, f"{s.db_application_name}-streams"),
              ctx.runtime.metrics.registry)
    app[HUB_KEY] = hub

    async def running(_app: web.Application) -> AsyncIterator[None]:
        hub.start()
        yield
        await hub.stop()

    async def stop(_app: web.Application) -> None:
        # Before aiohttp waits for the handlers: a stream would otherwise hold the shutdown.
        await hub.stop()

    app.cleanup_ctx.append(running)
    app.on_shutdown.append(stop)


def hub_of(request: web.Request) -> Hub:
    return request.app[HUB_KEY]
