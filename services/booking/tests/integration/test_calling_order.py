"""叫号 at the desk: the order rules (own desk first, in queue order, then the oldest
waiting of the other desks), recall, skip (behind the next two, not a no-show) and the
refusals, on the real service."""
from __future__ import annotations


async def called(service, desk_call, clerk) -> dict:
    r = await desk_call(service, clerk, "call")
    assert r.status == 200, await r.text()
    return await r.json()


async def complete(service, clerk, view: dict) -> None:
    r = await service.desk("complete", view["booking_id"], clerk)
    assert r.status == 200, await r.text()


async def test_own_desk_first_in_queue_order_then_the_oldest_waiting_of_other_desks(
        service, calling_day, take_desk, desk_call, refused):
    # Checked in one minute apart in this order: desk 2's A005 waits longest.
    made = await calling_day(service, [(2, "A005"), (1, "B001"), (1, "A002"), (2, "A003"), (1, "A001")])
    clerk = await take_desk(service, 1)
    numbers = []
    for _ in range(5):
        view = await called(service, desk_call, clerk)
        assert view["desk"] == 1 and view["kind"] == "call" and view["center"] == service.center
        numbers.append(view["queue_number"])
        await complete(service, clerk, view)
    # Its own queue in period then number order, then desk 2's by check-in (A005 before A003).
    assert numbers == ["A001", "A002", "B001", "A005", "A003"]
    assert (await refused(await desk_call(service, clerk, "call"), 409))["code"] == "desk.queue_empty"
    assert {(await service.get_booking(b["agent"], b["id"]))["status"] for b in made} == {"completed"}


async def test_a_desk_calls_only_once_its_call_is_closed(service, calling_day, take_desk, desk_call, refused):
    await calling_day(service, [(1, "A001"), (1, "A002")])
    clerk = await take_desk(service, 1)
    first = await called(service, desk_call, clerk)
    assert (await refused(await desk_call(service, clerk, "call"), 409))["code"] == "desk.call_open"
    r = await service.client.get("/api/v1/desk/shift", params={"center": service.center}, headers=clerk)
    shift = await r.json()
    assert (shift["desk"], shift["current"]["id"]) == (1, first["id"])
    await complete(service, clerk, first)
    second = await called(service, desk_call, clerk)
    assert second["queue_number"] == "A002"


async def test_recall_repeats_the_current_number(service, calling_day, take_desk, desk_call, refused):
    await calling_day(service, [(1, "A001"), (1, "A002")])
    clerk = await take_desk(service, 1)
    assert (await refused(await desk_call(service, clerk, "recall"), 409))["code"] == "desk.no_call"
    first = await called(service, desk_call, clerk)
    r = await desk_call(service, clerk, "recall")
    again = await r.json()
    assert r.status == 200
    assert (again["kind"], again["queue_number"], again["booking_id"]) == ("recall", "A001", first["booking_id"])
    assert again["id"] != first["id"]
    # Still the desk's one open call: no new call before it is closed.
    assert (await refused(await desk_call(service, clerk, "call"), 409))["code"] == "desk.call_open"
    await complete(service, clerk, first)
    assert (await called(service, desk_call, clerk))["queue_number"] == "A002"


async def test_skip_puts_the_number_behind_the_next_two(service, calling_day, take_desk, desk_call, refused):
    made = await calling_day(service, [(1, f"A00{i}") for i in range(1, 6)])
    clerk = await take_desk(service, 1)
    assert (await refused(await desk_call(service, clerk, "skip"), 409))["code"] == "desk.no_call"
    first = await called(service, desk_call, clerk)
    r = await desk_call(service, clerk, "skip")
    skipped = await r.json()
    assert r.status == 200
    assert (skipped["kind"], skipped["queue_number"]) == ("skip", "A001")
    # Not a no-show: still checked in, counted nowhere.
    assert (await service.get_booking(made[0]["agent"], made[0]["id"]))["status"] == "checked_in"
    assert (await service.rights_of(made[0]["agent"]))["no_shows"] == 0
    order = []
    for _ in range(5):
        view = await called(service, desk_call, clerk)
        order.append(view["queue_number"])
        await complete(service, clerk, view)
    assert order == ["A002", "A003", "A001", "A004", "A005"]
    assert first["booking_id"] == made[0]["id"]


async def test_a_skip_with_fewer_waiting_goes_to_the_end(service, calling_day, take_desk, desk_call):
    await calling_day(service, [(1, "A001"), (1, "A002")])
    clerk = await take_desk(service, 1)
    await called(service, desk_call, clerk)
    assert (await desk_call(service, clerk, "skip")).status == 200
    view = await called(service, desk_call, clerk)
    assert view["queue_number"] == "A002"
    await desk_call(service, clerk, "skip")
    # A001 behind nobody but A002's skip put A002 behind A001: A001, then A002.
    assert (await called(service, desk_call, clerk))["queue_number"] == "A001"


async def test_without_a_shift_nothing_is_called(service, calling_day, desk_call, refused):
    await calling_day(service, [(1, "A001")])
    clerk = service.staff()
    for action in ("call", "recall", "skip"):
        assert (await refused(await desk_call(service, clerk, action), 409))["code"] == "desk.no_shift"
    r = await service.client.get("/api/v1/desk/shift", params={"center": service.center}, headers=clerk)
    assert (await refused(r, 404))["code"] == "desk.no_shift"
    for desk in (0, 99, "1", None):
        r = await service.client.post("/api/v1/desk/shift", json={"center": service.center, "desk": desk},
                                      headers=clerk)
        assert (await refused(r, 422))["code"] == "validation_error"
    agent = service.agent()
    for method, path in (("POST", "/api/v1/desk/call"), ("POST", "/api/v1/desk/shift"), ("GET", "/api/v1/desk/shift")):
        r = await service.client.request(method, path, json={"center": service.center, "desk": 1}, headers=agent)
        assert (await refused(r, 403))["code"] == "auth.forbidden"


async def test_taking_another_desk_ends_the_previous_shift(service, calling_day, take_desk, desk_call):
    await calling_day(service, [(2, "A001")])
    clerk = await take_desk(service, 1)
    r = await service.client.post("/api/v1/desk/shift", json={"center": service.center, "desk": 2}, headers=clerk)
    assert (await r.json())["desk"] == 2
    view = await called(service, desk_call, clerk)
    assert (view["desk"], view["queue_number"]) == (2, "A001")
    r = await service.client.delete("/api/v1/desk/shift", params={"center": service.center}, headers=clerk)
    assert r.status == 204
    r = await service.client.get("/api/v1/desk/shift", params={"center": service.center}, headers=clerk)
    assert r.status == 404
