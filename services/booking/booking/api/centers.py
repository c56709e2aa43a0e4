"""What a center publishes (no token): the numbers its rules use, for clients to show."""
from __future__ import annotations

from aiohttp import web

from shared.http.openapi import ApiRouter

from booking.domain.errors import CenterNotFound
from booking.service import center_view
from booking.api.admin_models import CenterPage, CenterView
from booking.api.context import PATH_PARAMS, TAG, context_of

api = ApiRouter(TAG, path_params=PATH_PARAMS)


@api.get("/api/v1/centers",
         description=("Every center with its settings: time zone, cutoff time, release horizon, lateness "
                      "limit, periods and limits."),
         public=True, summary="The centers and their settings (cutoff, horizon, lateness, periods)",
         response=CenterPage)
async def centers(request: web.Request) -> dict:
    return center_view.all_centers(context_of(request))


@api.get("/api/v1/centers/{center}",
         description=("One center's settings: cutoff time (the working day before), release horizon, lateness "
                      "minutes, periods with their times, limits and time zone."),
         public=True,
         summary="A center's settings: cutoff time, release horizon, lateness minutes, periods, limits, time zone",
         response=CenterView, errors=[CenterNotFound])
async def center(request: web.Request) -> dict:
    return center_view.one_center(context_of(request), request.match_info["center"])
