"""Not a test module: ``python tests/security/route_variants.py VARIANT`` serves the notifier
with its route declarations altered the way a careless change would, for
test_route_access_gateway.py:

- ``as-declared``: unchanged (the baseline the other variants are compared with);
- ``admin-only``: GET /api/v1/notifications declared ``roles=("admin",)``, staff removed;
- ``undeclared``: one more route declared with no access at all.

Only the declaration changes: whether the answer changes with it shows the router, not the
handler, decides who gets in."""
from __future__ import annotations

import dataclasses
import sys

from aiohttp import web

from notifier.api import notifications
from notifier.app import MIGRATIONS, create_app
from notifier.settings import NotifierSettings
from shared.runner import main


def alter(variant: str) -> None:
    ops = notifications.api.operations
    if variant == "admin-only":
        ops[:] = [dataclasses.replace(op, roles=("admin",)) if op.path == "/api/v1/notifications" else op
                  for op in ops]
    elif variant == "undeclared":
        @notifications.api.get("/api/v1/notifications/export", summary="a route someone forgot to protect")
        async def export(_request: web.Request) -> web.Response:
            return web.json_response({"everything": "nobody checked who asked"})
    elif variant != "as-declared":
        raise SystemExit(f"unknown variant {variant}")


if __name__ == "__main__":
    alter(sys.argv[1])
    sys.exit(main(NotifierSettings, create_app, MIGRATIONS, argv=["serve"]))
