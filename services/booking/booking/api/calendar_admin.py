"""Administration of the calendar (role admin): the official schedule a year at a time,
the month as the console shows it, and capacity per date and period with what is booked."""
from __future__ import annotations

from aiohttp import web

from shared.errors import ValidationFailed
from shared.http.auth import principal_of
from shared.http.openapi import ApiRouter
from shared.http.problems import json_response
from shared.http.requests import parse_body, parse_query

from ..domain.official_calendar import DateInBothLists, DateOutsideYear, WorkdayNotWeekend, YearInvalid
from ..service import admin_calendar, official_years
from .admin_models import (AdminMonthView, CapacityRangeView, MonthQuery, OfficialYearBody, OfficialYearView,
                           RangeQuery)
from .context import ADMIN, PATH_PARAMS, TAG, TOKEN_ERRORS, context_of
from .models import answer

api = ApiRouter(TAG, path_params=PATH_PARAMS)
YEAR_INVALID = YearInvalid
LOAD_REFUSALS = [YEAR_INVALID, DateOutsideYear, DateInBothLists,
                 WorkdayNotWeekend]


def path_year(request: web.Request) -> int:
    raw = request.match_info["year"]
    if not raw.isdigit() or len(raw) != 4:
        raise ValidationFailed([{"field": "year", "message": "must be a year YYYY"}])
    return int(raw)


@api.put("/api/v1/admin/calendar/years/{year}",
         description=("Loads a year's official schedule published by the State Council: its holidays and its "
                      "调休 weekend working days (every other Monday-Friday works). It replaces the year's "
                      "schedule from the holiday package and makes the year bookable."),
         summary="Load a year's official schedule (holidays and 调休 working weekend days); replaces it",
         body=OfficialYearBody, response=OfficialYearView, roles=ADMIN, errors=[*TOKEN_ERRORS, *LOAD_REFUSALS])
async def official_year(request: web.Request) -> web.Response:
    admin = principal_of(request)
    year = path_year(request)
    body = await parse_body(request, OfficialYearBody)
    view = await official_years.load_year(context_of(request), admin.user_id, year, body.holidays, body.workdays,
                                          body.note)
    return json_response(answer(OfficialYearView, view))


@api.get("/api/v1/admin/calendar/years/{year}",
         description=("A year's official schedule and where it comes from: an administrator, the holiday "
                      "package, or nothing yet (source null: the year is unconfirmed, never bookable)."),
         summary="A year's official schedule and its source (admin, package, or null: unconfirmed)",
         response=OfficialYearView, roles=ADMIN, errors=[*TOKEN_ERRORS, YEAR_INVALID])
async def official_year_view(request: web.Request) -> web.Response:
    view = await official_years.year_view(context_of(request), path_year(request))
    return json_response(answer(OfficialYearView, view))


@api.delete("/api/v1/admin/calendar/years/{year}",
            description=("Clears the schedule an administrator loaded for a year: the holiday package's holds "
                         "again, or the year becomes unconfirmed."),
            summary="Clear a loaded year: back to the package's schedule, or unconfirmed",
            status=204, roles=ADMIN, errors=[*TOKEN_ERRORS, YEAR_INVALID])
async def official_year_clear(request: web.Request) -> web.Response:
    await official_years.clear_year(context_of(request), path_year(request))
    return web.Response(status=204)


@api.get("/api/v1/admin/calendar",
         description=("A month of a center's calendar for the console: per day where its status comes from, "
                      "its override, whether it is bookable and its cutoff state."),
         summary="A month of a center's calendar: each day's source, override, bookability and cutoff state",
         query=MonthQuery, response=AdminMonthView, roles=ADMIN, errors=TOKEN_ERRORS)
async def admin_month(request: web.Request) -> web.Response:
    q = parse_query(request, MonthQuery)
    return json_response(answer(AdminMonthView, await admin_calendar.month_view(context_of(request), q.center,
                                                                                q.month)))


@api.get("/api/v1/admin/capacity",
         description=("Capacity per date and period with what is booked and left, over a range (default: today "
                      "and the next 14 days)."),
         summary="Capacity per date and period with what is booked (default: today + 14 days)",
         query=RangeQuery, response=CapacityRangeView, roles=ADMIN, errors=TOKEN_ERRORS)
async def admin_capacity(request: web.Request) -> web.Response:
    q = parse_query(request, RangeQuery)
    view = await admin_calendar.capacity_view(context_of(request), q.center, q.from_, q.to)
    return json_response(answer(CapacityRangeView, view))
