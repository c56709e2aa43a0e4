"""An agent's place on the day (the booking's agent; staff and admins too)."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.openapi import ApiRouter
from shared.http.problems import json_response

from ..service import calling
from .context import TAG, TOKEN_ERRORS, context_of
from .models import PlaceView, answer

api = ApiRouter(TAG)


@api.get("/api/v1/bookings/{id}/place",
         summary="The number now served at the booking's desk and how many wait before it (another agent's: 404)",
         response=PlaceView, roles=(), errors=[*TOKEN_ERRORS, (404, "booking.not_found")])
async def booking_place(request: web.Request) -> web.Response:
    view = await calling.place(context_of(request), principal_of(request), request.match_info["id"])
    return json_response(answer(PlaceView, view))
