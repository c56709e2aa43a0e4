"""The public calendar and the business types."""
from __future__ import annotations

from aiohttp import web

from shared.http.openapi import ApiRouter
from shared.http.problems import json_response
from shared.http.requests import parse_query

from ..service import calendar as use
from .context import PATH_PARAMS, TAG, context_of
from .models import BusinessTypePage, CalendarQuery, CalendarView, answer

api = ApiRouter(TAG, path_params=PATH_PARAMS)


@api.get("/api/v1/business-types", public=True, summary="The eight business types and their rules",
         response=BusinessTypePage)
async def business_types(_request: web.Request) -> web.Response:
    return json_response(answer(BusinessTypePage, {"items": use.business_types(), "next_cursor": None}))


@api.get("/api/v1/calendar", public=True,
         summary="Bookable days with their cutoff and what is left per period (default: today + 14 days)",
         query=CalendarQuery, response=CalendarView)
async def calendar(request: web.Request) -> web.Response:
    query = parse_query(request, CalendarQuery)
    view = await use.calendar_view(context_of(request), query.center, query.from_, query.to)
    return json_response(answer(CalendarView, view))
