"""POST /api/v1/password-resets."""
from __future__ import annotations

from aiohttp import web

from shared.http.openapi import ApiRouter
from shared.http.requests import parse_body

from identity.api.context import TAG, client_ip_of, runtime_of
from identity.api.models import PasswordResetRequest
from identity.service.commands import ResetPassword
from identity.service.password_resets import reset_password

api = ApiRouter(TAG)


@api.post("/api/v1/password-resets",
          summary="Set a new password with an SMS code (ends every session, removes every card binding)",
          body=PasswordResetRequest, status=204,
          errors=[(422, "sms.code_invalid"), (422, "user.password_weak"), (429, "rate_limited")])
async def password_reset(request: web.Request) -> web.Response:
    b = await parse_body(request, PasswordResetRequest)
    await reset_password(runtime_of(request),
                         ResetPassword(phone=b.phone, sms_code=b.sms_code, new_password=b.new_password,
                                       client_ip=client_ip_of(request)))
    return web.Response(status=204)
