"""叫号 at the desk (role staff; admin too): take a desk for the shift, call the next
number, call it again, skip it. Completing is the desk's complete route (api/desk.py),
which also closes the call."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.openapi import TOKEN_ERRORS, ApiRouter

from booking.domain.errors import CallOpen, NoCall, NoShift, QueueEmpty
from booking.service import calling, desk_shift
from booking.service.desk_shift import ShiftNotFound
from booking.api.context import DESK, PATH_PARAMS, TAG, context_of
from booking.api.models import CallView, CenterBody, CenterQuery, DeskShiftView, ShiftBody

# Asking for a shift that is not there is a 404, unlike acting at a desk without one (409).
api = ApiRouter(TAG, path_params=PATH_PARAMS, statuses={ShiftNotFound: 404})


@api.post("/api/v1/desk/shift",
          description=("The clerk takes a desk (1 .. the center's desks) for today's shift: one clerk per desk, one "
                       "desk per clerk. Taking another desk ends the clerk's previous shift; a desk another clerk "
                       "holds is taken over. A desk outside the center's range is a 422 validation_error."),
          summary="Take a desk for today's shift (ends the clerk's previous one)",
          body=ShiftBody, response=DeskShiftView, roles=DESK, errors=TOKEN_ERRORS)
async def take_shift(request: web.Request, body: ShiftBody) -> dict:
    clerk = principal_of(request)
    return await desk_shift.take_shift(context_of(request), clerk.user_id, body.center, body.desk)


@api.get("/api/v1/desk/shift", summary="The clerk's desk today and its open call",
         description=("The desk the signed-in clerk took today and the desk's open call (null when none); "
                      "404 desk.no_shift when the clerk has no desk today."),
         query=CenterQuery, response=DeskShiftView, roles=DESK,
         errors=[*TOKEN_ERRORS, (404, "desk.no_shift", "the clerk has no desk today")])
async def current_shift(request: web.Request, query: CenterQuery) -> dict:
    clerk = principal_of(request)
    return await desk_shift.current_shift(context_of(request), clerk.user_id, query.center)


@api.delete("/api/v1/desk/shift",
            description=("Ends the clerk's shift (idempotent: 204 also without one). The desk's open call stays "
                         "open until someone completes or skips it."),
            summary="End the clerk's shift (an open call stays until completed or skipped)",
            query=CenterQuery, status=204, roles=DESK, errors=TOKEN_ERRORS)
async def end_shift(request: web.Request, query: CenterQuery) -> None:
    clerk = principal_of(request)
    await desk_shift.end_shift(context_of(request), clerk.user_id, query.center)


@api.post("/api/v1/desk/call",
          summary="叫号: call the desk's next checked-in number (then the oldest waiting of other desks)",
          description=("Calls the next checked-in, not yet called number of the clerk's desk in queue order "
                       "(period, then a skip's place, then number); when the desk's own queue is empty, the "
                       "oldest waiting number (earliest check-in) of the other desks. Two desks calling at once "
                       "never take the same booking. Stored, published as booking.called and sent to the hall "
                       "displays; numbers with three or fewer ahead get an SMS (once per booking)."),
          body=CenterBody, response=CallView, roles=DESK,
          errors=[*TOKEN_ERRORS, NoShift, CallOpen, QueueEmpty])
async def call_next(request: web.Request, body: CenterBody) -> dict:
    clerk = principal_of(request)
    return await calling.call(context_of(request), clerk.user_id, body.center)


@api.post("/api/v1/desk/recall", summary="重呼: call the desk's current number again",
          description=("Calls the desk's open call again (a new call of kind recall, shown and spoken on the hall "
                       "displays again)."),
          body=CenterBody, response=CallView, roles=DESK, errors=[*TOKEN_ERRORS, NoShift, NoCall])
async def recall(request: web.Request, body: CenterBody) -> dict:
    clerk = principal_of(request)
    return await calling.recall(context_of(request), clerk.user_id, body.center)


@api.post("/api/v1/desk/skip",
          summary="过号: the called agent is not here; the number waits again behind the next two (not a no-show)",
          description=("Closes the desk's open call as skipped: the booking stays checked in and waits again, "
                       "behind the next two waiting numbers of its desk queue (at the end when fewer wait). "
                       "Not a no-show. Answers the skip (kind skip) of the skipped number."),
          body=CenterBody, response=CallView, roles=DESK, errors=[*TOKEN_ERRORS, NoShift, NoCall])
async def skip(request: web.Request, body: CenterBody) -> dict:
    clerk = principal_of(request)
    return await calling.skip(context_of(request), clerk.user_id, body.center)
