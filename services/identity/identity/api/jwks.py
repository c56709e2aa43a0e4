"""GET /.well-known/jwks.json: the public keys every service verifies access tokens with."""
from __future__ import annotations

from aiohttp import web

from shared.http.problems import json_response

from identity.service.runtime import IdentityRuntime


def jwks_routes(rt: IdentityRuntime) -> list[web.RouteDef]:
    async def get_jwks(_request: web.Request) -> web.Response:
        # Short cache: verifiers refetch on an unknown kid anyway.
        return json_response(rt.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})

    return [web.get("/.well-known/jwks.json", get_jwks)]
