"""POST /api/v1/sessions (password or SMS code), /sessions/refresh, DELETE /sessions/current."""
from __future__ import annotations

from aiohttp import web

from shared.errors import ValidationFailed
from shared.http.auth import principal_of
from shared.http.enforce import Reply
from shared.http.openapi import ApiRouter

from identity.api.context import LOGIN_LIMITED, TAG, IDENTITY_TOKEN_ERRORS, client_ip_of, context_of
from identity.api.models import LoginRequest, RefreshRequest, SessionResponse
from identity.domain.access_tokens import verify_access_token
from identity.domain.errors import AccountLocked, InvalidCredentials, Throttled, TokenInvalid
from identity.service.commands import EndSession, LogInWithPassword, LogInWithSmsCode, RefreshSession
from identity.service.logins import log_in_with_password, log_in_with_sms_code
from identity.service.session_tokens import SessionTokens
from identity.service.sessions import end_session, refresh_session

# Token answers must not be kept by any cache (RFC 6749 section 5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

api = ApiRouter(TAG)


def session_response(session: SessionTokens) -> Reply:
    return Reply(session.as_json(), headers=NO_STORE)


@api.post("/api/v1/sessions",
          description=("Logs in with a username and password, or with a phone and a code of purpose login, and "
                       "answers a session: an access token (15 minutes) and a refresh token. Repeated failures "
                       "lock the account for a while (auth.locked); the gateway limits logins per client "
                       "address (rate_limited)."),
          public=True, summary="Log in with {username, password} or {phone, sms_code}",
          body=LoginRequest, response=SessionResponse,
          errors=[InvalidCredentials, AccountLocked, Throttled, LOGIN_LIMITED])
async def session(request: web.Request, body: LoginRequest) -> Reply:
    ctx = context_of(request)
    b = body
    if b.username is not None and b.password is not None:
        session = await log_in_with_password(ctx, LogInWithPassword(username=b.username, password=b.password,
                                                                   client_ip=client_ip_of(request)))
    elif b.phone is not None and b.sms_code is not None:
        session = await log_in_with_sms_code(ctx, LogInWithSmsCode(phone=b.phone, sms_code=b.sms_code,
                                                                  client_ip=client_ip_of(request)))
    else:
        raise ValidationFailed([{"field": "body", "message": "send {username, password} or {phone, sms_code}"}])
    return session_response(session)


@api.post("/api/v1/sessions/refresh",
          description=("Exchanges a refresh token for a new session. The refresh token given stops working; "
                       "using a spent one again ends the whole session (a stolen token is detected)."),
          public=True, summary="A new token pair for a refresh token (which stops working)",
          body=RefreshRequest, response=SessionResponse, errors=[*IDENTITY_TOKEN_ERRORS, Throttled])
async def session_refresh(request: web.Request, body: RefreshRequest) -> Reply:
    return session_response(await refresh_session(context_of(request), RefreshSession(
        refresh_token=body.refresh_token, client_ip=client_ip_of(request))))


@api.delete("/api/v1/sessions/current",
            description=("Ends the session of the access token: its refresh tokens stop working. The access "
                         "token itself lives until it expires (15 minutes at most)."),
            summary="Log out: revoke this session's refresh tokens",
            status=204, roles=(), errors=IDENTITY_TOKEN_ERRORS)
async def current_session(request: web.Request) -> None:
    ctx = context_of(request)
    principal = principal_of(request)
    # The shared Principal has no session id: read the sid claim of the token just verified.
    token = request.headers["Authorization"].partition(" ")[2].strip()
    try:
        session_id = verify_access_token(token, ctx.keys.verification_keys(), ctx.now()).sid
    except TokenInvalid:
        session_id = None
    await end_session(ctx, EndSession(user_id=principal.user_id, session_id=session_id))
