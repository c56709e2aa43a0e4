"""The identity service's aiohttp application: the shared base (health, metrics, pool, bus,
relay) with what ``bootstrap`` builds and wires (the HTTP API, the server keys)."""
from __future__ import annotations

from aiohttp import web

from shared.app import create_base_app

from identity.bootstrap import MIGRATIONS, bootstrap, wire
from identity.settings import IdentitySettings

__all__ = ["MIGRATIONS", "create_app"]


def create_app(settings: IdentitySettings | None = None) -> web.Application:
    ctx = bootstrap(settings or IdentitySettings())
    app = create_base_app(ctx.runtime, verifier=ctx.token_verifier())
    wire(app, ctx)
    return app
