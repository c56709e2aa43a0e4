"""The allocator's OpenAPI 3.1 document, built from its route declarations (no runtime
needed), and GET /openapi.json serving it on the allocator's own port (the gateway serves
the document merged over every service at GET /api/v1/openapi.json: scripts/openapi.py)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.http.openapi import build_spec, spec_routes

from .routes import operations

TITLE = "Card center: allocator"
DESCRIPTION = "The schedule of a closed day: desks, segments and queue numbers."


def openapi_spec() -> dict[str, Any]:
    return build_spec(operations(), title=TITLE, description=DESCRIPTION)


def openapi_routes() -> list[web.RouteDef]:
    return spec_routes(openapi_spec())
