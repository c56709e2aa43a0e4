"""Booking's internal snapshot route as the allocator calls it (shared.contracts.booking
SNAPSHOT_PATH, the services' token), serving the documents of the days a test or benchmark
requests: the allocator's integration tests and benchmarks/allocation_end_to_end.py. A day
is allocation.requested's ``data`` with its ``bookings`` inline."""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

import orjson
from aiohttp import web
from pydantic import SecretStr

from shared.contracts.booking import SNAPSHOT_MEDIA_TYPE, SNAPSHOT_PATH
from shared.http.service_token import service_handler


def document(day: dict) -> bytes:
    """The snapshot document booking would store for ``day``: a header line, then one
    booking per line (shared.contracts.booking)."""
    header = {k: v for k, v in day.items() if k != "bookings"} | {"booking_count": len(day["bookings"])}
    return b"".join(orjson.dumps(item) + b"\n" for item in [header, *day["bookings"]])


@dataclass
class SnapshotRoute:
    """The documents by cutoff id, the token the route demands, an outage to force (503
    while "booking is down") and how often it was called."""
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    documents: dict[str, bytes] = field(default_factory=dict)
    down: bool = False
    calls: int = 0

    def app(self) -> web.Application:
        async def snapshot(request: web.Request) -> web.Response:
            self.calls += 1
            if self.down:
                return web.Response(status=503)
            body = self.documents.get(request.match_info["cutoff_id"])
            if body is None:
                return web.Response(status=404)
            return web.Response(body=body, content_type=SNAPSHOT_MEDIA_TYPE)
        app = web.Application()
        app.add_routes([web.get(SNAPSHOT_PATH, service_handler(snapshot, SecretStr(self.token)))])
        return app

    def request(self, day: dict) -> dict:
        """allocation.requested's ``data`` naming ``day``, its document now served."""
        body = document(day)
        self.documents[day["cutoff_id"]] = body
        return {"center": day["center"], "date": day["date"], "cutoff_id": day["cutoff_id"],
                "closed_at": day["closed_at"], "booking_count": len(day["bookings"]),
                "snapshot_path": SNAPSHOT_PATH.format(cutoff_id=day["cutoff_id"]),
                "snapshot_sha256": hashlib.sha256(body).hexdigest(), "snapshot_bytes": len(body)}
