"""The notifier's OpenAPI 3.1 document, built from its route declarations, and
GET /openapi.json serving it on the notifier's own port (the gateway serves the document
merged over every service: scripts/openapi.py)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.http.openapi import build_spec, spec_routes

from .notifications import operations

TITLE = "Card center: notifier"
DESCRIPTION = "The SMS log: every message with its delivery status and provider attempts."


def openapi_spec() -> dict[str, Any]:
    return build_spec(operations(), title=TITLE, description=DESCRIPTION)


def openapi_routes() -> list[web.RouteDef]:
    return spec_routes(openapi_spec())
