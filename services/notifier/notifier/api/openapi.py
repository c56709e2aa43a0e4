"""The notifier's OpenAPI 3.1 document and GET /openapi.json serving it on its own port
(shared.http.openapi.ServiceDocument: the same for every service)."""
from __future__ import annotations

from shared.http.openapi import ServiceDocument

from notifier.api.notifications import operations

DOCUMENT = ServiceDocument(
    title="Card center: notifier",
    description="The SMS log: every message with its delivery status and provider attempts.",
    operations=operations)
openapi_spec = DOCUMENT.spec
openapi_routes = DOCUMENT.routes
