"""The hall display: tokens (shown once, stored hashed, listed without, revoked), the
board they open (numbers and desks only), and an agent's place."""
from __future__ import annotations

import hashlib
import uuid


async def new_token(service, staff, name: str = "一楼大厅") -> dict:
    r = await service.client.post("/api/v1/display-tokens", json={"center": service.center, "name": name},
                                  headers=staff)
    assert r.status == 201, await r.text()
    return await r.json()


async def board(service, token: str | None, *, header: bool = False):
    if header:
        return await service.client.get("/api/v1/display/board", headers={"Authorization": f"Display {token}"})
    return await service.client.get("/api/v1/display/board", params={"token": token} if token else None)


async def test_a_display_token_is_shown_once_stored_hashed_and_revocable(service, refused):
    staff = service.staff()
    created = await new_token(service, staff)
    assert set(created) == {"id", "center", "name", "token", "created_at", "expires_at"}
    assert created["expires_at"].startswith("2025-12-17")        # 30 days after Monday 17 November
    async with service.db.connection() as conn:
        stored = await conn.fetchval("SELECT token_hash FROM display_tokens WHERE id = $1::uuid", created["id"])
    assert stored == hashlib.sha256(created["token"].encode()).hexdigest() and created["token"] not in stored
    r = await service.client.get("/api/v1/display-tokens", params={"center": service.center}, headers=staff)
    listed = await r.json()
    assert [t["id"] for t in listed["items"]] == [created["id"]] and "token" not in listed["items"][0]
    for header in (False, True):
        assert (await board(service, created["token"], header=header)).status == 200

    r = await service.client.delete(f"/api/v1/display-tokens/{created['id']}", headers=staff)
    assert r.status == 204
    assert (await refused(await board(service, created["token"]), 401))["code"] == "display.invalid_token"
    r = await service.client.get("/api/v1/display-tokens", params={"center": service.center}, headers=staff)
    assert (await r.json())["items"] == []
    for missing in (str(uuid.uuid4()), "nope"):
        r = await service.client.delete(f"/api/v1/display-tokens/{missing}", headers=staff)
        assert (await refused(r, 404))["code"] == "display_token.not_found"


async def test_the_board_refuses_anything_but_a_live_token(service, refused):
    created = await new_token(service, service.staff())
    for token in (None, "", "x" * 500, created["token"] + "x", created["token"].upper()):
        assert (await refused(await board(service, token), 401))["code"] == "display.invalid_token"
    # A bearer token is no display token; agents cannot create one.
    r = await service.client.get("/api/v1/display/board", headers=service.staff())
    assert (await refused(r, 401))["code"] == "display.invalid_token"
    r = await service.client.post("/api/v1/display-tokens", json={"name": "x"}, headers=service.agent())
    assert (await refused(r, 403))["code"] == "auth.forbidden"
    for name in ("", "x" * 51, None):
        r = await service.client.post("/api/v1/display-tokens", json={"center": service.center, "name": name},
                                      headers=service.staff())
        assert (await refused(r, 422))["code"] == "validation_error"
    # 30 days later it has expired.
    await service.at(service.now.replace(month=12, day=18))
    assert (await refused(await board(service, created["token"]), 401))["code"] == "display.invalid_token"


async def test_the_board_shows_numbers_and_desks_never_names_or_phones(service, calling_day, take_desk, desk_call):
    made = await calling_day(service, [(1, "A001"), (2, "A002"), (1, "A003"), (2, "B001")])
    created = await new_token(service, service.staff())
    one, two = await take_desk(service, 1), await take_desk(service, 2)
    first = await (await desk_call(service, one, "call")).json()
    await (await desk_call(service, two, "call")).json()
    await desk_call(service, one, "recall")
    view = await (await board(service, created["token"], header=True)).json()
    assert view["center"] == service.center and view["date"] == "2025-11-18"
    assert [(d["desk"], d["queue_number"]) for d in view["desks"]] == [(1, "A001"), (2, "A002"), (3, None), (4, None)]
    assert [(c["desk"], c["queue_number"], c["kind"]) for c in view["recent"]] == [
        (1, "A001", "recall"), (2, "A002", "call"), (1, "A001", "call")]
    assert view["waiting"] == [{"period": "AM", "waiting": 1}, {"period": "PM", "waiting": 1}]
    assert view["last_event_id"] >= 3
    text = str(view)
    for b in made:
        assert b["contact_phone"] not in text and b["contact_name"] not in text and b["id"] not in text
    assert first["booking_id"] not in text


async def test_an_agent_sees_their_place_and_nobody_elses(service, calling_day, take_desk, desk_call, refused):
    made = await calling_day(service, [(1, "A001"), (1, "A002"), (1, "A003")])
    late = made[2]
    r = await service.client.get(f"/api/v1/bookings/{late['id']}/place", headers=late["agent"])
    assert await r.json() == {"booking_id": late["id"], "date": "2025-11-18", "desk": 1, "queue_number": "A003",
                              "status": "checked_in", "now_serving": None, "ahead": 2, "called": False,
                              "called_desk": None}
    clerk = await take_desk(service, 1)
    await desk_call(service, clerk, "call")
    place = await (await service.client.get(f"/api/v1/bookings/{late['id']}/place", headers=late["agent"])).json()
    assert (place["now_serving"], place["ahead"], place["called"]) == ("A001", 1, False)
    first = await (await service.client.get(f"/api/v1/bookings/{made[0]['id']}/place",
                                            headers=made[0]["agent"])).json()
    assert (first["called"], first["ahead"], first["called_desk"]) == (True, 0, 1)
    # Another agent's booking, or none: 404; staff may look.
    for headers, booking_id in ((made[0]["agent"], late["id"]), (late["agent"], str(uuid.uuid4())),
                                (late["agent"], "nope")):
        r = await service.client.get(f"/api/v1/bookings/{booking_id}/place", headers=headers)
        assert (await refused(r, 404))["code"] == "booking.not_found"
    r = await service.client.get(f"/api/v1/bookings/{late['id']}/place", headers=service.staff())
    assert r.status == 200
    # Done: no place any more.
    await service.desk("complete", made[0]["id"], clerk)
    done = await (await service.client.get(f"/api/v1/bookings/{made[0]['id']}/place",
                                           headers=made[0]["agent"])).json()
    assert (done["status"], done["ahead"], done["called"]) == ("completed", None, False)


async def test_a_booking_not_on_its_day_has_no_place(service, calling_day):
    [booking] = await calling_day(service, [(1, "A001")], check_in=False)
    await service.at(service.now.replace(day=17))
    place = await (await service.client.get(f"/api/v1/bookings/{booking['id']}/place", headers=booking["agent"])).json()
    assert (place["status"], place["ahead"], place["now_serving"], place["queue_number"]) == (
        "allocated", None, None, "A001")


async def test_an_agent_called_by_another_desk_is_told_that_desk(service, calling_day, take_desk, desk_call):
    """Desk 2's queue is empty, so it calls desk 1's waiting number: the agent must go to desk 2."""
    [mine] = await calling_day(service, [(1, "A001")])
    clerk = await take_desk(service, 2)
    view = await (await desk_call(service, clerk, "call")).json()
    assert (view["desk"], view["booking_id"]) == (2, mine["id"])
    place = await (await service.client.get(f"/api/v1/bookings/{mine['id']}/place", headers=mine["agent"])).json()
    assert (place["desk"], place["called"], place["called_desk"], place["now_serving"]) == (1, True, 2, None)
