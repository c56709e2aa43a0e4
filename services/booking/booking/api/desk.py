"""The desk on the service day (role staff; admin too): the day's schedule, check-in,
served, no-show."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import authenticate
from shared.http.problems import json_response
from shared.http.requests import parse_query

from ..service.context import BookingContext
from ..service.desk_actions import complete, mark_no_show
from ..service.desk_check_in import check_in
from ..service.desk_schedule import desk_schedule
from .models import DeskScheduleQuery

DESK_ROLES = ("staff", "admin")


def routes(ctx: BookingContext) -> list[web.RouteDef]:
    async def schedule(request: web.Request) -> web.Response:
        await authenticate(request, *DESK_ROLES)
        query = parse_query(request, DeskScheduleQuery)
        return json_response(await desk_schedule(ctx, query.center, query.date))

    def action(use_case):
        async def handle(request: web.Request) -> web.Response:
            clerk = await authenticate(request, *DESK_ROLES)
            return json_response(await use_case(ctx, clerk.user_id, request.match_info["id"]))
        handle.__name__ = use_case.__name__
        return handle

    return [
        web.get("/api/v1/desk/schedule", schedule),
        web.post("/api/v1/desk/bookings/{id}/check-in", action(check_in)),
        web.post("/api/v1/desk/bookings/{id}/complete", action(complete)),
        web.post("/api/v1/desk/bookings/{id}/no-show", action(mark_no_show)),
    ]
