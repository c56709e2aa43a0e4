"""Enterprise directory and the agent's own list."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import authenticate
from shared.http.problems import json_response
from shared.http.requests import parse_body, parse_query

from ..service import enterprises as use
from ..service.context import BookingContext
from .models import DirectoryQuery, EnterpriseBody


def routes(ctx: BookingContext) -> list[web.RouteDef]:
    async def search(request: web.Request) -> web.Response:
        query = parse_query(request, DirectoryQuery)
        return json_response({"items": await use.search_directory(ctx, query.q), "next_cursor": None})

    async def register(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        body = await parse_body(request, EnterpriseBody)
        return json_response(await use.register_enterprise(ctx, principal.user_id, body.code, body.name),
                             status=201)

    async def mine(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        return json_response({"items": await use.my_enterprises(ctx, principal.user_id), "next_cursor": None})

    async def add_mine(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        body = await parse_body(request, EnterpriseBody)
        return json_response(await use.add_my_enterprise(ctx, principal.user_id, body.code, body.name),
                             status=201)

    async def remove_mine(request: web.Request) -> web.Response:
        principal = await authenticate(request)
        await use.remove_my_enterprise(ctx, principal.user_id, request.match_info["org_code"])
        return web.Response(status=204)

    return [
        web.get("/api/v1/enterprises", search),
        web.post("/api/v1/enterprises", register),
        web.get("/api/v1/me/enterprises", mine),
        web.post("/api/v1/me/enterprises", add_mine),
        web.delete("/api/v1/me/enterprises/{org_code}", remove_mine),
    ]
