"""叫号 at the desk (role staff; admin too): take a desk for the shift, call the next
number, call it again, skip it. Completing is the desk's complete route (api/desk.py),
which also closes the call."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.openapi import ApiRouter
from shared.http.problems import json_response
from shared.http.requests import parse_body, parse_query

from ..service import calling, desk_shift
from .context import DESK, TAG, TOKEN_ERRORS, context_of
from .models import CallView, CenterBody, CenterQuery, DeskShiftView, ShiftBody, answer

api = ApiRouter(TAG)
NO_SHIFT = (409, "desk.no_shift")
NO_CALL = (409, "desk.no_call")


@api.post("/api/v1/desk/shift", summary="Take a desk for today's shift (ends the clerk's previous one)",
          body=ShiftBody, response=DeskShiftView, roles=DESK, errors=TOKEN_ERRORS)
async def take_shift(request: web.Request) -> web.Response:
    clerk = principal_of(request)
    body = await parse_body(request, ShiftBody)
    view = await desk_shift.take_shift(context_of(request), clerk.user_id, body.center, body.desk)
    return json_response(answer(DeskShiftView, view))


@api.get("/api/v1/desk/shift", summary="The clerk's desk today and its open call",
         query=CenterQuery, response=DeskShiftView, roles=DESK, errors=[*TOKEN_ERRORS, (404, "desk.no_shift")])
async def current_shift(request: web.Request) -> web.Response:
    clerk = principal_of(request)
    query = parse_query(request, CenterQuery)
    view = await desk_shift.current_shift(context_of(request), clerk.user_id, query.center)
    return json_response(answer(DeskShiftView, view))


@api.delete("/api/v1/desk/shift", summary="End the clerk's shift (an open call stays until completed or skipped)",
            query=CenterQuery, status=204, roles=DESK, errors=TOKEN_ERRORS)
async def end_shift(request: web.Request) -> web.Response:
    clerk = principal_of(request)
    query = parse_query(request, CenterQuery)
    await desk_shift.end_shift(context_of(request), clerk.user_id, query.center)
    return web.Response(status=204)


@api.post("/api/v1/desk/call",
          summary="叫号: call the desk's next checked-in number (then the oldest waiting of other desks)",
          body=CenterBody, response=CallView, roles=DESK,
          errors=[*TOKEN_ERRORS, NO_SHIFT, (409, "desk.call_open"), (409, "desk.queue_empty")])
async def call_next(request: web.Request) -> web.Response:
    clerk = principal_of(request)
    body = await parse_body(request, CenterBody)
    return json_response(answer(CallView, await calling.call(context_of(request), clerk.user_id, body.center)))


@api.post("/api/v1/desk/recall", summary="重呼: call the desk's current number again",
          body=CenterBody, response=CallView, roles=DESK, errors=[*TOKEN_ERRORS, NO_SHIFT, NO_CALL])
async def recall(request: web.Request) -> web.Response:
    clerk = principal_of(request)
    body = await parse_body(request, CenterBody)
    return json_response(answer(CallView, await calling.recall(context_of(request), clerk.user_id, body.center)))


@api.post("/api/v1/desk/skip",
          summary="过号: the called agent is not here; the number waits again behind the next two (not a no-show)",
          body=CenterBody, response=CallView, roles=DESK, errors=[*TOKEN_ERRORS, NO_SHIFT, NO_CALL])
async def skip(request: web.Request) -> web.Response:
    clerk = principal_of(request)
    body = await parse_body(request, CenterBody)
    return json_response(answer(CallView, await calling.skip(context_of(request), clerk.user_id, body.center)))
