"""booking's OpenAPI 3.1 document, built from its route declarations (no runtime needed),
and GET /openapi.json serving it on booking's own port (the gateway serves the document
merged over every service at GET /api/v1/openapi.json: scripts/openapi.py)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.http.openapi import build_spec, spec_routes

from . import operations

TITLE = "Card center: booking"
DESCRIPTION = ("Enterprises, the calendar and business types, agents' bookings and rights, the desk, "
               "and administration (api.md).")


def openapi_spec() -> dict[str, Any]:
    return build_spec(operations(), title=TITLE, description=DESCRIPTION)


def openapi_routes() -> list[web.RouteDef]:
    return spec_routes(openapi_spec())
