"""GET /api/v1/allocations/{center}/{date}: the day's schedule, for staff and admins."""
from __future__ import annotations

from aiohttp import web

from shared.errors import NotFound
from shared.http.openapi import TOKEN_ERRORS, ApiRouter, Operation

from allocator.api.context import context_of
from allocator.api.models import ScheduleQuery, ScheduleResponse
from allocator.domain.wall_clock import hhmm
from allocator.service.schedule_query import day_schedule

# One declaration per route gives the aiohttp route and its OpenAPI operation
# (allocator.api.openapi); module level, so the document needs no runtime.
api = ApiRouter("allocator", path_params={
    "center": {"description": "a center's id (GET /api/v1/centers)", "example": "qingdao",
               "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"}},
    "date": {"description": "the service date (YYYY-MM-DD)", "example": "2027-03-15",
             "schema": {"type": "string", "format": "date"}}})


class AllocationNotFound(NotFound):
    code = "allocation.not_found"
    title = "No allocation for this day"


@api.get("/api/v1/allocations/{center}/{date}", summary="The day's schedule: desks, segments, queue numbers",
         description="The schedule in force for a center's date once its cutoff is allocated: per period, in queue "
                     "order, each booking's desk, time segment, queue number and estimated times, with the run that "
                     "computed it. Before the allocation: 404 allocation.not_found. For staff and administrators.",
         path_parser=ScheduleQuery, response=ScheduleResponse, roles=("staff", "admin"),
         errors=[AllocationNotFound, *TOKEN_ERRORS])
async def allocation_schedule(request: web.Request, path: ScheduleQuery) -> dict:
    found = await day_schedule(context_of(request), path.center, path.date)
    if found is None:
        raise AllocationNotFound(f"No schedule for {path.center} on {path.date.isoformat()}:"
                                 " its cutoff has not been allocated yet.")
    return schedule_document(path, found.header, found.rows)


def schedule_document(query: ScheduleQuery, header, rows) -> dict:
    stats = header["stats"]
    periods: dict[str, dict] = {}
    for p in stats.get("periods", []):
        periods[p["period"]] = {
            "period": p["period"], "bookings": p["bookings"], "overflow": p["overflow"],
            "desks": [{"desk": i, "last_end": end} for i, end in enumerate(p["desk_last_end"], start=1)],
            "assignments": []}
    for r in rows:
        group = periods.get(r["period"])
        if group is None:  # not in the run's stats: cannot happen, but never hide a booking
            group = periods[r["period"]] = {"period": r["period"], "bookings": 0, "overflow": 0,
                                            "desks": [], "assignments": []}
        group["assignments"].append({
            "booking_id": r["booking_id"], "queue_number": r["queue_number"], "desk": r["desk"],
            "start": hhmm(r["segment_start"]), "end": hhmm(r["segment_end"]),
            "estimated_start": r["estimated_start"].isoformat(timespec="minutes"),
            "estimated_end": r["estimated_end"].isoformat(timespec="minutes"),
            "overflow": r["overflow"]})
    return {
        "center": query.center, "date": query.date.isoformat(),
        "desks": stats.get("desks"), "segment_minutes": stats.get("segment_minutes"),
        "applied_at": header["applied_at"].isoformat(),
        "run": {
            "run_id": str(header["run_id"]), "cutoff_id": header["cutoff_id"],
            "closed_at": header["closed_at"].isoformat(), "created_at": header["created_at"].isoformat(),
            "snapshot_fingerprint": header["snapshot_fingerprint"],
            "policy_fingerprint": header["policy_fingerprint"],
            "schedule_fingerprint": header["schedule_fingerprint"],
            "booking_count": header["booking_count"], "overflow_count": header["overflow_count"],
            "stats": stats},
        "periods": list(periods.values()),
    }


def operations() -> list[Operation]:
    return list(api.operations)


def routes() -> list[web.RouteDef]:
    return api.routes()
