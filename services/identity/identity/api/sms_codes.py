"""POST /api/v1/sms-codes."""
from __future__ import annotations

from aiohttp import web

from shared.http.problems import json_response
from shared.http.requests import parse_body

from identity.api.client_ip import ClientIpResolver
from identity.api.models import SmsCodeRequest
from identity.domain.verification_codes import CODE_TTL
from identity.service.commands import RequestSmsCode
from identity.service.runtime import IdentityRuntime
from identity.service.sms_codes import request_sms_code


def sms_code_routes(rt: IdentityRuntime, client_ip: ClientIpResolver) -> list[web.RouteDef]:
    async def post_sms_code(request: web.Request) -> web.Response:
        body = await parse_body(request, SmsCodeRequest)
        await request_sms_code(rt, RequestSmsCode(phone=body.phone, purpose=body.purpose,
                                                  client_ip=client_ip(request)))
        # The same answer whether or not the phone has an account.
        return json_response({"expires_in": int(CODE_TTL.total_seconds())}, status=202)

    return [web.post("/api/v1/sms-codes", post_sms_code)]
