"""The booking service's aiohttp application: HTTP API, event consumers, outbox relay."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

import shared.contracts  # noqa: F401  registers every event model the consumers parse
from shared.app import Runtime, create_base_app

from .api import routes
from .consumers import identity_events, notification_events
from .service.context import BookingContext
from .settings import BookingSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(settings: BookingSettings | None = None) -> web.Application:
    settings = settings or BookingSettings()
    runtime = Runtime(settings, MIGRATIONS)
    ctx = BookingContext(runtime)
    # Consumers are declared before the base app starts the broker connection.
    runtime.queue(identity_events.QUEUE, identity_events.BINDINGS, identity_events.handler(ctx))
    runtime.queue(notification_events.QUEUE, notification_events.BINDINGS, notification_events.handler(ctx))
    app = create_base_app(runtime)
    app.add_routes(routes(runtime, ctx))
    return app
