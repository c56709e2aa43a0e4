"""POST /api/v1/users (registration) and GET /api/v1/me."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import authenticate
from shared.http.problems import json_response
from shared.http.requests import parse_body

from identity.api.models import RegistrationRequest
from identity.service.commands import RegisterUser
from identity.service.profiles import my_profile
from identity.service.registration import register_user
from identity.service.runtime import IdentityRuntime


def user_routes(rt: IdentityRuntime) -> list[web.RouteDef]:
    async def post_user(request: web.Request) -> web.Response:
        b = await parse_body(request, RegistrationRequest)
        user = await register_user(rt, RegisterUser(phone=b.phone, sms_code=b.sms_code, username=b.username,
                                                    password=b.password, name=b.name, email=b.email,
                                                    org_code=b.org_code))
        return json_response(user.public_view(), status=201, headers={"Location": "/api/v1/me"})

    async def get_me(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        user = await my_profile(rt, principal.user_id)
        return json_response(user.public_view())

    return [web.post("/api/v1/users", post_user), web.get("/api/v1/me", get_me)]
