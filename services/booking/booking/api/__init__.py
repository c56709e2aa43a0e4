"""booking's HTTP API (api.md): each route's declaration checks its access, parses its
path, query and body and shapes its answer (shared.http.enforce); a handler calls one use
case with the typed values and returns the data; errors are AppErrors the shared
middleware turns into problem+json.

Each module declares its routes on its own module-level ``ApiRouter`` (one declaration
gives the aiohttp route and its OpenAPI operation); ``ROUTERS`` lists them all. Handlers
read the app's BookingContext from ``request.app`` (``booking.api.context``), so
``operations()`` needs no database."""
from __future__ import annotations

from aiohttp import web

from shared.http.openapi import ApiRouter, Operation

from booking.api import admin, bookings, calendar, calendar_admin, calling, centers, cutoffs, desk, display, enterprises, place
from booking.api import streams

ROUTERS: tuple[ApiRouter, ...] = (enterprises.api, calendar.api, centers.api, bookings.api, calendar_admin.api, admin.api,
                                  cutoffs.api, desk.api, calling.api, display.api, place.api, streams.api)


def operations() -> list[Operation]:
    return [op for router in ROUTERS for op in router.operations]


def routes() -> list[web.RouteDef]:
    return [route for router in ROUTERS for route in router.routes()]
