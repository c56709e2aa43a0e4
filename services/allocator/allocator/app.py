"""The allocator service's aiohttp application: the schedule API, the consumer of
``allocation.requested`` and, from the shared base, health, metrics, pool, bus and relay."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from shared.app import Runtime, create_base_app

from .api.openapi import openapi_routes
from .api.routes import routes
from .consumers import requests
from .settings import AllocatorSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(settings: AllocatorSettings | None = None) -> web.Application:
    settings = settings or AllocatorSettings()
    runtime = Runtime(settings, MIGRATIONS)
    requests.register(runtime, settings.policies())  # policies built once; the settings checked them
    app = create_base_app(runtime)
    app.add_routes(routes())
    app.add_routes(openapi_routes())
    return app
