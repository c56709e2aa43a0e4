"""POST /api/v1/users (registration) and GET /api/v1/me."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.enforce import Reply
from shared.http.openapi import ApiRouter

from identity.domain.errors import CodeInvalid, PasswordWeak, PhoneTaken, Throttled, UsernameTaken
from identity.api.context import TAG, IDENTITY_TOKEN_ERRORS, client_ip_of, context_of
from identity.api.models import RegistrationRequest, UserView
from identity.service.commands import RegisterUser
from identity.service.profiles import my_profile
from identity.service.registration import register_user

api = ApiRouter(TAG)


@api.post("/api/v1/users",
          description=("Creates an agent (经办人) account. The phone must be proven by a code of purpose register "
                       "(POST /api/v1/sms-codes); the username is 3-32 lower-case letters, digits or _ . -; "
                       "the password at least 8 characters and not guessable. The answer is the account; log "
                       "in next with POST /api/v1/sessions."),
          public=True, summary="Register an agent with an SMS code", body=RegistrationRequest,
          response_headers=["Location"],
          response=UserView, status=201,
          errors=[UsernameTaken, PhoneTaken, CodeInvalid, PasswordWeak, Throttled])
async def user(request: web.Request, body: RegistrationRequest) -> Reply:
    b = body
    user = await register_user(context_of(request), RegisterUser(
        phone=b.phone, sms_code=b.sms_code, username=b.username, password=b.password, name=b.name,
        email=b.email, org_code=b.org_code, client_ip=client_ip_of(request)))
    return Reply(user.public_view(), headers={"Location": "/api/v1/me"})


@api.get("/api/v1/me",
         description=("The account the access token belongs to: its name, phone, e-mail and roles (agent, "
                      "staff, admin). The web client reads it after a login to choose its screens."),
         summary="The signed-in user's account", response=UserView, roles=(),
         errors=IDENTITY_TOKEN_ERRORS)
async def me(request: web.Request) -> dict:
    principal = principal_of(request)
    user = await my_profile(context_of(request), principal.user_id)
    return user.public_view()
