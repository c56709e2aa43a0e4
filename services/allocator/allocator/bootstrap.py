"""The composition root: the one place that builds the allocator's context (runtime, pool,
bus, clock, metrics, settings, the centers' policies) and wires the consumer of
``allocation.requested`` and the schedule API. No background loop besides the shared
relay. ``app.create_app`` only makes the aiohttp application and calls these two."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from shared.app import Runtime

from .api.openapi import openapi_routes
from .api.routes import routes
from .consumers import requests
from .memory import give_back_memory
from .service.context import AllocatorContext
from .service.request_reader import read_request
from .settings import AllocatorSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def bootstrap(settings: AllocatorSettings) -> AllocatorContext:
    """The context, with the consumer declared (before the base app starts the broker)."""
    # Policies built once; the settings checked them.
    ctx = AllocatorContext(Runtime(settings, MIGRATIONS), policies=settings.policies())
    # The 11.5 MB request of a busy day: read straight into the snapshot, then the heap's
    # garbage goes back to the OS (consumers.requests).
    ctx.runtime.queue(requests.QUEUE, requests.BINDINGS, requests.handler(ctx),
                      reader=read_request, after_large_body=give_back_memory)
    return ctx


def wire(app: web.Application, ctx: AllocatorContext) -> None:
    """The routes on the base app (whose contexts open the pool and bus)."""
    app.add_routes(routes())
    app.add_routes(openapi_routes())
