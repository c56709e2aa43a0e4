"""The composition root: the one place that builds the allocator's context (runtime, pool,
bus, clock, metrics, settings, the centers' policies, the client of booking's snapshots) and wires the consumer of
``allocation.requested`` and the schedule API. No background loop besides the shared
relay. ``app.create_app`` only makes the aiohttp application and calls these two."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from shared.app import Runtime

from allocator.adapters.booking_snapshots import BookingSnapshots
from allocator.api.context import CONTEXT_KEY
from allocator.api.openapi import openapi_routes
from allocator.api.routes import routes
from allocator.consumers import requests
from allocator.service.context import AllocatorContext
from allocator.settings import AllocatorSettings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def bootstrap(settings: AllocatorSettings) -> AllocatorContext:
    """The context, with the consumer declared (before the base app starts the broker)."""
    # Policies built once; the settings checked them. The requested days are fetched from
    # booking's internal route (a claim check: the event only names the day).
    ctx = AllocatorContext(Runtime(settings, MIGRATIONS), policies=settings.policies(),
                           snapshots=BookingSnapshots(settings.booking_url, settings.internal_api_token,
                                                      settings.snapshot_timeout))
    ctx.runtime.queue(requests.QUEUE, requests.BINDINGS, requests.handler(ctx))
    return ctx


def wire(app: web.Application, ctx: AllocatorContext) -> None:
    """The routes on the base app (whose contexts open the pool and bus)."""
    app[CONTEXT_KEY] = ctx     # the handlers' use cases take it (allocator.api.context)
    app.add_routes(routes())
    app.add_routes(openapi_routes())

    async def booking_client(_app: web.Application) -> AsyncIterator[None]:
        yield
        await ctx.snapshots.close()
    app.cleanup_ctx.append(booking_client)
