"""The HTTP API (api.md): aiohttp handlers that authenticate, parse, call one use case and
answer. ``routes(ctx)`` collects them."""
from __future__ import annotations

from aiohttp import web

from ..service.context import BookingContext
from . import admin, bookings, calendar, cutoffs, desk, enterprises


def routes(ctx: BookingContext) -> list[web.RouteDef]:
    # The app's one BookingContext: it owns the app's metrics, which register once.
    return [*enterprises.routes(ctx), *calendar.routes(ctx), *bookings.routes(ctx), *admin.routes(ctx),
            *cutoffs.routes(ctx), *desk.routes(ctx)]
