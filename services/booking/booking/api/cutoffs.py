"""Administration of the daily cutoff (role admin): run or re-run a date's cutoff now, and
read a date's cutoff state."""
from __future__ import annotations

from datetime import date

from aiohttp import web

from shared.http.auth import principal_of
from shared.http.openapi import TOKEN_ERRORS, ApiRouter

from booking.service import cutoff_run, cutoff_state as state
from booking.api.context import ADMIN, PATH_PARAMS, TAG, context_of
from booking.api.admin_models import CutoffList, CutoffStateWithRuns, RangeQuery
from booking.api.models import CutoffBody
from booking.api.params import path_date

api = ApiRouter(TAG, path_params=PATH_PARAMS)


@api.post("/api/v1/admin/cutoffs",
          description=("Closes a date of a center now, before its normal cutoff, and requests its allocation; "
                       "a closed date may be allocated again (a re-run, with a reason). The allocation itself "
                       "happens in the allocator: read the state with GET "
                       "/api/v1/admin/cutoffs/{center}/{date}."),
          summary="Close a date now and request its allocation (re-run allowed)",
          body=CutoffBody, response=CutoffStateWithRuns, status=202, roles=ADMIN, errors=TOKEN_ERRORS)
async def cutoff(request: web.Request, body: CutoffBody) -> dict:
    admin = principal_of(request)
    # 202: the date is closed now; its allocation follows through the allocator.
    return await cutoff_run.run_cutoff(context_of(request), admin.user_id, body.center, body.date, body.reason)


@api.get("/api/v1/admin/cutoffs/{center}/{date}",
         description=("A date's cutoff state: open, closed or allocated, with the bookings it froze and every "
                      "allocation run."),
         summary="A date's cutoff state",
         path_parser=path_date, response=CutoffStateWithRuns, roles=ADMIN, errors=TOKEN_ERRORS)
async def cutoff_state(request: web.Request, path: date) -> dict:
    return await state.cutoff_state(context_of(request), request.match_info["center"], path)


@api.get("/api/v1/admin/cutoffs",
         description=("The cutoff states of a center's working days over a range (default: 7 days back to 7 "
                      "days ahead)."),
         summary="The cutoff states of a range of working days (default: today -7..+7 days)",
         query=RangeQuery, response=CutoffList, roles=ADMIN, errors=TOKEN_ERRORS)
async def cutoff_list(request: web.Request, query: RangeQuery) -> dict:
    return await state.cutoff_list(context_of(request), query.center, query.from_, query.to)
