"""identity's HTTP API (api.md "Identity"): each route's declaration checks its access,
parses its query and body and shapes its answer (shared.http.enforce); a handler calls a
use case with the typed values and returns the data; errors are AppErrors the shared
middleware turns into problem+json.

Each module declares its routes on its own module-level ``ApiRouter`` (one declaration
gives the aiohttp route and its OpenAPI operation); ``ROUTERS`` lists them all. Handlers
read the runtime from ``request.app`` (``identity.api.context``), so ``operations()`` needs
no database."""
from __future__ import annotations

from aiohttp import web

from shared.http.openapi import ApiRouter, Operation

from identity.api import cards, jwks, password_resets, sessions, sms_codes, users

ROUTERS: tuple[ApiRouter, ...] = (sms_codes.api, users.api, password_resets.api, sessions.api, cards.api, jwks.api)


def operations() -> list[Operation]:
    return [op for router in ROUTERS for op in router.operations]


def routes() -> list[web.RouteDef]:
    return [route for router in ROUTERS for route in router.routes()]
