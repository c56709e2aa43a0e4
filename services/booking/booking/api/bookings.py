"""An agent's bookings: create (idempotent), list, read, cancel, SMS again, and rights."""
from __future__ import annotations

import orjson
from aiohttp import web

from shared.http.auth import principal_of
from shared.http.openapi import TOKEN_ERRORS, ApiRouter
from shared.http.requests import raw_body

from booking.domain.errors import BookingNotFound, BusinessConflict, CapacityExhausted, CountRequired, CutoffPassed, DateNotBookable, DuplicatePeriod, EnterpriseAlreadyBooked, IdempotencyKeyReused, InvalidOrgCode, LineNotFound, NotActive, PeriodUnknown, SmsResendUsed, Suspended
from booking.service import account_throttle
from booking.service.booking_cancel import cancel_booking
from booking.service.booking_create import CreateBooking, create_booking
from booking.service.booking_queries import get_booking, list_bookings
from booking.service.idempotency import IdempotencyKey
from booking.service.rights import my_rights
from booking.service.sms import request_sms_resend
from booking.api.booking_request import booking_request
from booking.api.context import PATH_PARAMS, TAG, context_of
from booking.api.models import BookingBody, BookingListQuery, BookingPage, BookingRightsView, BookingView, SmsResendView
from booking.api.params import idempotency_key

api = ApiRouter(TAG, path_params=PATH_PARAMS)
NOT_FOUND = BookingNotFound
# api.md "Bookings (agent)": each refusal its own code (validation_error the router adds).
CREATE_REFUSALS = [
    BusinessConflict, CountRequired, InvalidOrgCode, DateNotBookable, PeriodUnknown, CapacityExhausted,
    DuplicatePeriod, EnterpriseAlreadyBooked, Suspended, IdempotencyKeyReused,
    (429, "booking.rate_limited", "Too many bookings created from this account; retry after Retry-After seconds.")]
CANCEL_REFUSALS = [NOT_FOUND, CutoffPassed, NotActive]


async def counted_alone(request: web.Request) -> None:
    """A request refused for its inputs (a malformed Idempotency-Key, an invalid body) never
    reaches the booking's checks, whose statement counts the others against the account's
    budget: it counts here on its own, and once over budget it is a 429, not its 422 (a 429
    for a flood of any body)."""
    ctx = context_of(request)
    await account_throttle.check(ctx, account_throttle.booking_throttle(ctx), principal_of(request).user_id)


async def idempotency_key_check(request: web.Request) -> None:
    idempotency_key(request)   # a malformed key is refused before the body


@api.post("/api/v1/bookings",
          description=("Books a period of a working day for 1 to 10 enterprises, each with its business types. "
                       "The booking is confirmed at once and the agent hears it by SMS; at the cutoff (15:00 "
                       "the working day before) it gets a desk, a time segment and a queue number. Send an "
                       "Idempotency-Key to retry safely: the same key and body replay the first answer. Every "
                       "refusal has its own code (see the 403/409/422 answers)."),
          summary="Book a period for up to 10 enterprises (Idempotency-Key: the same key and body replay the answer)",
          body=BookingBody, response=BookingView, status=201, roles=(), headers=["Idempotency-Key"],
          errors=[*TOKEN_ERRORS, *CREATE_REFUSALS], checks=[idempotency_key_check],
          input_refused=counted_alone)
async def booking(request: web.Request, body: BookingBody) -> web.Response:
    principal = principal_of(request)
    key = idempotency_key(request)
    asked = booking_request(period=body.period, contact_name=body.contact_name, contact_phone=body.contact_phone,
                            enterprises=body.enterprises)
    cmd = CreateBooking(agent_id=principal.user_id, center=body.center, date=body.date, period=asked.period,
                        contact_name=asked.contact_name, contact_phone=asked.contact_phone,
                        enterprises=asked.enterprises, shape_errors=asked.shape_errors)
    result = await create_booking(
        context_of(request), cmd, IdempotencyKey.for_request(principal.user_id, key, raw_body(request)) if key else None)
    # A ready answer, sent as stored with the key (booking_view, as GET /bookings/{id}):
    # replayed refusals keep their problem+json type.
    return web.Response(status=result.status, body=orjson.dumps(result.body), headers=result.headers,
                        content_type=result.content_type, charset="utf-8")


@api.get("/api/v1/bookings",
         description=("The signed-in agent's bookings, newest service date first, optionally between two dates "
                      "and of one status; paged with `cursor` (next_cursor of the previous page)."),
         summary="The agent's bookings, newest service date first",
         query=BookingListQuery, response=BookingPage, roles=(), errors=TOKEN_ERRORS)
async def bookings(request: web.Request, query: BookingListQuery) -> dict:
    principal = principal_of(request)
    return await list_bookings(context_of(request), principal.user_id, start=query.from_, end=query.to,
                               status=query.status, cursor=query.cursor, limit=query.limit)


@api.get("/api/v1/bookings/{id}",
         description=("One booking of the signed-in agent, with its enterprises, allocation and SMS state. "
                      "Another agent's booking answers 404 booking.not_found, as a missing one does."),
         summary="One of the agent's bookings (another agent's: 404)",
         response=BookingView, roles=(), errors=[*TOKEN_ERRORS, NOT_FOUND])
async def booking_by_id(request: web.Request) -> dict:
    principal = principal_of(request)
    return await get_booking(context_of(request), principal.user_id, request.match_info["id"])


@api.post("/api/v1/bookings/{id}/cancel",
          description=("Cancels the whole booking, until its cutoff; the answer is the booking with status "
                       "cancelled. Cancelling often suspends the right to book for a while."),
          summary="Cancel a booking before its cutoff",
          response=BookingView, roles=(), errors=[*TOKEN_ERRORS, *CANCEL_REFUSALS])
async def booking_cancellation(request: web.Request) -> dict:
    principal = principal_of(request)
    return await cancel_booking(context_of(request), principal.user_id, request.match_info["id"])


@api.post("/api/v1/bookings/{id}/enterprises/{org_code}/cancel",
          description=("Cancels one enterprise of a booking, until the cutoff; the booking itself is cancelled "
                       "when it was the last active one."),
          summary="Cancel one enterprise of a booking (the booking too when it was the last)",
          response=BookingView, roles=(),
          errors=[*TOKEN_ERRORS, *CANCEL_REFUSALS, LineNotFound])
async def booking_line_cancellation(request: web.Request) -> dict:
    principal = principal_of(request)
    return await cancel_booking(context_of(request), principal.user_id, request.match_info["id"],
                                org_code=request.match_info["org_code"])


@api.post("/api/v1/bookings/{id}/sms-resend",
          description=("Sends the booking's SMS again, as the booking is now (its allocation once it has one). "
                       "Once per booking, and only while it is confirmed or allocated."),
          summary="Send the booking's SMS again, as the booking is now (once; confirmed or allocated only)",
          response=SmsResendView, status=202, roles=(),
          errors=[*TOKEN_ERRORS, NOT_FOUND, SmsResendUsed, NotActive])
async def booking_sms_resend(request: web.Request) -> dict:
    principal = principal_of(request)
    return await request_sms_resend(context_of(request), principal.user_id, request.match_info["id"])


@api.get("/api/v1/me/booking-rights",
         description=("Whether the agent may book: the suspension (until when, and why) and the counters of "
                      "no-shows and cancellations that lead to one."),
         summary="The agent's booking rights: suspension and counters",
         response=BookingRightsView, roles=(), errors=TOKEN_ERRORS)
async def my_booking_rights(request: web.Request) -> dict:
    principal = principal_of(request)
    return await my_rights(context_of(request), principal.user_id)
