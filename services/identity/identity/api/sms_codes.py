"""POST /api/v1/sms-codes."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import authenticate
from shared.http.openapi import ApiRouter

from identity.domain.errors import SmsRateLimited
from identity.api.context import TAG, IDENTITY_TOKEN_ERRORS, client_ip_of, context_of
from identity.api.models import SmsCodeRequest, SmsCodeSent
from identity.domain.verification_codes import CODE_TTL
from identity.service.commands import RequestSmsCode
from identity.service.sms_codes import request_sms_code

api = ApiRouter(TAG)


@api.post("/api/v1/sms-codes",
          description=("Sends a 6-digit code to the phone by SMS, valid 5 minutes and for one use, for "
                       "registering, logging in, resetting a password or (signed in, to the account's own "
                       "phone) binding a card. The answer is the same whether or not the phone has an account. "
                       "Limited per phone (1 a minute, 5 an hour, 10 a day: sms.rate_limited) and by the "
                       "gateway per client address (rate_limited)."),
          public=True, summary="Send an SMS verification code", body=SmsCodeRequest,
          response=SmsCodeSent, status=202,
          errors=[SmsRateLimited, (401, "auth.unauthorized", "purpose bind_card needs a signed-in user"), *IDENTITY_TOKEN_ERRORS,
                  (429, "rate_limited", "Too many codes requested from this address; retry after Retry-After seconds.")])
async def sms_code(request: web.Request, body: SmsCodeRequest) -> dict:
    # Public, but a bind_card code is for the signed-in account's own phone only.
    user_id = (await authenticate(request)).user_id if body.purpose == "bind_card" else None
    await request_sms_code(context_of(request), RequestSmsCode(phone=body.phone, purpose=body.purpose,
                                                               client_ip=client_ip_of(request), user_id=user_id))
    # The same answer whether or not the phone has an account.
    return {"expires_in": int(CODE_TTL.total_seconds())}
