"""Service-to-service routes (``/internal/...``, never routed by the gateway): the caller
sends ``Authorization: Bearer <INTERNAL_API_TOKEN>``, a secret the services of the suite
share (the k8s Secret ``cardcenter-secrets``; docs/security.md "Internal routes").

- ``service_handler(handler, token)``: the handler behind that check (401
  ``auth.unauthorized`` without the header, with another token, or when no token is
  configured); declared with the access ``roles:service`` (shared.http.access).
- ``service_headers(token)``: the header a caller sends.

The token is a ``SecretStr`` everywhere: its repr and the logs show ``**********``."""
from __future__ import annotations

import functools
import hmac

from aiohttp import web
from pydantic import SecretStr

from shared.errors import Unauthorized
from shared.http.access import ACCESS_ATTR, Access, Handler

SERVICE_ROLE = "service"


def _presented(request: web.Request) -> bytes:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip().encode() if scheme.lower() == "bearer" else b""


def service_handler(handler: Handler, token: SecretStr | None) -> Handler:
    expected = token.get_secret_value().encode() if token is not None else b""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        presented = _presented(request)
        # Constant time: the comparison does not tell how much of a guess was right.
        if not expected or not presented or not hmac.compare_digest(presented, expected):
            raise Unauthorized("An internal route: send Authorization: Bearer <the services' token>.")
        return await handler(request)
    setattr(guarded, ACCESS_ATTR, Access(public=False, roles=(SERVICE_ROLE,)))
    return guarded


def service_headers(token: SecretStr | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.get_secret_value()}"} if token is not None else {}
