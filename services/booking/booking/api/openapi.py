"""booking's OpenAPI 3.1 document, built from its route declarations (no runtime needed),
and GET /openapi.json serving it on booking's own port (the gateway serves the document
merged over every service at GET /api/v1/openapi.json: scripts/openapi.py)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.http.openapi import build_spec
from shared.http.problems import json_response

from . import operations

TITLE = "Card center: booking"
DESCRIPTION = ("Enterprises, the calendar and business types, agents' bookings and rights, the desk, "
               "and administration (api.md).")


def openapi_spec() -> dict[str, Any]:
    return build_spec(operations(), title=TITLE, description=DESCRIPTION)


def openapi_routes() -> list[web.RouteDef]:
    """GET /openapi.json: not part of the public API (not in the document, not routed by
    the gateway). Built once, when the app is made."""
    spec = openapi_spec()

    async def get_openapi(_request: web.Request) -> web.Response:
        return json_response(spec)

    return [web.get("/openapi.json", get_openapi)]
