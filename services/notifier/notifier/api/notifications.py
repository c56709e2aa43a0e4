"""GET /api/v1/notifications: the SMS log, for staff and admins."""
from __future__ import annotations

from aiohttp import web

from shared.app import RUNTIME_KEY
from shared.http.openapi import TOKEN_ERRORS, ApiRouter, Operation

from notifier.service.list_notifications import list_notifications
from notifier.api.models import SmsLogPage, NotificationsQuery

# One declaration gives the aiohttp route and its OpenAPI operation (api/openapi.py).
api = ApiRouter("notifier")


@api.get("/api/v1/notifications", summary="The SMS log with delivery status and attempts",
         query=NotificationsQuery, response=SmsLogPage, roles=("staff", "admin"),
         description="The SMS the notifier sent or is sending, newest first: the text (verification codes "
                     "masked), delivery status, and every attempt at the provider. Filter by recipient phone or "
                     "booking; paged with cursor. For staff and administrators.",
         errors=TOKEN_ERRORS)
async def notifications(request: web.Request, query: NotificationsQuery) -> dict:
    return await list_notifications(request.app[RUNTIME_KEY].db, phone=query.phone, booking_id=query.booking_id,
                                    cursor=query.cursor, limit=query.limit)


def operations() -> list[Operation]:
    return list(api.operations)


def routes() -> list[web.RouteDef]:
    return api.routes()
