"""POST /api/v1/users (registration) and GET /api/v1/me."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import authenticate
from shared.http.openapi import ApiRouter
from shared.http.problems import json_response
from shared.http.requests import parse_body

from identity.api.context import TAG, TOKEN_ERRORS, client_ip_of, runtime_of
from identity.api.models import RegistrationRequest, UserView, answer
from identity.service.commands import RegisterUser
from identity.service.profiles import my_profile
from identity.service.registration import register_user

api = ApiRouter(TAG)


@api.post("/api/v1/users", public=True, summary="Register an agent with an SMS code", body=RegistrationRequest,
          response_headers=["Location"],
          response=UserView, status=201,
          errors=[(409, "user.username_taken"), (409, "user.phone_taken"),
                  (422, "sms.code_invalid"), (422, "user.password_weak"), (429, "rate_limited")])
async def user(request: web.Request) -> web.Response:
    b = await parse_body(request, RegistrationRequest)
    user = await register_user(runtime_of(request), RegisterUser(
        phone=b.phone, sms_code=b.sms_code, username=b.username, password=b.password, name=b.name,
        email=b.email, org_code=b.org_code, client_ip=client_ip_of(request)))
    return json_response(answer(UserView, user.public_view()), status=201, headers={"Location": "/api/v1/me"})


@api.get("/api/v1/me", summary="The signed-in user's account", response=UserView, roles=(),
         errors=TOKEN_ERRORS)
async def me(request: web.Request) -> web.Response:
    principal = await authenticate(request)
    user = await my_profile(runtime_of(request), principal.user_id)
    return json_response(answer(UserView, user.public_view()))
