"""GET /api/v1/notifications: the SMS log, for staff and admins."""
from __future__ import annotations

from aiohttp import web

from shared.app import RUNTIME_KEY
from shared.http.openapi import ApiRouter, Operation
from shared.http.problems import json_response
from shared.http.requests import validate

from ..service.list_notifications import list_notifications
from .models import SmsLogPage, NotificationsQuery

# One declaration gives the aiohttp route and its OpenAPI operation (api/openapi.py).
api = ApiRouter("notifier")


@api.get("/api/v1/notifications", summary="The SMS log with delivery status and attempts",
         query=NotificationsQuery, response=SmsLogPage, roles=("staff", "admin"),
         description="The SMS the notifier sent or is sending, newest first: the text (verification codes "
                     "masked), delivery status, and every attempt at the provider. Filter by recipient phone or "
                     "booking; paged with cursor. For staff and administrators.",
         errors=[(401, "auth.invalid_token", "The access token is not valid."),
                 (401, "auth.token_expired", "The access token has expired.")])
async def notifications(request: web.Request) -> web.Response:
    # "?phone=&booking_id=": an empty parameter is no filter.
    q = validate(NotificationsQuery, {k: v for k, v in request.query.items() if v.strip()})
    page = await list_notifications(request.app[RUNTIME_KEY].db, phone=q.phone, booking_id=q.booking_id,
                                    cursor=q.cursor, limit=q.limit)
    return json_response(page)


def operations() -> list[Operation]:
    return list(api.operations)


def routes() -> list[web.RouteDef]:
    return api.routes()
