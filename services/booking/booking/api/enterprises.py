"""Enterprise directory and the agent's own list."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.openapi import ApiRouter
from shared.http.problems import json_response
from shared.http.requests import parse_body, parse_query

from ..domain.errors import EnterpriseAlreadyAdded, EnterpriseExists, InvalidOrgCode
from ..service import account_throttle
from ..service import enterprises as use
from .context import PATH_PARAMS, TAG, TOKEN_ERRORS, context_of
from .models import (DirectoryQuery, EnterpriseBody, EnterprisePage, EnterpriseView, MyEnterprisePage,
                     MyEnterpriseView, answer)

api = ApiRouter(TAG, path_params=PATH_PARAMS)


@api.get("/api/v1/enterprises", public=True, summary="Look enterprises up by code prefix or part of a name (at most 20)",
         query=DirectoryQuery, response=EnterprisePage)
async def enterprises(request: web.Request) -> web.Response:
    query = parse_query(request, DirectoryQuery)
    items = await use.search_directory(context_of(request), query.q)
    return json_response(answer(EnterprisePage, {"items": items, "next_cursor": None}))


@api.post("/api/v1/enterprises", summary="Register an enterprise the directory does not know",
          body=EnterpriseBody, response=EnterpriseView, status=201, roles=(),
          errors=[*TOKEN_ERRORS, InvalidOrgCode, EnterpriseExists,
                  (429, "enterprise.rate_limited", "Too many enterprises added from this account; retry after Retry-After seconds.")])
async def enterprise(request: web.Request) -> web.Response:
    principal = principal_of(request)
    await account_throttle.check(context_of(request), account_throttle.enterprise_throttle(context_of(request)),
                                 principal.user_id)
    body = await parse_body(request, EnterpriseBody)
    created = await use.register_enterprise(context_of(request), principal.user_id, body.code, body.name)
    return json_response(answer(EnterpriseView, created), status=201)


@api.get("/api/v1/me/enterprises", summary="The agent's own list of enterprises",
         response=MyEnterprisePage, roles=(), errors=TOKEN_ERRORS)
async def my_enterprises(request: web.Request) -> web.Response:
    principal = principal_of(request)
    items = await use.my_enterprises(context_of(request), principal.user_id)
    return json_response(answer(MyEnterprisePage, {"items": items, "next_cursor": None}))


@api.post("/api/v1/me/enterprises", summary="Add an enterprise to the agent's list (and to the directory)",
          body=EnterpriseBody, response=MyEnterpriseView, status=201, roles=(),
          errors=[*TOKEN_ERRORS, InvalidOrgCode, EnterpriseAlreadyAdded,
                  (429, "enterprise.rate_limited", "Too many enterprises added from this account; retry after Retry-After seconds.")])
async def my_enterprise(request: web.Request) -> web.Response:
    principal = principal_of(request)
    await account_throttle.check(context_of(request), account_throttle.enterprise_throttle(context_of(request)),
                                 principal.user_id)
    body = await parse_body(request, EnterpriseBody)
    added = await use.add_my_enterprise(context_of(request), principal.user_id, body.code, body.name)
    return json_response(answer(MyEnterpriseView, added), status=201)


@api.delete("/api/v1/me/enterprises/{org_code}",
            summary="Remove an enterprise from the agent's list (idempotent)", status=204, roles=(),
            errors=TOKEN_ERRORS)
async def my_enterprise_by_code(request: web.Request) -> web.Response:
    principal = principal_of(request)
    await use.remove_my_enterprise(context_of(request), principal.user_id, request.match_info["org_code"])
    return web.Response(status=204)
