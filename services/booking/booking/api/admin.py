"""Administration (role admin): capacity, calendar overrides, statistics, suspensions."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.openapi import ApiRouter
from shared.http.problems import json_response
from shared.http.requests import parse_body, parse_query

from ..domain.errors import CapacityBelowBooked, PeriodUnknown
from ..service import day_stats as stats
from ..service.calendar import clear_calendar_day, set_calendar_day
from ..service.capacity_admin import set_capacity
from ..service.agent_search import find_agents
from ..service.rights import agent_rights_with_audit, lift_suspension
from .admin_models import AgentPage, AgentQuery, DayStatsFullView
from .context import ADMIN, PATH_PARAMS, TAG, TOKEN_ERRORS, context_of
from .models import (AgentRightsView, CalendarDayBody, CalendarDayOverride, CapacityBody, CapacityView,
                     CenterQuery, LiftSuspensionBody, answer)
from .params import path_date

api = ApiRouter(TAG, path_params=PATH_PARAMS)


@api.put("/api/v1/admin/capacity",
         description=("Sets how many enterprise lines a period of a date takes; never below what is already "
                      "booked (capacity.below_booked)."),
         summary="Set a period's capacity (never below what is booked)",
         body=CapacityBody, response=CapacityView, roles=ADMIN,
         errors=[*TOKEN_ERRORS, CapacityBelowBooked, PeriodUnknown])
async def capacity(request: web.Request) -> web.Response:
    admin = principal_of(request)
    body = await parse_body(request, CapacityBody)
    result = await set_capacity(context_of(request), admin.user_id, body.center, body.date, body.period,
                                body.capacity)
    return json_response(answer(CapacityView, result))


@api.put("/api/v1/admin/calendar/{date}",
         description=("Overrides the official calendar for one date of a center: a working day or not, with a "
                      "note. Bookings already made are kept."),
         summary="Make a date a working day or not (an override)",
         body=CalendarDayBody, response=CalendarDayOverride, roles=ADMIN, errors=TOKEN_ERRORS)
async def calendar_day(request: web.Request) -> web.Response:
    admin = principal_of(request)
    day = path_date(request)
    body = await parse_body(request, CalendarDayBody)
    result = await set_calendar_day(context_of(request), admin.user_id, body.center, day, body.working,
                                    body.note)
    return json_response(answer(CalendarDayOverride, result))


@api.delete("/api/v1/admin/calendar/{date}",
            description=("Removes a date's override: the official calendar holds again."),
            summary="Remove a date's override (back to the official calendar)",
            query=CenterQuery, status=204, roles=ADMIN, errors=TOKEN_ERRORS)
async def calendar_day_override(request: web.Request) -> web.Response:
    day = path_date(request)
    await clear_calendar_day(context_of(request), parse_query(request, CenterQuery).center, day)
    return web.Response(status=204)


@api.get("/api/v1/admin/stats/{center}/{date}",
         description=("A day's counts: per period its capacity, bookings and enterprise lines, per status, and "
                      "per business type the enterprises and cards."),
         summary="A day's counts by period, business type and status",
         response=DayStatsFullView, roles=ADMIN, errors=TOKEN_ERRORS)
async def day_stats(request: web.Request) -> web.Response:
    result = await stats.day_stats(context_of(request), request.match_info["center"], path_date(request))
    return json_response(answer(DayStatsFullView, result))


@api.delete("/api/v1/admin/suspensions/{user_id}",
            description=("Lifts an agent's suspension now, with a reason kept in the agent's rights history."),
            summary="Lift an agent's suspension now",
            body=LiftSuspensionBody, status=204, roles=ADMIN, errors=TOKEN_ERRORS)
async def suspension(request: web.Request) -> web.Response:
    admin = principal_of(request)
    body = await parse_body(request, LiftSuspensionBody)
    await lift_suspension(context_of(request), admin.user_id, request.match_info["user_id"], body.reason)
    return web.Response(status=204)


@api.get("/api/v1/admin/agents/{user_id}/rights",
         description=("An agent's booking rights (suspension, counters) and every change to them, who made it "
                      "and why."),
         summary="An agent's booking rights and every change to them",
         response=AgentRightsView, roles=ADMIN, errors=TOKEN_ERRORS)
async def agent_rights(request: web.Request) -> web.Response:
    result = await agent_rights_with_audit(context_of(request), request.match_info["user_id"])
    return json_response(answer(AgentRightsView, result))


@api.get("/api/v1/admin/agents",
         description=("Finds agents by the start of a username or a phone number, with their booking rights; "
                      "phones are masked."),
         summary="Find agents by username (prefix) or phone, with their rights",
         query=AgentQuery, response=AgentPage, roles=ADMIN, errors=TOKEN_ERRORS)
async def agents(request: web.Request) -> web.Response:
    q = parse_query(request, AgentQuery)
    return json_response(answer(AgentPage, await find_agents(context_of(request), q.q, q.cursor, q.limit)))
