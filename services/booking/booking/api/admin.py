"""Administration (role admin): capacity, calendar overrides, statistics, suspensions."""
from __future__ import annotations

from datetime import date

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.openapi import TOKEN_ERRORS, ApiRouter

from booking.domain.errors import CapacityBelowBooked, PeriodUnknown
from booking.service import day_stats as stats
from booking.service.calendar import clear_calendar_day, set_calendar_day
from booking.service.capacity_admin import set_capacity
from booking.service.agent_search import find_agents
from booking.service.rights import agent_rights_with_audit, lift_suspension
from booking.api.admin_models import AgentPage, AgentQuery, DayStatsFullView
from booking.api.context import ADMIN, PATH_PARAMS, TAG, context_of
from booking.api.models import AgentRightsView, CalendarDayBody, CalendarDayOverride, CapacityBody, CapacityView, CenterQuery, LiftSuspensionBody
from booking.api.params import path_date

api = ApiRouter(TAG, path_params=PATH_PARAMS)


@api.put("/api/v1/admin/capacity",
         description=("Sets how many enterprise lines a period of a date takes; never below what is already "
                      "booked (capacity.below_booked)."),
         summary="Set a period's capacity (never below what is booked)",
         body=CapacityBody, response=CapacityView, roles=ADMIN,
         errors=[*TOKEN_ERRORS, CapacityBelowBooked, PeriodUnknown])
async def capacity(request: web.Request, body: CapacityBody) -> dict:
    admin = principal_of(request)
    return await set_capacity(context_of(request), admin.user_id, body.center, body.date, body.period,
                              body.capacity)


@api.put("/api/v1/admin/calendar/{date}",
         description=("Overrides the official calendar for one date of a center: a working day or not, with a "
                      "note. Bookings already made are kept."),
         summary="Make a date a working day or not (an override)",
         path_parser=path_date, body=CalendarDayBody, response=CalendarDayOverride, roles=ADMIN,
         errors=TOKEN_ERRORS)
async def calendar_day(request: web.Request, path: date, body: CalendarDayBody) -> dict:
    admin = principal_of(request)
    return await set_calendar_day(context_of(request), admin.user_id, body.center, path, body.working, body.note)


@api.delete("/api/v1/admin/calendar/{date}",
            description=("Removes a date's override: the official calendar holds again."),
            summary="Remove a date's override (back to the official calendar)",
            path_parser=path_date, query=CenterQuery, status=204, roles=ADMIN, errors=TOKEN_ERRORS)
async def calendar_day_override(request: web.Request, path: date, query: CenterQuery) -> None:
    await clear_calendar_day(context_of(request), query.center, path)


@api.get("/api/v1/admin/stats/{center}/{date}",
         description=("A day's counts: per period its capacity, bookings and enterprise lines, per status, and "
                      "per business type the enterprises and cards."),
         summary="A day's counts by period, business type and status",
         path_parser=path_date, response=DayStatsFullView, roles=ADMIN, errors=TOKEN_ERRORS)
async def day_stats(request: web.Request, path: date) -> dict:
    return await stats.day_stats(context_of(request), request.match_info["center"], path)


@api.delete("/api/v1/admin/suspensions/{user_id}",
            description=("Lifts an agent's suspension now, with a reason kept in the agent's rights history."),
            summary="Lift an agent's suspension now",
            body=LiftSuspensionBody, status=204, roles=ADMIN, errors=TOKEN_ERRORS)
async def suspension(request: web.Request, body: LiftSuspensionBody) -> None:
    admin = principal_of(request)
    await lift_suspension(context_of(request), admin.user_id, request.match_info["user_id"], body.reason)


@api.get("/api/v1/admin/agents/{user_id}/rights",
         description=("An agent's booking rights (suspension, counters) and every change to them, who made it "
                      "and why."),
         summary="An agent's booking rights and every change to them",
         response=AgentRightsView, roles=ADMIN, errors=TOKEN_ERRORS)
async def agent_rights(request: web.Request) -> dict:
    return await agent_rights_with_audit(context_of(request), request.match_info["user_id"])


@api.get("/api/v1/admin/agents",
         description=("Finds agents by the start of a username or a phone number, with their booking rights; "
                      "phones are masked."),
         summary="Find agents by username (prefix) or phone, with their rights",
         query=AgentQuery, response=AgentPage, roles=ADMIN, errors=TOKEN_ERRORS)
async def agents(request: web.Request, query: AgentQuery) -> dict:
    return await find_agents(context_of(request), query.q, query.cursor, query.limit)
