"""An agent's place on the day (the booking's agent; staff and admins too)."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.openapi import TOKEN_ERRORS, ApiRouter

from booking.domain.errors import BookingNotFound
from booking.service import calling
from booking.api.context import PATH_PARAMS, TAG, context_of
from booking.api.models import PlaceView

api = ApiRouter(TAG, path_params=PATH_PARAMS)


@api.get("/api/v1/bookings/{id}/place",
         summary="The number now served at the booking's desk and how many wait before it (another agent's: 404)",
         description=("On the booking's day: the number now served at its desk and how many checked-in numbers wait "
                      "before it in its desk queue (null when it is not today, not allocated or checked in, or "
                      "done). The booking's agent (another agent's booking: 404, as its detail), staff and "
                      "administrators."),
         response=PlaceView, roles=(), errors=[*TOKEN_ERRORS, BookingNotFound])
async def booking_place(request: web.Request) -> dict:
    return await calling.place(context_of(request), principal_of(request), request.match_info["id"])
