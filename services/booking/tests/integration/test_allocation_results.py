"""allocation.completed as booking reads it (published here by hand, as the allocator
would): only the latest request's answer counts, bookings it leaves out or that were
cancelled are left alone, a changed assignment is told again and an unchanged one not,
and a center this service does not serve is ignored."""
from __future__ import annotations

import uuid


def assignment(booking: dict, desk: int = 1, start: str = "09:00", end: str = "09:30",
               number: str = "A001") -> dict:
    return {"booking_id": booking["id"], "period": booking["period"], "desk": desk, "start": start, "end": end,
            "queue_number": number}


async def closed(service) -> str:
    """Close Tuesday by hand; the request id the allocator must answer."""
    r = await service.run_cutoff(service.tuesday)
    assert r.status == 202, await r.text()
    return (await r.json())["cutoff_id"]


async def test_only_the_latest_requests_answer_is_applied(service):
    agent = service.agent()
    booking = await service.booked(agent)
    older = await closed(service)
    latest = await closed(service)
    assert older != latest

    await service.allocation_completed(service.tuesday, older, [assignment(booking, desk=4)])
    assert (await service.get_booking(agent, booking["id"]))["allocation"] is None
    assert (await service.cutoff(service.tuesday))["status"] == "closed"

    await service.allocation_completed(service.tuesday, latest, [assignment(booking, desk=2)])
    mine = await service.get_booking(agent, booking["id"])
    assert (mine["status"], mine["allocation"]) == (
        "allocated", {"desk": 2, "start": "09:00", "end": "09:30", "queue_number": "A001"})
    state = await service.cutoff(service.tuesday)
    assert (state["status"], state["cutoff_id"]) == ("allocated", latest)
    assert state["allocated_at"] is not None


async def test_left_out_and_cancelled_bookings_are_left_alone(service):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    agents = [service.headers(i) for i in ids]
    kept, left_out, cancelled = [await service.booked(a) for a in agents]
    assert (await service.client.post(f"/api/v1/bookings/{cancelled['id']}/cancel", headers=agents[2])).status == 200
    cutoff_id = await closed(service)
    completed = await service.allocation_completed(service.tuesday, cutoff_id, [
        assignment(kept), assignment(cancelled, number="A002"),
        {**assignment(kept, number="A003"), "booking_id": "not-a-booking"}])
    statuses = [(b["status"], b["allocation"] is not None) for b in
                [await service.get_booking(a, b["id"]) for a, b in zip(agents, (kept, left_out, cancelled))]]
    assert statuses == [("allocated", True), ("confirmed", False), ("cancelled", False)]
    told = await service.outbox("booking.allocated", [kept["id"], left_out["id"], cancelled["id"]])
    assert [(d["booking_id"], d["agent_id"], d["contact_phone"], d["queue_number"]) for d in told] == [
        (kept["id"], ids[0], kept["contact_phone"], "A001")]
    # Caused by the allocation.completed handled, in its conversation.
    async with service.db.connection() as conn:
        envelope = await conn.fetchval("SELECT envelope FROM outbox WHERE type = 'booking.allocated'"
                                       " AND envelope->'data'->>'booking_id' = $1", kept["id"])
    assert (envelope["correlation_id"], envelope["causation_id"]) == (completed.correlation_id, str(completed.id))


async def test_only_new_or_changed_assignments_are_told(service):
    agents = [service.agent() for _ in range(2)]
    moved, stays = [await service.booked(a) for a in agents]
    await service.allocation_completed(service.tuesday, await closed(service), [
        assignment(moved, desk=1), assignment(stays, desk=2, number="A002")])
    await service.allocation_completed(service.tuesday, await closed(service), [
        assignment(moved, desk=3), assignment(stays, desk=2, number="A002")])
    assert (await service.get_booking(agents[0], moved["id"]))["allocation"]["desk"] == 3
    told = await service.outbox("booking.allocated", [moved["id"], stays["id"]])
    first_run, rerun = told[:2], told[2:]
    assert sorted((d["booking_id"], d["desk"]) for d in first_run) == sorted([(moved["id"], 1), (stays["id"], 2)])
    assert [(d["booking_id"], d["desk"]) for d in rerun] == [(moved["id"], 3)]


async def test_a_center_not_served_here_is_ignored(service):
    booking = await service.booked(service.agent())
    await service.allocation_completed(service.tuesday, "whatever", [assignment(booking)], center="elsewhere")
    assert await service.outbox("booking.allocated", [booking["id"]]) == []


async def test_a_day_of_several_slices_is_applied_whole_in_one_transaction(service, monkeypatch):
    from booking.service import allocation_record
    monkeypatch.setattr(allocation_record, "SLICE", 2)     # 5 bookings: slices of 2, 2 and 1
    agents = [service.agent() for _ in range(5)]
    bookings = [await service.booked(a) for a in agents]
    cutoff_id = await closed(service)
    await service.allocation_completed(service.tuesday, cutoff_id, [
        assignment(b, desk=1 + i, number=f"A00{i + 1}") for i, b in enumerate(bookings)])
    mine = [await service.get_booking(a, b["id"]) for a, b in zip(agents, bookings)]
    assert [(b["status"], b["allocation"]["queue_number"]) for b in mine] == [
        ("allocated", f"A00{i + 1}") for i in range(5)]
    told = await service.outbox("booking.allocated", [b["id"] for b in bookings])
    assert sorted(d["queue_number"] for d in told) == [f"A00{i + 1}" for i in range(5)]
    assert (await service.cutoff(service.tuesday))["status"] == "allocated"
