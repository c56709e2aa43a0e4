"""identity's OpenAPI 3.1 document, built from its route declarations (no runtime needed),
and GET /openapi.json serving it on identity's own port (the gateway serves the document
merged over every service at GET /api/v1/openapi.json: scripts/openapi.py)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.http.openapi import build_spec, spec_routes

from identity.api import operations

TITLE = "Card center: identity"
DESCRIPTION = "Accounts, SMS codes, sessions and access tokens, cards (api.md \"Identity\")."


def openapi_spec() -> dict[str, Any]:
    return build_spec(operations(), title=TITLE, description=DESCRIPTION)


def openapi_routes() -> list[web.RouteDef]:
    return spec_routes(openapi_spec())
