"""The notifier service's aiohttp application: the shared base (health, metrics, pool, bus,
relay) with what ``bootstrap`` builds and wires (the SMS queue's consumer, the sender and
its sweeper, the provider, the SMS log API)."""
from __future__ import annotations

from aiohttp import web

from shared.app import create_base_app

from notifier.bootstrap import MIGRATIONS, SENDER_KEY, bootstrap, wire
from notifier.settings import NotifierSettings

__all__ = ["MIGRATIONS", "SENDER_KEY", "create_app"]  # SENDER_KEY: for tests driving the sender


def create_app(settings: NotifierSettings | None = None) -> web.Application:
    ctx = bootstrap(settings or NotifierSettings())
    app = create_base_app(ctx.runtime, verifier=ctx.token_verifier())
    wire(app, ctx)
    return app
