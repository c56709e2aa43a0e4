"""The public calendar and the business types."""
from __future__ import annotations

from aiohttp import web
from pydantic import TypeAdapter

from shared.http.openapi import ApiRouter
from shared.http.problems import json_response

from booking.service import calendar as use
from booking.api.context import PATH_PARAMS, TAG, context_of
from booking.api.models import BusinessTypePage, CalendarDayView, CalendarQuery, CalendarView

api = ApiRouter(TAG, path_params=PATH_PARAMS)


@api.get("/api/v1/business-types",
         description=("The eight business types (业务种类) with their Chinese names, whether a card count is "
                      "required, optional or not taken, and which types exclude each other for one enterprise."),
         public=True, summary="The eight business types and their rules",
         response=BusinessTypePage)
async def business_types(_request: web.Request) -> dict:
    return {"items": use.business_types(), "next_cursor": None}


@api.get("/api/v1/calendar",
         description=("The center's days from `from` to `to` (default: today and the next 14 days): working or "
                      "not, bookable or why not, the cutoff, and per period its times, capacity and what is "
                      "left. A date in a year whose official schedule is unconfirmed is never bookable "
                      "(calendar_unconfirmed)."),
         public=True,
         summary="Bookable days with their cutoff and what is left per period (default: today + 14 days)",
         query=CalendarQuery, response=CalendarView)
async def calendar(request: web.Request, query: CalendarQuery) -> web.Response:
    # The days are shaped by the answer model once per change (service/calendar_answers.py
    # keeps them shaped), so the answer goes out as it is rather than through the model
    # again on every request; center, timezone and now are plain strings.
    view = await use.calendar_view(context_of(request), query.center, query.from_, query.to, shape=_shape_days)
    return json_response(view)


_DAYS = TypeAdapter(list[CalendarDayView])


def _shape_days(days: list[dict]) -> list[dict]:
    return _DAYS.dump_python(_DAYS.validate_python(days), mode="python")
