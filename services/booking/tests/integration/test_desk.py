"""The desk routes: staff (and admins) only, and their refusals. The day itself is walked
in test_service_day.py."""
from __future__ import annotations

import uuid


async def allocated(service, agent, **kw) -> dict:
    """A Tuesday booking, closed and allocated by hand (desk 1, 09:00-09:30)."""
    booking = await service.booked(agent, **kw)
    r = await service.run_cutoff(service.tuesday)
    await service.allocation_completed(service.tuesday, (await r.json())["cutoff_id"], [
        {"booking_id": booking["id"], "period": booking["period"], "desk": 1, "start": "09:00", "end": "09:30",
         "queue_number": "A001"}])
    return booking


async def test_the_desk_is_for_staff_and_admins(service, refused):
    booking = await allocated(service, service.agent())
    agent = service.agent()
    calls = [("GET", "/api/v1/desk/schedule")] + [
        ("POST", f"/api/v1/desk/bookings/{booking['id']}/{action}") for action in ("check-in", "complete", "no-show")]
    for method, path in calls:
        assert (await refused(await service.client.request(method, path, headers=agent), 403))["code"] == "auth.forbidden"
        await refused(await service.client.request(method, path), 401)
    r = await service.client.get("/api/v1/desk/schedule", headers=service.admin(),
                                 params={"center": service.center, "date": "2025-11-18"})
    assert r.status == 200
    assert [b["id"] for b in (await r.json())["items"]] == [booking["id"]]


async def test_the_schedule_defaults_to_today_and_checks_its_input(service, refused):
    await allocated(service, service.agent())
    r = await service.client.get("/api/v1/desk/schedule", headers=service.staff(), params={"center": service.center})
    assert await r.json() == {"center": service.center, "date": "2025-11-17", "items": [], "next_cursor": None}
    for params in ({"center": "nowhere"}, {"center": service.center, "date": "18/11/2025"}):
        r = await service.client.get("/api/v1/desk/schedule", headers=service.staff(), params=params)
        assert (await refused(r, 422))["code"] == "validation_error"


async def test_desk_refusals(service, refused):
    agent = service.agent()
    booking = await allocated(service, agent)
    unallocated = await service.booked(service.agent(), day=service.wednesday)
    for missing in (str(uuid.uuid4()), "not-an-id"):
        assert (await refused(await service.desk("check-in", missing), 404))["code"] == "booking.not_found"
    # On Monday: nobody misses or comes for a day still to come; without an allocation
    # nobody is checked in at all.
    assert (await refused(await service.desk("no-show", booking["id"]), 409))["code"] == "booking.wrong_day"
    assert (await refused(await service.desk("check-in", booking["id"]), 409))["code"] == "booking.wrong_day"
    assert (await refused(await service.desk("check-in", unallocated["id"]), 409))["code"] == "booking.not_active"
    assert (await refused(await service.desk("complete", booking["id"]), 409))["code"] == "booking.not_active"
    # Refusals change nothing and count nothing.
    assert (await service.get_booking(agent, booking["id"]))["status"] == "allocated"
    assert (await service.rights_of(agent))["no_shows"] == 0
