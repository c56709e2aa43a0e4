"""The composition root: the one place that builds booking's context (runtime, pool, bus,
clock, metrics, settings, centers, calendars) and wires the consumers, the background
work (the cutoff scheduler, the live-call streams) and the routes. ``app.create_app`` only
makes the aiohttp application and calls these two."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

import shared.contracts  # noqa: F401  registers every event model the consumers parse
from shared.app import Runtime

from booking import streams
from booking.api import routes
from booking.api.context import CONTEXT_KEY
from booking.api.internal import internal_routes
from booking.api.openapi import openapi_routes
from booking.consumers import allocation_events, identity_events, notification_events
from booking.scheduling import lifecycle
from booking.service.context import BookingContext
from booking.settings import BookingSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def bootstrap(settings: BookingSettings) -> BookingContext:
    """The context, with the consumers declared (before the base app starts the broker)."""
    ctx = BookingContext(Runtime(settings, MIGRATIONS))
    declare = ctx.runtime.queue
    declare(identity_events.QUEUE, identity_events.BINDINGS, identity_events.handler(ctx))
    # One SMS outcome per booking in the rush: the ones in hand share a transaction and a statement.
    declare(notification_events.QUEUE, notification_events.BINDINGS, notification_events.handler(ctx),
            batch_size=16, batch_handler=notification_events.batch_handler(ctx))
    # A completion carries a whole day (thousands of assignments): few in hand at once.
    declare(allocation_events.QUEUE, allocation_events.BINDINGS, allocation_events.handler(ctx), prefetch=2)
    return ctx


def wire(app: web.Application, ctx: BookingContext) -> None:
    """Routes and background work on the base app (whose contexts open the pool and bus)."""
    # The handlers read the context (booking.api.context), as do tests and tools that drive
    # use cases directly.
    app[CONTEXT_KEY] = ctx
    app.add_routes(routes())
    app.add_routes(openapi_routes())
    app.add_routes(internal_routes(ctx.settings.internal_api_token))   # service-to-service only
    lifecycle.install(app, ctx)   # the cutoff scheduler, stopped first at shutdown
    streams.install(app, ctx)     # the live calls (SSE), after the pool opens, ended at shutdown
