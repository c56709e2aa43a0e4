"""Booking's internal routes: called by other services, never by clients. The gateway
does not route ``/internal/`` (deploy/gateway/nginx.conf.template), they are not in the
OpenAPI document (plain aiohttp routes, not ``ApiRouter`` declarations), and each one
needs the services' token (``shared.http.service_token``).

``GET /internal/cutoff-snapshots/{cutoff_id}``: the frozen day an ``allocation.requested``
names (the claim check; ``service/cutoff_close.py`` stores it), as the stored document
bytes (NDJSON, ``shared.contracts.booking``). 404 ``cutoff_snapshot.not_found`` for an id
booking never stored (or stored more than 14 days ago)."""
from __future__ import annotations

import uuid

from aiohttp import web
from pydantic import SecretStr

from shared.contracts.booking import SNAPSHOT_MEDIA_TYPE, SNAPSHOT_PATH
from shared.errors import NotFound
from shared.http.service_token import service_handler

from booking.adapters.snapshots import CutoffSnapshots
from booking.api.context import context_of

async def cutoff_snapshot(request: web.Request) -> web.Response:
    try:
        cutoff_id = uuid.UUID(request.match_info["cutoff_id"])
    except ValueError:
        cutoff_id = None
    document = None
    if cutoff_id is not None:
        async with context_of(request).db.connection() as conn:
            document = await CutoffSnapshots(conn).document(cutoff_id)
    if document is None:
        raise NotFound("No snapshot is stored under this cutoff id.", code="cutoff_snapshot.not_found")
    return web.Response(body=document, content_type=SNAPSHOT_MEDIA_TYPE)


def internal_routes(token: SecretStr | None) -> list[web.RouteDef]:
    return [web.get(SNAPSHOT_PATH, service_handler(cutoff_snapshot, token), allow_head=False)]
