"""An agent's bookings: create (idempotent), list, read, cancel, SMS again, and rights."""
from __future__ import annotations

import orjson
from aiohttp import web

from shared.errors import ValidationFailed
from shared.http.auth import authenticate
from shared.http.problems import json_response
from shared.http.requests import parse_query, read_json, validate

from ..service.booking_cancel import cancel_booking
from ..service.booking_create import CreateBooking, create_booking
from ..service.booking_queries import get_booking, list_bookings
from ..service.context import BookingContext
from ..service.idempotency import IdempotencyKey
from ..service.rights import my_rights
from ..service.sms import request_sms_resend
from .models import BookingBody, BookingListQuery
from .params import idempotency_key


def routes(ctx: BookingContext) -> list[web.RouteDef]:
    async def create(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        key = idempotency_key(request)
        raw = await read_json(request)
        if not isinstance(raw, dict):
            raise ValidationFailed([{"field": "body", "message": "a JSON object is required"}])
        body = validate(BookingBody, raw)
        cmd = CreateBooking(agent_id=principal.user_id, center=body.center, date=body.date, period=body.period,
                            contact_name=body.contact_name, contact_phone=body.contact_phone,
                            enterprises=body.enterprises)
        answer = await create_booking(
            ctx, cmd, IdempotencyKey.for_request(principal.user_id, key, raw) if key else None)
        # Replayed refusals keep their problem+json type.
        return web.Response(status=answer.status, body=orjson.dumps(answer.body), headers=answer.headers,
                            content_type=answer.content_type, charset="utf-8")

    async def index(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        q = parse_query(request, BookingListQuery)
        return json_response(await list_bookings(ctx, principal.user_id, start=q.from_, end=q.to,
                                                 status=q.status, cursor=q.cursor, limit=q.limit))

    async def show(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        return json_response(await get_booking(ctx, principal.user_id, request.match_info["id"]))

    async def cancel(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        return json_response(await cancel_booking(ctx, principal.user_id, request.match_info["id"]))

    async def cancel_line(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        return json_response(await cancel_booking(ctx, principal.user_id, request.match_info["id"],
                                                  org_code=request.match_info["org_code"]))

    async def sms_resend(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        return json_response(await request_sms_resend(ctx, principal.user_id, request.match_info["id"]),
                             status=202)

    async def rights(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        return json_response(await my_rights(ctx, principal.user_id))

    return [
        web.post("/api/v1/bookings", create),
        web.get("/api/v1/bookings", index),
        web.get("/api/v1/bookings/{id}", show),
        web.post("/api/v1/bookings/{id}/cancel", cancel),
        web.post("/api/v1/bookings/{id}/enterprises/{org_code}/cancel", cancel_line),
        web.post("/api/v1/bookings/{id}/sms-resend", sms_resend),
        web.get("/api/v1/me/booking-rights", rights),
    ]
