"""An agent lists their own bookings (预约查询) by date range and status, page by page."""
from __future__ import annotations


async def test_an_agent_pages_through_their_bookings(service, refused):
    agent = service.agent()
    made = [await service.booked(agent, day=d, period=p)
            for d in (service.tuesday, service.wednesday) for p in ("AM", "PM")]
    await service.booked(service.agent())        # someone else's
    r = await service.client.post(f"/api/v1/bookings/{made[1]['id']}/cancel", headers=agent)
    assert r.status == 200

    seen, cursor = [], None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        r = await service.client.get("/api/v1/bookings", headers=agent, params=params)
        page = await r.json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [b["id"] for b in seen] == [b["id"] for b in made]        # date, then booking time
    assert seen[1]["status"] == "cancelled" and seen[0]["enterprises"] == made[0]["enterprises"]

    r = await service.client.get("/api/v1/bookings", headers=agent,
                                 params={"from": "2025-11-19", "to": "2025-11-19", "status": "confirmed"})
    assert [b["id"] for b in (await r.json())["items"]] == [made[2]["id"], made[3]["id"]]
    r = await service.client.get("/api/v1/bookings", headers=agent, params={"status": "cancelled"})
    assert [b["id"] for b in (await r.json())["items"]] == [made[1]["id"]]

    for bad in ({"status": "lost"}, {"cursor": "garbage"}, {"limit": "0"}, {"from": "yesterday"}):
        r = await service.client.get("/api/v1/bookings", headers=agent, params=bad)
        assert (await refused(r, 422))["code"] == "validation_error", bad
