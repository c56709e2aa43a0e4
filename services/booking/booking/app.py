"""The booking service's aiohttp application: the shared base (health, metrics, pool, bus,
relay) with what ``bootstrap`` builds and wires (HTTP API, event consumers, the cutoff
scheduler, the live-call streams)."""
from __future__ import annotations

from aiohttp import web

from shared.app import create_base_app

from booking.api.context import CONTEXT_KEY
from booking.bootstrap import MIGRATIONS, bootstrap, wire
from booking.settings import BookingSettings

__all__ = ["CONTEXT_KEY", "MIGRATIONS", "create_app"]  # CONTEXT_KEY: for tests and tools driving use cases


def create_app(settings: BookingSettings | None = None) -> web.Application:
    ctx = bootstrap(settings or BookingSettings())
    app = create_base_app(ctx.runtime, verifier=ctx.token_verifier())
    wire(app, ctx)
    return app
