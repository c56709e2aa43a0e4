"""``/healthz`` (the process answers), ``/readyz`` (database and broker reachable, schema
migrated at least as far as this code needs) and ``/metrics`` (Prometheus text)."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.schema_state import expected_versions, missing_versions
from shared.http.access import public_handler
from shared.http.problems import json_response

if TYPE_CHECKING:
    from shared.app import Runtime


def health_routes(runtime: Runtime) -> list[web.RouteDef]:
    async def healthz(_request: web.Request) -> web.Response:
        return json_response({"status": "ok", "service": runtime.settings.service_name})

    expected = expected_versions(runtime.settings.db_schema, runtime.migrations)

    async def readyz(_request: web.Request) -> web.Response:
        checks = {"database": "ok", "broker": "ok", "schema": "ok"}
        missing: list[str] = []
        try:
            async with runtime.db.connection() as conn:
                missing = await asyncio.wait_for(missing_versions(conn, runtime.settings.db_schema, expected), 2.0)
        except Exception as exc:
            checks["database"], checks["schema"] = type(exc).__name__, "unknown"
        if missing:
            # Migrations not applied yet (the release's migration Job has not finished).
            checks["schema"] = "behind"
        if runtime.bus is None or not runtime.bus.is_connected:
            checks["broker"] = "not connected"
        elif not runtime.consumers_ready:
            checks["broker"] = "consumers not started"
        ready = all(v == "ok" for v in checks.values())
        body: dict[str, Any] = {"status": "ready" if ready else "not ready", "checks": checks}
        if missing:
            body["missing_migrations"] = missing
        return json_response(body, status=200 if ready else 503)

    async def metrics(_request: web.Request) -> web.Response:
        body = generate_latest(runtime.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    # Public on the service port: probes and Prometheus; who reaches the port at all is the
    # NetworkPolicy's job (deploy/k8s/network-policies.yaml), and the gateway does not route them.
    return [web.get("/healthz", public_handler(healthz)), web.get("/readyz", public_handler(readyz)),
            web.get("/metrics", public_handler(metrics))]
