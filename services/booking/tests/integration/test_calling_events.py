"""What a call tells the rest of the system: booking.called through the outbox (every
call, recall and skip), pg_notify('booking_calls') on commit for the display streams,
and booking.queue_near once per booking when three or fewer wait before it."""
from __future__ import annotations

import asyncio

import orjson


async def test_every_call_recall_and_skip_is_published_and_notified(service, calling_day, take_desk, desk_call):
    made = await calling_day(service, [(1, "A001"), (1, "A002"), (1, "A003"), (1, "A004")])
    clerk = await take_desk(service, 1)
    heard: asyncio.Queue = asyncio.Queue()
    async with service.db.connection() as listener:
        def hear(*args) -> None:
            heard.put_nowait(orjson.loads(args[3]))
        await listener.add_listener("booking_calls", hear)
        views = [await (await desk_call(service, clerk, action)).json() for action in ("call", "recall", "skip")]
        notices = [await asyncio.wait_for(heard.get(), 5) for _ in views]
        await listener.remove_listener("booking_calls", hear)
    assert [n["kind"] for n in notices] == ["call", "recall", "skip"]
    assert [n["seq"] for n in notices] == sorted(n["seq"] for n in notices)
    first = notices[0]
    assert {k: first[k] for k in ("center", "date", "desk", "queue_number", "booking_id")} == {
        "center": service.center, "date": "2025-11-18", "desk": 1, "queue_number": "A001",
        "booking_id": made[0]["id"]}
    assert first["called_at"] == views[0]["called_at"]
    published = await service.outbox("booking.called", [made[0]["id"]])
    assert [(e["kind"], e["desk"], e["queue_number"]) for e in published] == [
        ("call", 1, "A001"), ("recall", 1, "A001"), ("skip", 1, "A001")]
    assert {e["call_id"] for e in published} == {v["id"] for v in views}
    assert all("contact_name" not in e and "contact_phone" not in e for e in published)


async def test_queue_near_goes_out_once_per_booking(service, calling_day, take_desk, desk_call):
    made = await calling_day(service, [(1, f"A00{i}") for i in range(1, 8)])
    ids = [b["id"] for b in made]
    clerk = await take_desk(service, 1)
    view = await (await desk_call(service, clerk, "call")).json()          # A001 called
    near = await service.outbox("booking.queue_near", ids)
    # A002..A005 have 0..3 before them now; A006 and A007 have more.
    near.sort(key=lambda e: e["queue_number"])
    assert [(e["queue_number"], e["ahead"]) for e in near] == [("A002", 0), ("A003", 1), ("A004", 2), ("A005", 3)]
    assert near[0]["contact_phone"] == made[1]["contact_phone"] and near[0]["desk"] == 1
    await service.desk("complete", view["booking_id"], clerk)
    await desk_call(service, clerk, "call")                                  # A002: A006 is three away
    await desk_call(service, clerk, "recall")
    await desk_call(service, clerk, "skip")                                  # A002 behind A004: nothing new
    near = await service.outbox("booking.queue_near", ids)
    assert sorted(e["queue_number"] for e in near) == ["A002", "A003", "A004", "A005", "A006"]
    for _ in range(4):
        call = await (await desk_call(service, clerk, "call")).json()
        await service.desk("complete", call["booking_id"], clerk)
    near = await service.outbox("booking.queue_near", ids)
    assert sorted(e["queue_number"] for e in near) == [f"A00{i}" for i in range(2, 8)]   # once each
