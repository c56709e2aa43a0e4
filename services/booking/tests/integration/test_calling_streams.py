"""The live streams of one booking app (issue 18) on the real PostgreSQL: the hall
display's board then its calls, Last-Event-ID resume, a revoked token closing its stream,
an agent's place following the calls; refusals as problem+json before any stream opens.
Across replicas and restarts: tests/reliability/test_calling_replicas.py."""
from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from booking.streams import HUB_KEY
from testsupport.sse import next_event


async def new_token(service) -> dict:
    r = await service.client.post("/api/v1/display-tokens", json={"center": service.center, "name": "大厅"},
                                  headers=service.staff())
    assert r.status == 201, await r.text()
    return await r.json()


@pytest.fixture
async def listening(service):
    await asyncio.wait_for(service.client.app[HUB_KEY].listener.connected.wait(), 10)
    return service


async def display(service, token: str, **headers):
    r = await service.client.get("/api/v1/display/stream", params={"token": token}, headers=headers)
    assert r.status == 200, await r.text()
    assert r.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert r.headers["X-Accel-Buffering"] == "no"
    return r


async def called(service, clerk, action: str = "call") -> dict:
    r = await service.client.post(f"/api/v1/desk/{action}", json={"center": service.center}, headers=clerk)
    assert r.status == 200, await r.text()
    return await r.json()


async def test_refusals_are_problems_before_any_stream(listening, refused):
    service = listening
    for params in ({}, {"token": "nope"}, {"token": "x" * 500}):
        r = await service.client.get("/api/v1/display/stream", params=params)
        assert (await refused(r, 401))["code"] == "display.invalid_token"
    r = await service.client.get(f"/api/v1/bookings/{uuid.uuid4()}/place/stream")
    await refused(r, 401)
    for booking_id in (str(uuid.uuid4()), "not-an-id"):
        r = await service.client.get(f"/api/v1/bookings/{booking_id}/place/stream", headers=service.agent())
        assert (await refused(r, 404))["code"] == "booking.not_found"


async def test_the_display_gets_the_board_then_each_call_as_it_happens(listening, calling_day, take_desk):
    service = listening
    await calling_day(service, [(1, "A001"), (2, "A002"), (1, "A003")])
    token = (await new_token(service))["token"]
    r = await display(service, token)
    board = await next_event(r)
    assert board.event == "board" and board.data["center"] == service.center
    assert board.id == str(board.data["last_event_id"])
    assert [d["queue_number"] for d in board.data["desks"]] == [None] * len(board.data["desks"])
    clerk = await take_desk(service, 2)
    started = time.monotonic()
    view = await called(service, clerk)
    call = await next_event(r, 2)
    assert time.monotonic() - started < 1
    assert call.event == "call" and call.id == str(call.data["seq"])
    # Numbers and desks only: no booking id, name or phone on a hall screen.
    assert set(call.data) == {"seq", "desk", "queue_number", "kind", "called_at"}
    assert (call.data["desk"], call.data["queue_number"], call.data["kind"]) == (2, view["queue_number"], "call")
    await called(service, clerk, "recall")
    again = await next_event(r, 2)
    assert (again.data["queue_number"], again.data["kind"]) == (view["queue_number"], "recall")
    assert int(again.id) > int(call.id)
    r.close()


async def test_last_event_id_resumes_with_the_calls_missed(listening, calling_day, take_desk):
    service = listening
    await calling_day(service, [(1, "A001"), (1, "A002"), (1, "A003")])
    token = (await new_token(service))["token"]
    clerk = await take_desk(service, 1)
    r = await display(service, token)
    await next_event(r)                                        # the board
    await called(service, clerk)
    first = await next_event(r, 2)
    r.close()                                                  # the network drops ...
    await called(service, clerk, "skip")
    await called(service, clerk)
    hub = service.client.app[HUB_KEY]
    for _ in range(50):                                        # ... while both calls are heard
        if len(hub.replay_after(service.center, first.id) or []) == 2:
            break
        await asyncio.sleep(0.1)
    r = await display(service, token, **{"Last-Event-ID": first.id})
    missed = [await next_event(r, 2), await next_event(r, 2)]
    assert [e.event for e in missed] == ["call", "call"]
    assert [e.data["kind"] for e in missed] == ["skip", "call"]
    assert [e.data["queue_number"] for e in missed] == ["A001", "A002"]
    r.close()
    # An id the process does not hold (another day, a restart): the whole board again.
    r = await display(service, token, **{"Last-Event-ID": "999999999"})
    assert (await next_event(r)).event == "board"
    r.close()


async def test_a_revoked_token_ends_its_stream_and_opens_no_other(listening, refused):
    service = listening
    created = await new_token(service)
    r = await display(service, created["token"])
    assert (await next_event(r)).event == "board"
    gone = await service.client.delete(f"/api/v1/display-tokens/{created['id']}", headers=service.staff())
    assert gone.status == 204
    assert await next_event(r, 5) is None                      # the end of the stream
    again = await service.client.get("/api/v1/display/stream", params={"token": created["token"]})
    assert (await refused(again, 401))["code"] == "display.invalid_token"


async def test_an_agent_follows_their_place_live(listening, calling_day, take_desk):
    service = listening
    made = await calling_day(service, [(1, "A001"), (1, "A002"), (1, "A003")])
    late = made[2]
    r = await service.client.get(f"/api/v1/bookings/{late['id']}/place/stream", headers=late["agent"])
    assert r.status == 200, await r.text()
    first = await next_event(r)
    assert first.event == "place"
    assert (first.data["now_serving"], first.data["ahead"], first.data["called"]) == (None, 2, False)
    clerk = await take_desk(service, 1)
    await called(service, clerk)
    moved = await next_event(r, 2)
    assert (moved.data["now_serving"], moved.data["ahead"]) == ("A001", 1)
    await service.desk("complete", made[0]["id"], clerk)
    await called(service, clerk)
    moved = await next_event(r, 2)
    assert (moved.data["now_serving"], moved.data["ahead"]) == ("A002", 0)
    r.close()
    # Someone else's booking: refused before any stream; staff may follow it.
    r = await service.client.get(f"/api/v1/bookings/{late['id']}/place/stream", headers=made[0]["agent"])
    assert r.status == 404
    r = await service.client.get(f"/api/v1/bookings/{late['id']}/place/stream", headers=service.staff())
    assert r.status == 200 and (await next_event(r)).event == "place"
    r.close()


async def test_a_place_stream_ends_when_its_access_token_expires(listening, calling_day):
    service = listening
    [mine] = await calling_day(service, [(1, "A001")])
    async with service.db.connection() as conn:
        agent_id = await conn.fetchval("SELECT agent_id FROM bookings WHERE id = $1::uuid", mine["id"])
    # A token with 3 s left at the service's clock (a signed-out agent's lasts at most its 15 min).
    short = service.tokens.headers(agent_id, ("agent",), now=service.now.timestamp(), ttl=3)
    r = await service.client.get(f"/api/v1/bookings/{mine['id']}/place/stream", headers=short)
    assert r.status == 200, await r.text()
    assert (await next_event(r)).event == "place"
    started = time.monotonic()
    assert await next_event(r, 10) is None                     # ended, not left open
    assert time.monotonic() - started < 5


async def test_a_stream_is_counted_but_not_timed_as_a_request(listening):
    # Its duration is its client's stay: timed, every stream would count against booking's
    # latency budget (BookingLatencyBudgetBurn) as a request over 1 s; and a client leaving
    # is not a server error (the test server cancels the handler then: 499, as nginx says).
    service = listening
    token = (await new_token(service))["token"]
    for _ in range(2):
        r = await display(service, token)
        await next_event(r)
        r.close()

    async def scraped():
        text = await (await service.client.get("/metrics")).text()
        served = [line for line in text.splitlines() if line.startswith("http_requests_total{")
                  and 'route="/api/v1/display/stream"' in line]
        return text if sum(float(line.rsplit(" ", 1)[1]) for line in served) >= 2 else None
    text = None
    for _ in range(50):
        if (text := await scraped()) is not None:
            break
        await asyncio.sleep(0.1)
    assert text is not None, "the streams were not counted"
    lines = [line for line in text.splitlines() if 'route="/api/v1/display/stream"' in line]
    assert not [line for line in lines if line.startswith("http_requests_total{") and 'status="5' in line]
    assert not [line for line in lines if line.startswith("http_request_duration_seconds")]
    # Plain requests are still timed.
    assert [line for line in text.splitlines() if line.startswith("http_request_duration_seconds_count")
            and 'route="/api/v1/display-tokens"' in line]
