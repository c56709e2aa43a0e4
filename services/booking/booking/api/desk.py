"""The desk on the service day (role staff; admin too): the day's schedule, check-in,
served, no-show."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.openapi import TOKEN_ERRORS, ApiRouter

from booking.domain.errors import BookingNotFound, Late, NotActive, NotLateYet, WrongDay
from booking.service import desk_actions, desk_check_in as check_ins, desk_schedule as schedule
from booking.api.context import DESK, PATH_PARAMS, TAG, context_of
from booking.api.models import BookingView, DeskScheduleQuery, DeskScheduleView

api = ApiRouter(TAG, path_params=PATH_PARAMS)
NOT_FOUND = BookingNotFound


@api.get("/api/v1/desk/schedule",
         description=("A day's allocated bookings of a center in queue order (default: the center's today), "
                      "for the desk clerks (staff) and administrators."),
         summary="A day's allocated bookings in queue order (default: today)",
         query=DeskScheduleQuery, response=DeskScheduleView, roles=DESK, errors=TOKEN_ERRORS)
async def desk_schedule(request: web.Request, query: DeskScheduleQuery) -> dict:
    return await schedule.desk_schedule(context_of(request), query.center, query.date)


@api.post("/api/v1/desk/bookings/{id}/check-in",
          description=("Checks the agent in at the desk on the booking's day. More than the center's lateness "
                       "limit (10 minutes) after the segment's start it is refused with booking.late and the "
                       "booking becomes a no-show."),
          summary="Check the agent in (more than 10 minutes late: refused, and the booking is a no-show)",
          response=BookingView, roles=DESK,
          errors=[*TOKEN_ERRORS, NOT_FOUND, Late, WrongDay, NotActive])
async def desk_check_in(request: web.Request) -> dict:
    clerk = principal_of(request)
    return await check_ins.check_in(context_of(request), clerk.user_id, request.match_info["id"])


@api.post("/api/v1/desk/bookings/{id}/complete",
          description=("Marks a checked-in booking as served (completed)."),
          summary="Mark a checked-in booking as served",
          response=BookingView, roles=DESK, errors=[*TOKEN_ERRORS, NOT_FOUND, NotActive])
async def desk_completion(request: web.Request) -> dict:
    clerk = principal_of(request)
    return await desk_actions.complete(context_of(request), clerk.user_id, request.match_info["id"])


@api.post("/api/v1/desk/bookings/{id}/no-show",
          description=("Marks a booking of today as a no-show, once the agent is more than the lateness limit "
                       "late (before: booking.not_late_yet). No-shows count against the agent's booking "
                       "rights."),
          summary="Mark a booking as a no-show (only once the agent is more than the center's late_minutes late)",
          response=BookingView, roles=DESK,
          errors=[*TOKEN_ERRORS, NOT_FOUND, NotActive, WrongDay, NotLateYet])
async def desk_no_show(request: web.Request) -> dict:
    clerk = principal_of(request)
    return await desk_actions.mark_no_show(context_of(request), clerk.user_id, request.match_info["id"])
