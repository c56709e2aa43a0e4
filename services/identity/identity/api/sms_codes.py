"""POST /api/v1/sms-codes."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import authenticate
from shared.http.openapi import ApiRouter
from shared.http.problems import json_response
from shared.http.requests import parse_body

from identity.api.context import TAG, TOKEN_ERRORS, client_ip_of, runtime_of
from identity.api.models import SmsCodeRequest, SmsCodeSent, answer
from identity.domain.verification_codes import CODE_TTL
from identity.service.commands import RequestSmsCode
from identity.service.sms_codes import request_sms_code

api = ApiRouter(TAG)


@api.post("/api/v1/sms-codes", summary="Send an SMS verification code", body=SmsCodeRequest,
          response=SmsCodeSent, status=202,
          errors=[(429, "sms.rate_limited"), (401, "auth.unauthorized"), *TOKEN_ERRORS])
async def sms_code(request: web.Request) -> web.Response:
    body = await parse_body(request, SmsCodeRequest)
    # Public, but a bind_card code is for the signed-in account's own phone only.
    user_id = (await authenticate(request)).user_id if body.purpose == "bind_card" else None
    await request_sms_code(runtime_of(request), RequestSmsCode(phone=body.phone, purpose=body.purpose,
                                                               client_ip=client_ip_of(request), user_id=user_id))
    # The same answer whether or not the phone has an account.
    return json_response(answer(SmsCodeSent, {"expires_in": int(CODE_TTL.total_seconds())}), status=202)
