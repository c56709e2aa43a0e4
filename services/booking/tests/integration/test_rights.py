"""Booking rights: the eleventh cancellation suspends for 15 days (the tenth does not),
concurrent cancellations count exactly, a suspended agent can still read and cancel but
not book, every change is audited, and an administrator can lift a suspension."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

from shared.contracts.identity import USER_REGISTERED, UserRegistered


async def rights(service, headers) -> dict:
    r = await service.client.get("/api/v1/me/booking-rights", headers=headers)
    assert r.status == 200
    return await r.json()


async def cancel_line(service, headers, booking_id, org_code):
    r = await service.client.post(f"/api/v1/bookings/{booking_id}/enterprises/{org_code}/cancel", headers=headers)
    assert r.status == 200, await r.text()


async def register(service, eventually, user_id: str, phone: str) -> None:
    await service.publish(USER_REGISTERED, UserRegistered(
        user_id=user_id, username=f"u{user_id[:8]}", name="王五", phone=phone, registered_at=service.now),
        producer="identity")

    async def known():
        async with service.db.connection() as conn:
            return await conn.fetchval("SELECT true FROM agents WHERE id = $1", user_id)
    assert await eventually(known)


async def test_the_eleventh_cancellation_suspends_and_the_tenth_does_not(service, eventually, refused):
    user_id = str(uuid.uuid4())
    agent = service.headers(user_id)
    await register(service, eventually, user_id, "13712345678")
    slots = [(service.tuesday, "AM", 3), (service.tuesday, "PM", 3), (service.wednesday, "AM", 3),
             (service.wednesday, "PM", 2)]
    bookings = [await service.booked(agent, day=d, period=p, lines=n) for d, p, n in slots]
    lines = [(b["id"], e["org_code"]) for b in bookings for e in b["enterprises"]]
    assert len(lines) == 11

    # Ten at once, across four bookings: each counts, none is lost to a race.
    await asyncio.gather(*(cancel_line(service, agent, bid, code) for bid, code in lines[:10]))
    assert await rights(service, agent) == {"suspended_until": None, "reason": None, "no_shows": 0,
                                            "cancellations": 10}
    again = await service.booked(agent, day=service.tuesday, period="AM")   # still allowed to book

    await cancel_line(service, agent, *lines[10])
    status = await rights(service, agent)
    assert status["reason"] == "too_many_cancellations" and status["cancellations"] == 0
    # 15 days from the (moved) clock's now: a few seconds have ticked since it was set.
    until = datetime.fromisoformat(status["suspended_until"])
    assert timedelta(0) <= until - (service.now + timedelta(days=15)) < timedelta(minutes=1)

    problem = await refused(await service.book(agent, day=service.wednesday), 403)
    assert problem["code"] == "booking.suspended"
    assert problem["suspended_until"] == status["suspended_until"]
    # Suspended, but reading and cancelling still work; the new round of counting starts.
    r = await service.client.get("/api/v1/bookings", headers=agent, params={"status": "confirmed"})
    assert [b["id"] for b in (await r.json())["items"]] == [again["id"]]
    r = await service.client.post(f"/api/v1/bookings/{again['id']}/cancel", headers=agent)
    assert r.status == 200
    assert (await rights(service, agent))["cancellations"] == 1

    async with service.db.connection() as conn:
        audit = await conn.fetch("SELECT change, actor, before, after FROM rights_audit WHERE agent_id = $1"
                                 " ORDER BY id", user_id)
        suspended = await conn.fetch("SELECT envelope FROM outbox WHERE type = 'booking.suspended'"
                                     " AND envelope->'data'->>'agent_id' = $1", user_id)
    assert [a["change"] for a in audit] == ["cancellation_counted"] * 10 + ["suspended", "cancellation_counted"]
    assert [a["after"]["cancellations"] for a in audit] == [*range(1, 11), 0, 1]
    assert {a["actor"] for a in audit} == {user_id}
    assert audit[10]["before"]["cancellations"] == 10 and audit[10]["after"]["reason"] == "too_many_cancellations"
    [event] = [row["envelope"]["data"] for row in suspended]
    assert (event["phone"], event["reason"], event["count"]) == ("13712345678", "too_many_cancellations", 11)


async def test_an_administrator_lifts_a_suspension_and_it_is_audited(service, refused):
    user_id = str(uuid.uuid4())
    agent = service.headers(user_id)
    for _ in range(11):
        booking = await service.booked(agent)
        r = await service.client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=agent)
        assert r.status == 200
    assert (await refused(await service.book(agent), 403))["code"] == "booking.suspended"

    r = await service.client.request("DELETE", f"/api/v1/admin/suspensions/{user_id}", headers=agent,
                                     json={"reason": "我自己"})
    await refused(r, 403)
    r = await service.client.request("DELETE", f"/api/v1/admin/suspensions/{user_id}", headers=service.admin(),
                                     json={})
    assert (await refused(r, 422))["code"] == "validation_error"
    admin_id = str(uuid.uuid4())
    r = await service.client.request("DELETE", f"/api/v1/admin/suspensions/{user_id}",
                                     headers=service.headers(admin_id, ("agent", "admin")),
                                     json={"reason": "误操作，经核实取消"})
    assert r.status == 204
    assert (await rights(service, agent))["suspended_until"] is None
    await service.booked(agent)

    r = await service.client.get(f"/api/v1/admin/agents/{user_id}/rights", headers=service.admin())
    trail = (await r.json())["audit"]
    assert [e["change"] for e in trail][-2:] == ["suspended", "lifted"]
    lifted = trail[-1]
    assert (lifted["actor"], lifted["note"]) == (admin_id, "误操作，经核实取消")
    assert lifted["before"]["suspended_until"] is not None and lifted["after"]["suspended_until"] is None


async def test_rights_of_a_new_agent_are_clean(service):
    assert await rights(service, service.agent()) == {"suspended_until": None, "reason": None,
                                                      "no_shows": 0, "cancellations": 0}
