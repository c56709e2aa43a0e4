"""What identity's handlers read from the running app, and what every route declaration
shares. The routes are declared at module level (``ApiRouter``), so that their OpenAPI
operations can be collected without a runtime; a handler finds the app's one
IdentityContext through ``request.app`` (set by ``identity.bootstrap.wire``)."""
from __future__ import annotations

from aiohttp import web

from identity.api.client_ip import ClientIpResolver
from identity.domain.errors import TokenExpired, TokenInvalid
from identity.service.context import IdentityContext

IDENTITY_KEY = web.AppKey("identity", IdentityContext)
CLIENT_IP_KEY = web.AppKey("identity_client_ip", ClientIpResolver)

# The OpenAPI tag of every identity operation.
TAG = "identity"
# Besides 401 auth.unauthorized (no token), which the ApiRouter adds for signed-in routes:
# what the token check answers, as identity words them (shared.http.openapi.TOKEN_ERRORS has
# the same codes in the other services' words; identity raises them itself too, for
# refresh tokens and accounts that are gone).
IDENTITY_TOKEN_ERRORS = (TokenInvalid, TokenExpired)
# The gateway's per-address limit on logins and password resets (deploy/gateway/nginx.conf.template).
LOGIN_LIMITED = (429, "rate_limited", "Too many logins from this address; retry after Retry-After seconds.")


def context_of(request: web.Request) -> IdentityContext:
    return request.app[IDENTITY_KEY]


def client_ip_of(request: web.Request) -> str | None:
    return request.app[CLIENT_IP_KEY](request)
