"""POST /api/v1/sms-codes."""
from __future__ import annotations

from aiohttp import web

from shared.http.openapi import ApiRouter
from shared.http.problems import json_response
from shared.http.requests import parse_body

from identity.api.context import TAG, client_ip_of, runtime_of
from identity.api.models import SmsCodeRequest, SmsCodeSent, answer
from identity.domain.verification_codes import CODE_TTL
from identity.service.commands import RequestSmsCode
from identity.service.sms_codes import request_sms_code

api = ApiRouter(TAG)


@api.post("/api/v1/sms-codes", public=True, summary="Send an SMS verification code", body=SmsCodeRequest,
          response=SmsCodeSent, status=202, errors=[(429, "sms.rate_limited")])
async def sms_code(request: web.Request) -> web.Response:
    body = await parse_body(request, SmsCodeRequest)
    await request_sms_code(runtime_of(request), RequestSmsCode(phone=body.phone, purpose=body.purpose,
                                                               client_ip=client_ip_of(request)))
    # The same answer whether or not the phone has an account.
    return json_response(answer(SmsCodeSent, {"expires_in": int(CODE_TTL.total_seconds())}), status=202)
