"""Cancelling a whole booking or one of its enterprise lines, before the cutoff only;
capacity comes back at once."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")


async def cancel(service, headers, booking_id, org_code=None):
    path = f"/api/v1/bookings/{booking_id}" + (f"/enterprises/{org_code}" if org_code else "") + "/cancel"
    return await service.client.post(path, headers=headers)


async def test_cancel_then_book_the_same_period_again(service, phones):
    agent, phone = service.agent(), phones()
    await service.set_capacity(service.tuesday, "AM", 2)
    first = await service.booked(agent, phone=phone, lines=2)
    assert await service.remaining(service.tuesday, "AM") == 0
    r = await cancel(service, agent, first["id"])
    assert r.status == 200
    cancelled = await r.json()
    assert cancelled["status"] == "cancelled"
    assert [e["status"] for e in cancelled["enterprises"]] == ["cancelled", "cancelled"]
    assert await service.remaining(service.tuesday, "AM") == 2
    # Same agent, same phone, same enterprises, same period: all free again.
    body = service.body(phone=phone, codes=[e["org_code"] for e in first["enterprises"]])
    second = await service.booked(agent, body)
    assert second["id"] != first["id"]


async def test_cancelling_twice_is_refused(service, refused):
    agent = service.agent()
    booking = await service.booked(agent)
    assert (await cancel(service, agent, booking["id"])).status == 200
    r = await cancel(service, agent, booking["id"])
    assert (await refused(r, 409))["code"] == "booking.not_active"
    r = await cancel(service, agent, booking["id"], booking["enterprises"][0]["org_code"])
    assert (await refused(r, 409))["code"] == "booking.not_active"
    assert await service.remaining(service.tuesday, "AM") == 40


async def test_cancel_one_line_then_the_last_one(service, credit_code, refused):
    agent = service.agent()
    booking = await service.booked(agent, lines=2)
    first, second = (e["org_code"] for e in booking["enterprises"])
    r = await cancel(service, agent, booking["id"], first)
    body = await r.json()
    assert (body["status"], [e["status"] for e in body["enterprises"]]) == ("confirmed", ["cancelled", "active"])
    assert await service.remaining(service.tuesday, "AM") == 39
    r = await cancel(service, agent, booking["id"], first)
    assert (await refused(r, 409))["code"] == "booking.not_active"
    # The line may be named by its credit code too; it is the last one, so the booking goes.
    r = await cancel(service, agent, booking["id"], credit_code(second))
    body = await r.json()
    assert (body["status"], [e["status"] for e in body["enterprises"]]) == ("cancelled", ["cancelled", "cancelled"])
    assert await service.remaining(service.tuesday, "AM") == 40


async def test_a_line_the_booking_does_not_have_is_404(service, org_codes, refused):
    agent = service.agent()
    booking = await service.booked(agent)
    [other] = org_codes()
    r = await cancel(service, agent, booking["id"], other)
    assert (await refused(r, 404))["code"] == "booking.line_not_found"


async def test_no_cancelling_after_the_cutoff(service, refused):
    agent = service.agent()
    booking = await service.booked(agent, lines=2)               # Tuesday: cutoff Monday 15:00
    await service.at(datetime(2025, 11, 17, 15, 0, tzinfo=SH))
    r = await cancel(service, agent, booking["id"])
    problem = await refused(r, 409)
    assert problem["code"] == "booking.cutoff_passed"
    r = await cancel(service, agent, booking["id"], booking["enterprises"][0]["org_code"])
    assert (await refused(r, 409))["code"] == "booking.cutoff_passed"
    r = await service.client.get(f"/api/v1/bookings/{booking['id']}", headers=agent)
    assert (await r.json())["status"] == "confirmed"
    assert await service.remaining(service.tuesday, "AM") == 38


async def test_another_agents_booking_is_404_for_reading_cancelling_and_resending(service, refused):
    owner, stranger = service.agent(), service.agent()
    booking = await service.booked(owner)
    bid, code = booking["id"], booking["enterprises"][0]["org_code"]
    for r in (await service.client.get(f"/api/v1/bookings/{bid}", headers=stranger),
              await cancel(service, stranger, bid),
              await cancel(service, stranger, bid, code),
              await service.client.post(f"/api/v1/bookings/{bid}/sms-resend", headers=stranger),
              await service.client.get("/api/v1/bookings/not-a-uuid", headers=stranger)):
        assert (await refused(r, 404))["code"] == "booking.not_found"
    r = await service.client.get("/api/v1/bookings", headers=stranger)
    assert (await r.json())["items"] == []
    # Untouched by all that.
    r = await service.client.get(f"/api/v1/bookings/{bid}", headers=owner)
    body = await r.json()
    assert (body["status"], body["sms"]["resend_available"]) == ("confirmed", True)
