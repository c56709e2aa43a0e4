"""Enterprise directory and the agent's own list."""
from __future__ import annotations

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.openapi import TOKEN_ERRORS, ApiRouter

from booking.domain.errors import EnterpriseAlreadyAdded, EnterpriseExists, InvalidOrgCode
from booking.service import account_throttle
from booking.service import enterprises as use
from booking.api.context import PATH_PARAMS, TAG, context_of
from booking.api.models import DirectoryQuery, EnterpriseBody, EnterprisePage, EnterpriseView, MyEnterprisePage, MyEnterpriseView

api = ApiRouter(TAG, path_params=PATH_PARAMS)
# The per-account throttle of service/account_throttle.py.
ENTERPRISES_LIMITED = (429, "enterprise.rate_limited",
                       "Too many enterprises added from this account; retry after Retry-After seconds.")


async def enterprise_throttle(request: web.Request) -> None:
    """The account's budget of new enterprises, before the body is read."""
    ctx = context_of(request)
    await account_throttle.check(ctx, account_throttle.enterprise_throttle(ctx), principal_of(request).user_id)


@api.get("/api/v1/enterprises",
         description=("Looks the enterprise directory up by the start of an organisation code or a part of a "
                      "name (2 characters or more): at most 20 enterprises, for the booking form's search."),
         public=True, summary="Look enterprises up by code prefix or part of a name (at most 20)",
         query=DirectoryQuery, response=EnterprisePage)
async def enterprises(request: web.Request, query: DirectoryQuery) -> dict:
    return {"items": await use.search_directory(context_of(request), query.q), "next_cursor": None}


@api.post("/api/v1/enterprises",
          description=("Adds an enterprise the directory does not know yet: its 9-character organisation code "
                       "(组织机构代码) or 18-character unified social credit code (统一社会信用代码), check characters "
                       "verified, stored as the 9-character code, and its name."),
          summary="Register an enterprise the directory does not know",
          body=EnterpriseBody, response=EnterpriseView, status=201, roles=(),
          errors=[*TOKEN_ERRORS, InvalidOrgCode, EnterpriseExists,
                  ENTERPRISES_LIMITED], checks=[enterprise_throttle])
async def enterprise(request: web.Request, body: EnterpriseBody) -> dict:
    principal = principal_of(request)
    return await use.register_enterprise(context_of(request), principal.user_id, body.code, body.name)


@api.get("/api/v1/me/enterprises",
         description=("The enterprises the agent handles: the booking form offers them."),
         summary="The agent's own list of enterprises",
         response=MyEnterprisePage, roles=(), errors=TOKEN_ERRORS)
async def my_enterprises(request: web.Request) -> dict:
    principal = principal_of(request)
    return {"items": await use.my_enterprises(context_of(request), principal.user_id), "next_cursor": None}


@api.post("/api/v1/me/enterprises",
          description=("Adds an enterprise to the agent's own list (and to the directory when it is new). "
                       "Limited per account (enterprise.rate_limited)."),
          summary="Add an enterprise to the agent's list (and to the directory)",
          body=EnterpriseBody, response=MyEnterpriseView, status=201, roles=(),
          errors=[*TOKEN_ERRORS, InvalidOrgCode, EnterpriseAlreadyAdded,
                  ENTERPRISES_LIMITED], checks=[enterprise_throttle])
async def my_enterprise(request: web.Request, body: EnterpriseBody) -> dict:
    principal = principal_of(request)
    return await use.add_my_enterprise(context_of(request), principal.user_id, body.code, body.name)


@api.delete("/api/v1/me/enterprises/{org_code}",
            description=("Removes an enterprise from the agent's list; bookings already made keep it. Removing "
                         "one that is not in the list is not an error."),
            summary="Remove an enterprise from the agent's list (idempotent)", status=204, roles=(),
            errors=TOKEN_ERRORS)
async def my_enterprise_by_code(request: web.Request) -> None:
    principal = principal_of(request)
    await use.remove_my_enterprise(context_of(request), principal.user_id, request.match_info["org_code"])
