"""Across replicas (issue 18): two booking *processes* (``python -m booking``) on the same
database and broker. A call made on replica A reaches a stream client of replica B through
PostgreSQL LISTEN/NOTIFY; a client that drops resumes on B with Last-Event-ID; B restarted
ends its streams at once, and the client, reconnecting, resyncs from the board.

The day (bookings allocated and checked in) is prepared by this module's in-process app
before the processes start; the processes serve the same center."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import orjson
import pytest

from testsupport.fixtures import free_port
from testsupport.sse import next_event
from testsupport.waiting import until_answers

REPO = Path(__file__).resolve().parents[4]


class Replica:
    def __init__(self, service, token_factory, name: str, log_dir: Path) -> None:
        s = service.runtime.settings
        self.name = name
        self.port = free_port()
        self.log = log_dir / f"booking-{name}.log"
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
                    "APP_ENV": "test", "BOOKING_DATABASE_URL": s.database_url, "AMQP_URL": s.amqp_url,
                    "JWKS_URL": token_factory.jwks_url, "BOOKING_PORT": str(self.port),
                    "BOOKING_CENTERS": orjson.dumps([{"id": service.center}]).decode(),
                    "EVENTS_VERIFY_PUBLISHER": "false", "BOOKING_SCHEDULER_ENABLED": "false",
                    "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
        self.proc: subprocess.Popen | None = None
        self.clock = service.now

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "booking"], cwd=REPO, stdout=log,
                                         stderr=subprocess.STDOUT,
                                         env={**self.env, "TEST_CLOCK_START": self.clock.isoformat()})
        await until_answers(self.url + "/readyz", self.proc, timeout=30, what=f"booking {self.name}",
                            log=lambda: self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
async def replicas(service, token_factory, tmp_path):
    started: list[Replica] = []

    async def start(*names: str) -> list[Replica]:
        made = [Replica(service, token_factory, name, tmp_path) for name in names]
        await asyncio.gather(*(r.start() for r in made))
        started.extend(made)
        return made
    yield start
    for r in started:
        r.stop()


async def display_token(service) -> str:
    r = await service.client.post("/api/v1/display-tokens", json={"center": service.center, "name": "大厅"},
                                  headers=service.staff())
    assert r.status == 201, await r.text()
    return (await r.json())["token"]


async def clerk_at(http, replica: Replica, service, desk: int) -> dict:
    clerk = service.staff()
    async with http.post(replica.url + "/api/v1/desk/shift", json={"center": service.center, "desk": desk},
                         headers=clerk) as r:
        assert r.status == 200, await r.text()
    return clerk


async def act(http, replica: Replica, service, clerk, action: str) -> dict:
    async with http.post(f"{replica.url}/api/v1/desk/{action}", json={"center": service.center},
                         headers=clerk) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def open_display(http, replica: Replica, token: str, last_event_id: str | None = None):
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    r = await http.get(replica.url + "/api/v1/display/stream", params={"token": token}, headers=headers)
    assert r.status == 200, await r.text()
    return r


async def test_a_call_on_one_replica_reaches_the_streams_of_the_other(service, calling_day, replicas):
    await calling_day(service, [(1, "A001"), (1, "A002"), (2, "A003")])
    token = await display_token(service)
    a, b = await replicas("a", "b")
    async with aiohttp.ClientSession() as http:
        on_b = await open_display(http, b, token)
        assert (await next_event(on_b)).event == "board"
        clerk = await clerk_at(http, a, service, 1)
        started = time.monotonic()
        view = await act(http, a, service, clerk, "call")
        call = await next_event(on_b, 3)
        assert time.monotonic() - started < 1
        assert (call.event, call.data["queue_number"], call.data["desk"]) == ("call", view["queue_number"], 1)

        # B's client drops; two calls on A meanwhile; it comes back to B with Last-Event-ID.
        on_b.close()
        await act(http, a, service, clerk, "skip")
        await act(http, a, service, clerk, "call")
        await asyncio.sleep(0.5)                    # both heard by B's hub
        on_b = await open_display(http, b, token, call.id)
        missed = [await next_event(on_b, 3), await next_event(on_b, 3)]
        assert [(e.event, e.data["kind"], e.data["queue_number"]) for e in missed] == [
            ("call", "skip", "A001"), ("call", "call", "A002")]
        on_b.close()


async def test_a_restarted_replica_ends_its_streams_and_the_client_resyncs(service, calling_day, replicas):
    await calling_day(service, [(1, "A001"), (1, "A002")])
    token = await display_token(service)
    a, b = await replicas("a", "b")
    async with aiohttp.ClientSession() as http:
        clerk = await clerk_at(http, a, service, 1)
        on_b = await open_display(http, b, token)
        await next_event(on_b)
        await act(http, a, service, clerk, "call")
        last = await next_event(on_b, 3)

        # B stops (a deploy): its stream ends now, not at the next heartbeat or a timeout.
        stopping = asyncio.get_running_loop().run_in_executor(None, b.stop)
        started = time.monotonic()
        assert await next_event(on_b, 10) is None
        assert time.monotonic() - started < 5
        await stopping
        assert b.proc.returncode == 0, b.log.read_text()[-2000:]
        # A call while B is away, then B is back; the client reconnects as EventSource does.
        await act(http, a, service, clerk, "skip")
        await act(http, a, service, clerk, "call")
        await b.start()
        on_b = await open_display(http, b, token, last.id)
        board = await next_event(on_b, 3)
        # The new process never heard the old id: the whole board, with the number now served.
        assert board.event == "board"
        assert board.data["desks"][0] == {"desk": 1, "queue_number": "A002",
                                          "called_at": board.data["desks"][0]["called_at"]}
        # And it is live again.
        await act(http, a, service, clerk, "recall")
        again = await next_event(on_b, 3)
        assert (again.event, again.data["kind"], again.data["queue_number"]) == ("call", "recall", "A002")
        on_b.close()
