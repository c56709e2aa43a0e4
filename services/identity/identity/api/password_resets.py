"""POST /api/v1/password-resets."""
from __future__ import annotations

from aiohttp import web

from shared.http.openapi import ApiRouter

from identity.domain.errors import CodeInvalid, PasswordWeak, Throttled
from identity.api.context import LOGIN_LIMITED, TAG, client_ip_of, context_of
from identity.api.models import PasswordResetRequest
from identity.service.commands import ResetPassword
from identity.service.password_resets import reset_password

api = ApiRouter(TAG)


@api.post("/api/v1/password-resets",
          description=("Sets a new password for the account of the phone, proven by a code of purpose "
                       "reset_password. Every session of the account ends and every card binding is removed. "
                       "The gateway limits it per client address like a login (429 rate_limited with "
                       "Retry-After)."),
          public=True,
          summary="Set a new password with an SMS code (ends every session, removes every card binding)",
          body=PasswordResetRequest, status=204,
          errors=[CodeInvalid, PasswordWeak, Throttled, LOGIN_LIMITED])
async def password_reset(request: web.Request, body: PasswordResetRequest) -> None:
    b = body
    await reset_password(context_of(request),
                         ResetPassword(phone=b.phone, sms_code=b.sms_code, new_password=b.new_password,
                                       client_ip=client_ip_of(request)))
