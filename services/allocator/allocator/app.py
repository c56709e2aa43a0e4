"""The allocator service's aiohttp application: the shared base (health, metrics, pool, bus,
relay) with what ``bootstrap`` builds and wires (the consumer of ``allocation.requested``,
the schedule API)."""
from __future__ import annotations

from aiohttp import web

from shared.app import create_base_app

from allocator.bootstrap import MIGRATIONS, bootstrap, wire
from allocator.settings import AllocatorSettings

__all__ = ["MIGRATIONS", "create_app"]


def create_app(settings: AllocatorSettings | None = None) -> web.Application:
    ctx = bootstrap(settings or AllocatorSettings())
    app = create_base_app(ctx.runtime, verifier=ctx.token_verifier())
    wire(app, ctx)
    return app
