"""The identity service's aiohttp application."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from shared.app import Runtime, create_base_app
from shared.http.auth import TokenVerifier

from .api import routes
from .api.client_ip import ClientIpResolver
from .api.context import CLIENT_IP_KEY, IDENTITY_KEY
from .api.openapi import openapi_routes
from .service.runtime import IdentityRuntime
from .service.server_keys import load_server_keys, require_production_secrets
from .settings import IdentitySettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(settings: IdentitySettings | None = None) -> web.Application:
    settings = settings or IdentitySettings()
    require_production_secrets(settings)   # prod: key files or no start (exit 1, says which)
    runtime = Runtime(settings, MIGRATIONS)
    identity = IdentityRuntime.build(runtime, settings)
    # identity's own routes verify tokens like every service, with the shared middleware,
    # but read the keys in-process instead of fetching its own JWKS over HTTP.
    verifier = TokenVerifier(identity.keys.jwks_source, runtime.clock.now)
    app = create_base_app(runtime, verifier=verifier, extra_contexts=[_server_keys(identity)])
    # The handlers read these (identity.api.context); a bad trusted proxy fails the start.
    app[IDENTITY_KEY] = identity
    app[CLIENT_IP_KEY] = ClientIpResolver(settings.trusted_proxies)
    app.add_routes(routes())
    app.add_routes(openapi_routes())
    return app


def _server_keys(identity: IdentityRuntime):
    """Runs after the shared contexts opened the pool (and migrated): loads or makes the
    signing key and the SMS code secret before the first request."""
    async def ctx(_app: web.Application) -> AsyncIterator[None]:
        loaded = await load_server_keys(identity.db, identity.settings)
        identity.keys.take(loaded)
        yield
        identity.hash_slots.close()
    return ctx
