"""Administration: capacity per (date, period), never below what is booked; daily
statistics by period, business type and status; the admin role is required."""
from __future__ import annotations


async def put_capacity(service, headers, capacity, period="AM", **overrides):
    body = {"center": service.center, "date": service.tuesday.isoformat(), "period": period,
            "capacity": capacity, **overrides}
    return await service.client.put("/api/v1/admin/capacity", headers=headers, json=body)


async def test_capacity_cannot_go_below_what_is_booked(service, refused):
    await service.booked(service.agent(), lines=3)
    problem = await refused(await put_capacity(service, service.admin(), 2), 409)
    assert (problem["code"], problem["booked"]) == ("capacity.below_booked", 3)
    r = await put_capacity(service, service.admin(), 3)
    assert await r.json() == {"center": service.center, "date": "2025-11-18", "period": "AM",
                              "capacity": 3, "booked": 3, "remaining": 0}
    assert (await refused(await service.book(service.agent()), 409))["code"] == "booking.capacity_exhausted"


async def test_capacity_can_be_set_before_anything_is_booked_and_raised(service):
    assert (await put_capacity(service, service.admin(), 0, period="PM")).status == 200
    assert await service.remaining(service.tuesday, "PM") == 0
    assert (await put_capacity(service, service.admin(), 60, period="PM")).status == 200
    assert await service.remaining(service.tuesday, "PM") == 60


async def test_capacity_requests_are_checked(service, refused):
    r = await put_capacity(service, service.agent(), 10)
    assert (await refused(r, 403))["code"] == "auth.forbidden"
    await refused(await service.client.put("/api/v1/admin/capacity", json={}), 401)
    for bad in ({"capacity": -1}, {"capacity": "10"}, {"center": "atlantis"}, {"date": "tomorrow"}):
        r = await put_capacity(service, service.admin(), **{"capacity": 10, **bad})
        assert (await refused(r, 422))["code"] == "validation_error", bad
    r = await put_capacity(service, service.admin(), 10, period="NIGHT")
    assert (await refused(r, 422))["code"] == "booking.period_unknown"


async def test_daily_statistics(service, refused):
    await service.booked(service.agent(), lines=2)                 # AM, RENEW_UNLOCK x2 each
    body = service.body(period="PM")
    body["enterprises"] = [{"org_code": body["enterprises"][0]["org_code"],
                            "businesses": [{"type": "CHANGE_INFO"}, {"type": "DECLARANT_CARD", "count": 3}]}]
    await service.booked(service.agent(), body)
    canceller = service.agent()
    cancelled = await service.booked(canceller)
    r = await service.client.post(f"/api/v1/bookings/{cancelled['id']}/cancel", headers=canceller)
    assert r.status == 200

    r = await service.client.get(f"/api/v1/admin/stats/{service.center}/2025-11-18", headers=service.admin())
    stats = await r.json()
    periods = [{k: v for k, v in p.items() if k != "business_types"} for p in stats["periods"]]
    assert periods == [
        {"code": "AM", "capacity": 40, "booked": 2, "remaining": 38, "bookings": 1, "enterprise_lines": 2},
        {"code": "PM", "capacity": 40, "booked": 1, "remaining": 39, "bookings": 1, "enterprise_lines": 1}]
    # Per period and business type (active lines); the cancelled booking's line is not there.
    am, pm = ({t["type"]: t for t in p["business_types"] if t["enterprises"]} for p in stats["periods"])
    assert am == {"RENEW_UNLOCK": {"type": "RENEW_UNLOCK", "enterprises": 2, "cards": 4}}
    assert pm == {"CHANGE_INFO": {"type": "CHANGE_INFO", "enterprises": 1, "cards": 0},
                  "DECLARANT_CARD": {"type": "DECLARANT_CARD", "enterprises": 1, "cards": 3}}
    assert stats["totals"] == {"bookings": 2, "enterprise_lines": 3, "cards": 7, "cancelled_bookings": 1,
                               "cancelled_lines": 1, "no_shows": 0}
    assert stats["statuses"] == {"confirmed": 2, "allocated": 0, "checked_in": 0, "completed": 0,
                                 "no_show": 0, "cancelled": 1}
    by_type = {t["type"]: t for t in stats["business_types"]}
    assert by_type["RENEW_UNLOCK"] == {"type": "RENEW_UNLOCK", "enterprises": 2, "cards": 4}
    assert by_type["DECLARANT_CARD"] == {"type": "DECLARANT_CARD", "enterprises": 1, "cards": 3}
    assert by_type["CHANGE_INFO"] == {"type": "CHANGE_INFO", "enterprises": 1, "cards": 0}
    assert by_type["NEW_CARD"]["enterprises"] == 0

    r = await service.client.get(f"/api/v1/admin/stats/{service.center}/2025-11-18", headers=service.agent())
    await refused(r, 403)
