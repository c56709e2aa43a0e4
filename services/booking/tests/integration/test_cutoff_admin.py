"""POST /api/v1/admin/cutoffs (run a date's cutoff now, or again) and GET its state: admins
only; an early close stops bookings and cancellations and is not repeated by the
scheduler; a re-run asks the allocator again but tells no agent twice."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")


async def test_cutoffs_are_for_administrators(service, refused):
    path = f"/api/v1/admin/cutoffs/{service.center}/2025-11-18"
    body = {"center": service.center, "date": "2025-11-18"}
    for headers in (service.agent(), service.staff()):
        assert (await refused(await service.client.get(path, headers=headers), 403))["code"] == "auth.forbidden"
        r = await service.client.post("/api/v1/admin/cutoffs", headers=headers, json=body)
        assert (await refused(r, 403))["code"] == "auth.forbidden"
    await refused(await service.client.get(path), 401)
    await refused(await service.client.post("/api/v1/admin/cutoffs", json=body), 401)
    assert (await service.cutoff(service.tuesday))["status"] == "open"   # nothing was closed


async def test_any_date_has_a_state_and_bad_input_is_422(service, refused):
    state = await service.cutoff(datetime(2025, 12, 25).date())
    assert state == {"center": service.center, "date": "2025-12-25", "status": "open", "bookings": 0,
                     "cutoff_at": "2025-12-24T15:00:00+08:00", "closed_at": None, "closed_by": None,
                     "allocated_at": None, "cutoff_id": None, "requested_at": None, "requests": 0,
                     "snapshot_bookings": None, "runs": []}
    admin = service.admin()
    r = await service.client.get(f"/api/v1/admin/cutoffs/{service.center}/2025-13-01", headers=admin)
    assert (await refused(r, 422))["code"] == "validation_error"
    r = await service.client.get("/api/v1/admin/cutoffs/nowhere/2025-11-18", headers=admin)
    assert (await refused(r, 422))["code"] == "validation_error"
    for body in ({"center": "nowhere", "date": "2025-11-18"}, {"center": service.center}, {}):
        r = await service.client.post("/api/v1/admin/cutoffs", headers=admin, json=body)
        assert (await refused(r, 422))["code"] == "validation_error"


async def test_an_early_close_stops_changes_and_the_scheduler_does_not_repeat_it(service, refused):
    agent = service.agent()
    booking = await service.booked(agent)
    await service.booked(service.agent(), day=service.wednesday)
    admin_id = "admin-early"
    r = await service.client.post("/api/v1/admin/cutoffs", headers=service.headers(admin_id, ("admin",)),
                                  json={"center": service.center, "date": "2025-11-18"})
    assert r.status == 202
    state = await r.json()
    assert (state["status"], state["closed_by"], state["requests"], state["bookings"]) == (
        "closed", admin_id, 1, 1)
    assert state["closed_at"].startswith("2025-11-17T10:00")        # now, not at 15:00

    problem = await refused(await service.book(service.agent()), 422)
    assert (problem["code"], problem["reason"]) == ("booking.date_not_bookable", "closed")
    r = await service.client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=agent)
    assert (await refused(r, 409))["code"] == "booking.cutoff_passed"

    # Past Tuesday's normal cutoff, and Wednesday's: once Wednesday is closed, the scheduler
    # has been through Tuesday too and left it alone.
    await service.at(datetime(2025, 11, 17, 15, 0, 1, tzinfo=SH))
    await service.at(datetime(2025, 11, 18, 15, 0, 1, tzinfo=SH))
    await service.cutoff_reaches(service.wednesday, "closed")
    state = await service.cutoff(service.tuesday)
    assert (state["requests"], state["closed_by"]) == (1, admin_id)
    async with service.db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE type = 'allocation.requested'"
                                   " AND envelope->'data'->>'center' = $1"
                                   " AND envelope->'data'->>'date' = '2025-11-18'", service.center) == 1


async def test_a_rerun_asks_again_but_tells_no_agent_twice(service, allocator, probe, collect):
    await service.consumers_ready()
    told = await probe("booking.allocated", "allocation.requested")
    made = [await service.booked(service.agent(), period=p) for p in ("AM", "AM", "PM")]
    ids = {b["id"] for b in made}
    await service.at(datetime(2025, 11, 17, 15, 0, 1, tzinfo=SH))
    first = await service.cutoff_reaches(service.tuesday, "allocated")

    await service.at(datetime(2025, 11, 17, 16, 0, tzinfo=SH))
    r = await service.run_cutoff(service.tuesday)
    assert r.status == 202
    assert (await r.json())["requests"] == 2
    again = await service.cutoff_reaches(service.tuesday, "allocated", requests=2)
    assert again["closed_at"] == first["closed_at"]                 # a closed date stays closed
    assert again["cutoff_id"] != first["cutoff_id"]
    assert again["allocated_at"].startswith("2025-11-17T16:00")

    def settled(got):
        return len([e for e in got if e["type"] == "allocation.requested"
                    and e["data"]["center"] == service.center]) >= 2
    events = await collect(told, settled, settle=1.5)
    requests = [e["data"] for e in events if e["type"] == "allocation.requested"
                and e["data"]["center"] == service.center]
    assert [r["cutoff_id"] for r in requests] == [first["cutoff_id"], again["cutoff_id"]]
    # Two snapshots, one per request, holding the same day.
    first_day, second_day = [await service.snapshot(r) for r in requests]
    assert first_day["bookings"] == second_day["bookings"] and len(first_day["bookings"]) == 3
    assert requests[0]["snapshot_sha256"] != requests[1]["snapshot_sha256"]   # the cutoff id differs
    told_about = sorted(e["data"]["booking_id"] for e in events
                        if e["type"] == "booking.allocated" and e["data"]["booking_id"] in ids)
    assert told_about == sorted(ids)                                # once each, not twice
    assert len(await service.outbox("booking.allocated", ids)) == 3


async def test_the_allocation_request_is_caused_by_the_admins_request_at_the_service_clocks_time(service):
    """The close's unit of work: allocation.requested carries the HTTP request's id as its
    correlation and causation, and the close's instant (the service clock, moved) as its time."""
    r = await service.client.post("/api/v1/admin/cutoffs", headers={**service.admin(), "X-Request-ID": "req-close-1"},
                                  json={"center": service.center, "date": "2025-11-18"})
    assert r.status == 202
    state = await r.json()
    async with service.db.connection() as conn:
        rows = await conn.fetch("SELECT envelope FROM outbox WHERE type = 'allocation.requested'"
                                " AND envelope->'data'->>'cutoff_id' = $1", state["cutoff_id"])
    assert len(rows) == 1
    env = rows[0]["envelope"]
    assert (env["producer"], env["version"], env["correlation_id"], env["causation_id"]) == (
        "booking", 2, "req-close-1", "req-close-1")
    occurred_at = datetime.fromisoformat(env["occurred_at"])
    assert occurred_at == datetime.fromisoformat(state["closed_at"])    # the close's one instant
    assert occurred_at.astimezone(SH).date().isoformat() == "2025-11-17"  # the moved clock, not the wall's
