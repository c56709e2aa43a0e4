"""Administration of the calendar (role admin): the official schedule a year at a time,
the month as the console shows it, and capacity per date and period with what is booked."""
from __future__ import annotations

from aiohttp import web

from shared.errors import ValidationFailed
from shared.http.auth import principal_of
from shared.http.openapi import TOKEN_ERRORS, ApiRouter

from booking.domain.official_calendar import DateInBothLists, DateOutsideYear, WorkdayNotWeekend, YearInvalid
from booking.service import admin_calendar, official_years
from booking.api.admin_models import AdminMonthView, CapacityRangeView, MonthQuery, OfficialYearBody, OfficialYearView, RangeQuery
from booking.api.context import ADMIN, PATH_PARAMS, TAG, context_of

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
         path_parser=path_year, body=OfficialYearBody, response=OfficialYearView, roles=ADMIN,
         errors=[*TOKEN_ERRORS, *LOAD_REFUSALS])
async def official_year(request: web.Request, path: int, body: OfficialYearBody) -> dict:
    admin = principal_of(request)
    return await official_years.load_year(context_of(request), admin.user_id, path, body.holidays, body.workdays,
                                          body.note)


@api.get("/api/v1/admin/calendar/years/{year}",
         description=("A year's official schedule and where it comes from: an administrator, the holiday "
                      "package, or nothing yet (source null: the year is unconfirmed, never bookable)."),
         summary="A year's official schedule and its source (admin, package, or null: unconfirmed)",
         path_parser=path_year, response=OfficialYearView, roles=ADMIN, errors=[*TOKEN_ERRORS, YEAR_INVALID])
async def official_year_view(request: web.Request, path: int) -> dict:
    return await official_years.year_view(context_of(request), path)


@api.delete("/api/v1/admin/calendar/years/{year}",
            description=("Clears the schedule an administrator loaded for a year: the holiday package's holds "
                         "again, or the year becomes unconfirmed."),
            summary="Clear a loaded year: back to the package's schedule, or unconfirmed",
            path_parser=path_year, status=204, roles=ADMIN, errors=[*TOKEN_ERRORS, YEAR_INVALID])
async def official_year_clear(request: web.Request, path: int) -> None:
    await official_years.clear_year(context_of(request), path)


@api.get("/api/v1/admin/calendar",
         description=("A month of a center's calendar for the console: per day where its status comes from, "
                      "its override, whether it is bookable and its cutoff state."),
         summary="A month of a center's calendar: each day's source, override, bookability and cutoff state",
         query=MonthQuery, response=AdminMonthView, roles=ADMIN, errors=TOKEN_ERRORS)
async def admin_month(request: web.Request, query: MonthQuery) -> dict:
    return await admin_calendar.month_view(context_of(request), query.center, query.month)


@api.get("/api/v1/admin/capacity",
         description=("Capacity per date and period with what is booked and left, over a range (default: today "
                      "and the next 14 days)."),
         summary="Capacity per date and period with what is booked (default: today + 14 days)",
         query=RangeQuery, response=CapacityRangeView, roles=ADMIN, errors=TOKEN_ERRORS)
async def admin_capacity(request: web.Request, query: RangeQuery) -> dict:
    return await admin_calendar.capacity_view(context_of(request), query.center, query.from_, query.to)
