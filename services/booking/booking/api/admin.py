"""Administration (role admin): capacity, calendar overrides, statistics, suspensions."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import authenticate
from shared.http.problems import json_response
from shared.http.requests import parse_body, parse_query

from ..service.calendar import clear_calendar_day, set_calendar_day
from ..service.capacity_admin import set_capacity
from ..service.context import BookingContext
from ..service.day_stats import day_stats
from ..service.rights import agent_rights_with_audit, lift_suspension
from .models import CalendarDayBody, CapacityBody, CenterQuery, LiftSuspensionBody
from .params import path_date

ADMIN = "admin"


def routes(ctx: BookingContext) -> list[web.RouteDef]:
    async def put_capacity(request: web.Request) -> web.Response:
        admin = await authenticate(request, ADMIN)
        body = await parse_body(request, CapacityBody)
        return json_response(await set_capacity(ctx, admin.user_id, body.center, body.date, body.period,
                                                body.capacity))

    async def put_calendar_day(request: web.Request) -> web.Response:
        admin = await authenticate(request, ADMIN)
        day = path_date(request)
        body = await parse_body(request, CalendarDayBody)
        return json_response(await set_calendar_day(ctx, admin.user_id, body.center, day, body.working,
                                                    body.note))

    async def delete_calendar_day(request: web.Request) -> web.Response:
        await authenticate(request, ADMIN)
        day = path_date(request)
        await clear_calendar_day(ctx, parse_query(request, CenterQuery).center, day)
        return web.Response(status=204)

    async def get_stats(request: web.Request) -> web.Response:
        await authenticate(request, ADMIN)
        return json_response(await day_stats(ctx, request.match_info["center"], path_date(request)))

    async def delete_suspension(request: web.Request) -> web.Response:
        admin = await authenticate(request, ADMIN)
        body = await parse_body(request, LiftSuspensionBody)
        await lift_suspension(ctx, admin.user_id, request.match_info["user_id"], body.reason)
        return web.Response(status=204)

    async def get_agent_rights(request: web.Request) -> web.Response:
        await authenticate(request, ADMIN)
        return json_response(await agent_rights_with_audit(ctx, request.match_info["user_id"]))

    return [
        web.put("/api/v1/admin/capacity", put_capacity),
        web.put("/api/v1/admin/calendar/{date}", put_calendar_day),
        web.delete("/api/v1/admin/calendar/{date}", delete_calendar_day),
        web.get("/api/v1/admin/stats/{center}/{date}", get_stats),
        web.delete("/api/v1/admin/suspensions/{user_id}", delete_suspension),
        web.get("/api/v1/admin/agents/{user_id}/rights", get_agent_rights),
    ]
