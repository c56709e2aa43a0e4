"""A whole service day with the real allocator next to booking: bookings on Monday, the
cutoff at 15:00 running by itself, every agent seeing their allocation, no booking or
cancelling afterwards, then Tuesday at the desk (check-in on time, within ten minutes,
too late; served; no-show) and the closing sweep at 17:00."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
MONDAY_CUTOFF = datetime(2025, 11, 17, 15, 0, 1, tzinfo=SH)


def segment_start(service, booking: dict) -> datetime:
    return datetime.combine(service.tuesday, time.fromisoformat(booking["allocation"]["start"]), SH)


def about(events: list[dict], type_: str, ids) -> list[dict]:
    """The ``data`` of the events of ``type_`` about these bookings (other tests' apps may
    publish on the same exchange)."""
    return [e["data"] for e in events if e["type"] == type_ and e["data"]["booking_id"] in ids]


async def test_a_whole_service_day(service, allocator, probe, collect, refused, eventually):
    await service.consumers_ready()
    told = await probe("booking.allocated", "booking.no_show")
    agents = [service.agent() for _ in range(6)]
    periods = ["AM", "AM", "AM", "AM", "PM", "AM"]
    made = [await service.booked(agent, period=p, lines=2) for agent, p in zip(agents, periods)]
    # Cancelled before the cutoff: never allocated.
    r = await service.client.post(f"/api/v1/bookings/{made[5]['id']}/cancel", headers=agents[5])
    assert r.status == 200
    live = made[:5]

    # 15:00: nobody asks for anything, the scheduler closes Tuesday and the allocator answers.
    await service.at(MONDAY_CUTOFF)
    state = await service.cutoff_reaches(service.tuesday, "allocated")
    assert (state["bookings"], state["snapshot_bookings"], state["closed_by"]) == (5, 5, None)
    assert state["closed_at"].startswith("2025-11-17T15:00")

    seen = {}
    for agent, booking in zip(agents, live):
        mine = await service.get_booking(agent, booking["id"])
        assert mine["status"] == "allocated"
        a = mine["allocation"]
        assert a["desk"] >= 1 and a["start"] < a["end"]
        assert a["queue_number"][0] == ("A" if booking["period"] == "AM" else "B")
        seen[booking["id"]] = mine
    assert len({b["allocation"]["queue_number"] for b in seen.values()}) == 5
    cancelled = await service.get_booking(agents[5], made[5]["id"])
    assert (cancelled["status"], cancelled["allocation"]) == ("cancelled", None)

    # One SMS-worthy event per booking, with what the SMS needs.
    events = await collect(told, lambda got: len(about(got, "booking.allocated", seen)) >= 5)
    allocated = about(events, "booking.allocated", seen)
    assert sorted(d["booking_id"] for d in allocated) == sorted(seen)
    for d in allocated:
        mine = seen[d["booking_id"]]
        assert (d["contact_phone"], d["desk"], d["start"], d["end"], d["queue_number"], d["date"]) == (
            mine["contact_phone"], mine["allocation"]["desk"], mine["allocation"]["start"],
            mine["allocation"]["end"], mine["allocation"]["queue_number"], "2025-11-18")

    # After the cutoff: Tuesday takes no booking and no cancellation.
    problem = await refused(await service.book(service.agent(), day=service.tuesday), 422)
    assert problem["code"] == "booking.date_not_bookable"
    r = await service.client.post(f"/api/v1/bookings/{live[0]['id']}/cancel", headers=agents[0])
    assert (await refused(r, 409))["code"] == "booking.cutoff_passed"

    # The desk sees the day in queue order (AM before PM), with lines and contacts.
    r = await service.client.get("/api/v1/desk/schedule", headers=service.staff(),
                                 params={"center": service.center, "date": "2025-11-18"})
    assert r.status == 200
    schedule = (await r.json())["items"]
    numbers = [b["allocation"]["queue_number"] for b in schedule]
    assert numbers == sorted(numbers) and len(numbers) == 5 and numbers[-1].startswith("B")
    assert {b["id"]: (b["contact_phone"], len(b["enterprises"]), b["status"]) for b in schedule} == {
        b["id"]: (b["contact_phone"], 2, "allocated") for b in seen.values()}

    # Monday evening is not Tuesday.
    r = await service.desk("check-in", live[0]["id"])
    problem = await refused(r, 409)
    assert problem["code"] == "booking.wrong_day"

    on_time, within_ten, too_late, marked, forgotten = (seen[b["id"]] for b in live)
    await service.at(segment_start(service, on_time))
    r = await service.desk("check-in", on_time["id"])
    assert r.status == 200 and (await r.json())["status"] == "checked_in"

    # Ten minutes after the start is still in time (whole minutes: the moved clock ticks on).
    await service.at(segment_start(service, within_ten) + timedelta(minutes=10))
    r = await service.desk("check-in", within_ten["id"])
    assert r.status == 200 and (await r.json())["status"] == "checked_in"

    # Eleven minutes: refused, and the booking is a no-show although the answer is an error.
    await service.at(segment_start(service, too_late) + timedelta(minutes=11))
    problem = await refused(await service.desk("check-in", too_late["id"]), 409)
    assert (problem["code"], problem["booking_status"]) == ("booking.late", "no_show")
    assert (await service.get_booking(agents[2], too_late["id"]))["status"] == "no_show"
    assert (await service.rights_of(agents[2]))["no_shows"] == 1

    r = await service.desk("complete", on_time["id"])
    assert r.status == 200 and (await r.json())["status"] == "completed"
    problem = await refused(await service.desk("complete", marked["id"]), 409)   # never checked in
    assert problem["code"] == "booking.not_active"
    r = await service.desk("no-show", marked["id"])
    assert r.status == 200 and (await r.json())["status"] == "no_show"
    problem = await refused(await service.desk("no-show", marked["id"]), 409)    # counted once
    assert problem["code"] == "booking.not_active"

    # 17:00: what is still allocated becomes a no-show by itself; the rest stays as it is.
    await service.at(datetime(2025, 11, 18, 17, 0, 1, tzinfo=SH))

    async def swept():
        return (await service.get_booking(agents[4], forgotten["id"]))["status"] == "no_show"
    assert await eventually(swept)
    statuses = [(await service.get_booking(agent, b["id"]))["status"] for agent, b in zip(agents, live)]
    assert statuses == ["completed", "checked_in", "no_show", "no_show", "no_show"]
    assert [(await service.rights_of(agent))["no_shows"] for agent in agents[:5]] == [0, 0, 1, 1, 1]

    events = await collect(told, lambda got: len(about(got, "booking.no_show", seen)) >= 3)
    assert sorted((d["booking_id"], d["late"]) for d in about(events, "booking.no_show", seen)) == sorted(
        [(too_late["id"], True), (marked["id"], False), (forgotten["id"], False)])
