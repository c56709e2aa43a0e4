"""identity's OpenAPI 3.1 document and GET /openapi.json serving it on its own port
(shared.http.openapi.ServiceDocument: the same for every service)."""
from __future__ import annotations

from shared.http.openapi import ServiceDocument

from identity.api import operations

DOCUMENT = ServiceDocument(
    title="Card center: identity",
    description="Accounts, SMS codes, sessions and access tokens, cards (api.md \"Identity\").",
    operations=operations)
openapi_spec = DOCUMENT.spec
openapi_routes = DOCUMENT.routes
