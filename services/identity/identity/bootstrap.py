"""The composition root: the one place that builds identity's context (runtime, pool, bus,
clock, metrics, settings, hashing, limits, server keys) and wires the routes and the
loading of the server keys. Identity consumes no events (``consumers`` is empty) and runs
no background loop besides the shared relay. ``app.create_app`` only makes the aiohttp
application and calls these two."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from shared.app import Runtime

from identity.api import routes
from identity.api.client_ip import ClientIpResolver
from identity.api.context import CLIENT_IP_KEY, IDENTITY_KEY
from identity.api.openapi import openapi_routes
from identity.service.context import IdentityContext
from identity.service.server_keys import load_server_keys, require_production_secrets
from identity.settings import IdentitySettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def bootstrap(settings: IdentitySettings) -> IdentityContext:
    require_production_secrets(settings)   # prod: key files or no start (exit 1, says which)
    return IdentityContext.build(Runtime(settings, MIGRATIONS))


def wire(app: web.Application, ctx: IdentityContext) -> None:
    """Routes and the server keys on the base app (whose contexts open the pool and bus)."""
    # The handlers read these (identity.api.context); a bad trusted proxy fails the start.
    app[IDENTITY_KEY] = ctx
    app[CLIENT_IP_KEY] = ClientIpResolver(ctx.settings.trusted_proxies)
    app.add_routes(routes())
    app.add_routes(openapi_routes())
    app.cleanup_ctx.append(_server_keys(ctx))


def _server_keys(ctx: IdentityContext):
    """Runs after the shared contexts opened the pool (and migrated): loads or makes the
    signing key and the SMS code secret before the first request."""
    async def server_keys(_app: web.Application) -> AsyncIterator[None]:
        ctx.keys.take(await load_server_keys(ctx.unit_of_work, ctx.settings))
        yield
        ctx.hash_slots.close()
    return server_keys
