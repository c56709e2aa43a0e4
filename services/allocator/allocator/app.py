"""The allocator service's aiohttp application: the schedule API, the consumer of
``allocation.requested`` (which fetches each requested day from booking) and, from the
shared base, health, metrics, pool, bus and relay."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from shared.app import Runtime, create_base_app

from .adapters.booking_snapshots import BookingSnapshots
from .api.openapi import openapi_routes
from .api.routes import routes
from .consumers import requests
from .settings import AllocatorSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(settings: AllocatorSettings | None = None) -> web.Application:
    settings = settings or AllocatorSettings()
    runtime = Runtime(settings, MIGRATIONS)
    snapshots = BookingSnapshots(settings.booking_url, settings.internal_api_token, settings.snapshot_timeout)
    requests.register(runtime, settings, snapshots)  # policies built once; the settings checked them

    async def booking_client(_app: web.Application) -> AsyncIterator[None]:
        yield
        await snapshots.close()

    app = create_base_app(runtime, extra_contexts=(booking_client,))
    app.add_routes(routes())
    app.add_routes(openapi_routes())
    return app
