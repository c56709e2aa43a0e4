"""The allocator's OpenAPI 3.1 document and GET /openapi.json serving it on its own port
(shared.http.openapi.ServiceDocument: the same for every service)."""
from __future__ import annotations

from shared.http.openapi import ServiceDocument

from allocator.api.routes import operations

DOCUMENT = ServiceDocument(
    title="Card center: allocator",
    description="The schedule of a closed day: desks, segments and queue numbers.",
    operations=operations)
openapi_spec = DOCUMENT.spec
openapi_routes = DOCUMENT.routes
