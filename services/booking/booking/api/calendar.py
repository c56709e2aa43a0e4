"""The public calendar and the business types."""
from __future__ import annotations

from aiohttp import web

from shared.http.problems import json_response
from shared.http.requests import parse_query

from ..service.calendar import business_types, calendar_view
from ..service.context import BookingContext
from .models import CalendarQuery


def routes(ctx: BookingContext) -> list[web.RouteDef]:
    async def get_business_types(_request: web.Request) -> web.Response:
        return json_response({"items": business_types(), "next_cursor": None})

    async def get_calendar(request: web.Request) -> web.Response:
        query = parse_query(request, CalendarQuery)
        return json_response(await calendar_view(ctx, query.center, query.from_, query.to))

    return [
        web.get("/api/v1/business-types", get_business_types),
        web.get("/api/v1/calendar", get_calendar),
    ]
