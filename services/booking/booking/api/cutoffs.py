"""Administration of the daily cutoff (role admin): run or re-run a date's cutoff now, and
read a date's cutoff state."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import authenticate
from shared.http.problems import json_response
from shared.http.requests import parse_body

from ..service.context import BookingContext
from ..service.cutoff_run import run_cutoff
from ..service.cutoff_state import cutoff_state
from .models import CutoffBody
from .params import path_date

ADMIN = "admin"


def routes(ctx: BookingContext) -> list[web.RouteDef]:
    async def post_cutoff(request: web.Request) -> web.Response:
        admin = await authenticate(request, ADMIN)
        body = await parse_body(request, CutoffBody)
        # 202: the date is closed now; its allocation follows through the allocator.
        return json_response(await run_cutoff(ctx, admin.user_id, body.center, body.date), status=202)

    async def get_cutoff(request: web.Request) -> web.Response:
        await authenticate(request, ADMIN)
        return json_response(await cutoff_state(ctx, request.match_info["center"], path_date(request)))

    return [
        web.post("/api/v1/admin/cutoffs", post_cutoff),
        web.get("/api/v1/admin/cutoffs/{center}/{date}", get_cutoff),
    ]
