"""GET /.well-known/jwks.json: the public keys every service verifies access tokens with."""
from __future__ import annotations

from aiohttp import web

from shared.http.openapi import ApiRouter
from shared.http.problems import json_response

from identity.api.context import TAG, context_of
from identity.api.models import Jwks

api = ApiRouter(TAG)


@api.get("/.well-known/jwks.json",
         description=("The public keys (JWKS, RFC 7517) every service verifies access tokens with, by their "
                      "kid. Cached 5 minutes; during a key rotation it holds the new and the previous key."),
         public=True, summary="The public keys access tokens are verified with (JWKS)",
         response=Jwks)
async def jwks(request: web.Request) -> web.Response:
    # Short cache: verifiers refetch on an unknown kid anyway. Sent as the domain writes it,
    # not through Jwks: every service's token check depends on this answer
    # (tests/contract/test_openapi_document.py checks a real JWKS against the model).
    return json_response(context_of(request).keys.jwks(), headers={"Cache-Control": "public, max-age=300"})
