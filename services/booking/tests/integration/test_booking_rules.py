"""POST /api/v1/bookings: a booking that keeps every rule is confirmed; each request
that breaks exactly one rule gets that rule's own refusal code (api.md)."""
from __future__ import annotations

import pytest


def line(code, *types, count=None):
    return {"org_code": code, "businesses": [{"type": t, **({"count": count} if count else {})} for t in types]}


async def test_a_booking_is_confirmed_with_every_detail(service, org_codes, credit_code):
    agent = service.agent()
    a, b = org_codes(2)
    body = service.body(service.wednesday, "PM", codes=[a, b], phone="13800001111")
    body["enterprises"] = [line(a, "RENEW_UNLOCK", "BUY_READER", count=3),
                           {"org_code": credit_code(b), "businesses": [{"type": "NEW_CARD"}]}]
    r = await service.book(agent, body)
    assert r.status == 201
    booking = await r.json()
    assert {k: booking[k] for k in ("center", "date", "period", "status", "contact_name", "contact_phone")} == {
        "center": service.center, "date": "2025-11-19", "period": "PM", "status": "confirmed",
        "contact_name": "张三", "contact_phone": "13800001111"}
    assert booking["enterprises"] == [
        {"org_code": a, "name": "", "status": "active",
         "businesses": [{"type": "RENEW_UNLOCK", "count": 3}, {"type": "BUY_READER", "count": 3}]},
        {"org_code": b, "name": "", "status": "active", "businesses": [{"type": "NEW_CARD", "count": None}]}]
    assert booking["allocation"] is None
    assert booking["sms"] == {"status": "pending", "resend_available": True}
    assert booking["created_at"].startswith("2025-11-17T10:00") and booking["created_at"].endswith("+08:00")
    assert await service.remaining(service.wednesday, "PM") == 38

    r = await service.client.get(f"/api/v1/bookings/{booking['id']}", headers=agent)
    assert await r.json() == booking


async def test_bookings_need_a_signed_in_agent(service, refused):
    r = await service.client.post("/api/v1/bookings", json=service.body())
    await refused(r, 401)


@pytest.mark.parametrize("breaks, change", [
    ("no contact name", lambda body, codes: body.pop("contact_name")),
    ("no date", lambda body, codes: body.pop("date")),
    ("not a date", lambda body, codes: body.update(date="18/11/2025")),
    ("no enterprises", lambda body, codes: body.update(enterprises=[])),
    ("eleven enterprises", lambda body, codes: body.update(enterprises=[line(c, "NEW_CARD") for c in codes])),
    ("same enterprise twice", lambda body, codes: body.update(enterprises=[body["enterprises"][0]] * 2)),
    ("unknown business type", lambda body, codes: body["enterprises"][0].update(businesses=[{"type": "FAX"}])),
    ("no business type", lambda body, codes: body["enterprises"][0].update(businesses=[])),
    ("count out of range", lambda body, codes: body["enterprises"][0].update(
        businesses=[{"type": "RENEW_UNLOCK", "count": 100}])),
    ("bad phone", lambda body, codes: body.update(contact_phone="1380000000")),
    ("landline", lambda body, codes: body.update(contact_phone="05328888888")),
    ("unknown center", lambda body, codes: body.update(center="atlantis")),
])
async def test_malformed_requests_are_validation_errors(service, org_codes, refused, breaks, change):
    body = service.body()
    change(body, org_codes(11))
    problem = await refused(await service.book(service.agent(), body), 422)
    assert problem["code"] == "validation_error", breaks
    assert problem["errors"] and all({"field", "message"} <= set(e) for e in problem["errors"])


async def test_ten_enterprises_are_fine(service):
    booking = await service.booked(service.agent(), lines=10)
    assert len(booking["enterprises"]) == 10


@pytest.mark.parametrize("types, code", [
    (["NEW_CARD", "BUY_READER"], "booking.business_conflict"),
    (["PRE_ENTRY", "CHANGE_INFO"], "booking.business_conflict"),
    (["CHANGE_INFO", "RENEW_UNLOCK"], "booking.business_conflict"),
])
async def test_exclusive_business_types_are_refused(service, org_codes, refused, types, code):
    body = service.body()
    body["enterprises"][0]["businesses"] = [{"type": t, **({"count": 1} if t == "RENEW_UNLOCK" else {})}
                                            for t in types]
    assert (await refused(await service.book(service.agent(), body), 422))["code"] == code


async def test_a_card_count_is_required_where_the_type_needs_one(service, refused):
    body = service.body()
    body["enterprises"][0]["businesses"] = [{"type": "DECLARANT_CARD"}]
    problem = await refused(await service.book(service.agent(), body), 422)
    assert problem["code"] == "booking.count_required"
    assert problem["field"] == "enterprises[0].businesses[0].count"


async def test_an_invalid_org_code_is_refused(service, org_codes, refused):
    [code] = org_codes()
    body = service.body()
    body["enterprises"][0]["org_code"] = code[:8] + ("1" if code[8] != "1" else "2")
    problem = await refused(await service.book(service.agent(), body), 422)
    assert (problem["code"], problem["field"]) == ("enterprise.code_invalid", "enterprises[0].org_code")


async def test_a_period_the_center_does_not_have_is_refused(service, refused):
    r = await service.book(service.agent(), period="EVENING")
    assert (await refused(r, 422))["code"] == "booking.period_unknown"


async def test_a_booking_larger_than_what_is_left_is_refused(service, refused):
    await service.set_capacity(service.tuesday, "AM", 3)
    await service.booked(service.agent(), lines=2)
    problem = await refused(await service.book(service.agent(), lines=2), 409)
    assert (problem["code"], problem["remaining"]) == ("booking.capacity_exhausted", 1)
    await service.booked(service.agent(), lines=1)          # exactly what was left
    assert await service.remaining(service.tuesday, "AM") == 0


async def test_one_booking_per_agent_per_period(service, refused):
    agent = service.agent()
    await service.booked(agent, period="AM")
    r = await service.book(agent, period="AM")
    assert (await refused(r, 409))["code"] == "booking.duplicate_period"
    await service.booked(agent, period="PM")                   # another period is fine
    await service.booked(agent, day=service.wednesday, period="AM")


async def test_one_booking_per_phone_per_period(service, phones, refused):
    phone = phones()
    await service.booked(service.agent(), phone=phone)
    r = await service.book(service.agent(), phone=phone)      # another agent, same phone
    problem = await refused(r, 409)
    assert problem["code"] == "booking.duplicate_period"
    assert "booking_id" not in problem                        # someone else's booking stays hidden
    await service.booked(service.agent(), phone=phone, period="PM")


async def test_an_enterprise_once_per_date(service, org_codes, refused):
    shared, other = org_codes(2)
    await service.booked(service.agent(), codes=[shared], period="AM")
    r = await service.book(service.agent(), codes=[other, shared], period="PM")
    problem = await refused(r, 409)
    assert (problem["code"], problem["org_codes"]) == ("booking.enterprise_already_booked", [shared])
    await service.booked(service.agent(), codes=[shared], day=service.wednesday)   # another date is fine


async def test_a_refused_booking_takes_no_capacity(service, refused):
    agent = service.agent()
    await service.booked(agent, lines=3)
    await refused(await service.book(agent, lines=4), 409)
    assert await service.remaining(service.tuesday, "AM") == 37
