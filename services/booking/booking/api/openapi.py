"""booking's OpenAPI 3.1 document and GET /openapi.json serving it on its own port
(shared.http.openapi.ServiceDocument: the same for every service)."""
from __future__ import annotations

from shared.http.openapi import ServiceDocument

from booking.api import operations

DOCUMENT = ServiceDocument(
    title="Card center: booking",
    description=("Enterprises, the calendar and business types, agents' bookings and rights, the desk, "
                 "and administration (api.md)."),
    operations=operations)
openapi_spec = DOCUMENT.spec
openapi_routes = DOCUMENT.routes
