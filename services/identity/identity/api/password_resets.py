"""POST /api/v1/password-resets."""
from __future__ import annotations

from aiohttp import web

from shared.http.requests import parse_body

from identity.api.models import PasswordResetRequest
from identity.service.commands import ResetPassword
from identity.service.password_resets import reset_password
from identity.service.runtime import IdentityRuntime


def password_reset_routes(rt: IdentityRuntime) -> list[web.RouteDef]:
    async def post_password_reset(request: web.Request) -> web.Response:
        b = await parse_body(request, PasswordResetRequest)
        await reset_password(rt, ResetPassword(phone=b.phone, sms_code=b.sms_code, new_password=b.new_password))
        return web.Response(status=204)

    return [web.post("/api/v1/password-resets", post_password_reset)]
