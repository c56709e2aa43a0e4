"""The booking service's aiohttp application: HTTP API, event consumers, outbox relay and
the cutoff scheduler."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

import shared.contracts  # noqa: F401  registers every event model the consumers parse
from shared.app import Runtime, create_base_app

from .api import routes
from .api.context import CONTEXT_KEY
from .api.internal import internal_routes
from .api.openapi import openapi_routes
from .consumers import allocation_events, identity_events, notification_events
from . import streams
from .scheduling import lifecycle
from .service.context import BookingContext
from .settings import BookingSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
__all__ = ["CONTEXT_KEY", "MIGRATIONS", "create_app"]  # CONTEXT_KEY: for tests and tools driving use cases


def create_app(settings: BookingSettings | None = None) -> web.Application:
    settings = settings or BookingSettings()
    runtime = Runtime(settings, MIGRATIONS)
    ctx = BookingContext(runtime)
    # Consumers are declared before the base app starts the broker connection.
    runtime.queue(identity_events.QUEUE, identity_events.BINDINGS, identity_events.handler(ctx))
    runtime.queue(notification_events.QUEUE, notification_events.BINDINGS, notification_events.handler(ctx))
    # A completion carries a whole day (thousands of assignments): few in hand at once.
    runtime.queue(allocation_events.QUEUE, allocation_events.BINDINGS, allocation_events.handler(ctx),
                  prefetch=2)
    app = create_base_app(runtime)
    # The app's one BookingContext (it owns the app's metrics): the handlers read it
    # (booking.api.context), as do tests and tools that drive use cases directly.
    app[CONTEXT_KEY] = ctx
    app.add_routes(routes())
    app.add_routes(openapi_routes())
    app.add_routes(internal_routes(settings.internal_api_token))   # service-to-service only
    lifecycle.install(app, ctx)
    streams.install(app, ctx)    # the live calls (SSE), after the pool opens, ended at shutdown
    return app
