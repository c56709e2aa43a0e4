"""The HTTP API (api.md): aiohttp handlers that authenticate, parse, call one use case and
answer. ``routes(runtime)`` collects them."""
from __future__ import annotations

from aiohttp import web

from shared.app import Runtime

from ..service.context import BookingContext
from . import admin, bookings, calendar, enterprises


def routes(runtime: Runtime, ctx: BookingContext | None = None) -> list[web.RouteDef]:
    ctx = ctx or BookingContext(runtime)
    return [*enterprises.routes(ctx), *calendar.routes(ctx), *bookings.routes(ctx), *admin.routes(ctx)]
