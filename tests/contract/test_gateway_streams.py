"""The live streams (Server-Sent Events, issue 18) through the gateway's real nginx: each
event leaves nginx as soon as the service writes it (no buffering, no gzip), heartbeats pass,
streams are limited by how many one address holds open (GATEWAY_STREAMS_PER_ADDRESS, 429
problem) instead of by the request rate or the requests-in-progress limit, a client leaving
ends the upstream stream, and the display token in the query reaches no log line.

The stand-in booking service writes its stream by hand, without X-Accel-Buffering: what is
tested is the gateway's own configuration."""
from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from testsupport.fixtures import free_port
from testsupport.gateway import needs_nginx, nginx_argv, render_mod, run_dir, started
from testsupport.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("identity", "booking", "allocator", "notifier")
TOKEN = "dt_SECRET-display-token-4f9a"
STREAMS_PER_ADDRESS = 3

pytestmark = needs_nginx


class StreamingService:
    """Booking's stand-in: GET .../stream answers text/event-stream and writes what is
    ``send``-ed to every open stream (and a ``: hb`` every ``?hb=`` seconds); anything else
    answers 200 JSON."""

    def __init__(self) -> None:
        self.feeds: set[asyncio.Queue] = set()
        self.open_streams = 0
        self.ended = 0
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def stream(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        feed: asyncio.Queue = asyncio.Queue()
        self.feeds.add(feed)
        self.open_streams += 1
        hb = float(request.query.get("hb", 0) or 0)
        try:
            while True:
                try:
                    chunk = await asyncio.wait_for(feed.get(), hb or None)
                except TimeoutError:
                    chunk = b": hb\n\n"
                await response.write(chunk)
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            pass
        finally:
            self.feeds.discard(feed)
            self.open_streams -= 1
            self.ended += 1
        return response

    def send(self, chunk: bytes) -> None:
        for feed in self.feeds:
            feed.put_nowait(chunk)

    async def other(self, _request: web.Request) -> web.Response:
        return web.json_response({"service": "booking"})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/v1/display/stream", self.stream)
        app.router.add_get("/api/v1/bookings/{id}/place/stream", self.stream)
        app.router.add_route("*", "/{tail:.*}", self.other)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
        await self.runner.setup()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        await web.SockSite(self.runner, sock).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@pytest.fixture(scope="module")
async def booking():
    svc = StreamingService()
    await svc.start()
    yield svc
    await svc.stop()


@pytest.fixture(scope="module")
async def gateway(booking):
    port = free_port()
    with run_dir("streams") as directory:
        env = {f"{name.upper()}_UPSTREAM": f"127.0.0.1:{booking.port if name == 'booking' else free_port()}"
               for name in SERVICES}
        # A tight request rate and requests-in-progress limit: streams must count against neither.
        env.update(GATEWAY_PORT=f"127.0.0.1:{port}", GATEWAY_RUN_DIR=str(directory),
                   GATEWAY_API_RATE="2r/s", GATEWAY_API_BURST="2", GATEWAY_CONN_PER_ADDRESS="2",
                   GATEWAY_STREAMS_PER_ADDRESS=str(STREAMS_PER_ADDRESS))
        conf = render_mod.write(directory, env)
        async with started(nginx_argv(conf), directory, port, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"}):
            yield {"base": f"http://127.0.0.1:{port}", "stdout": directory / "stdout.log",
                   "stderr": directory / "stderr.log"}


@pytest.fixture
async def http(gateway):
    async with aiohttp.ClientSession(headers={"Accept-Encoding": "gzip"}) as s:
        yield s
    await asyncio.sleep(0.2)       # nginx lets the closed streams go before the next test


DISPLAY = "/api/v1/display/stream?token=" + TOKEN
PLACE = "/api/v1/bookings/3f2a/place/stream"


async def next_block(r: aiohttp.ClientResponse, timeout: float) -> bytes:
    async with asyncio.timeout(timeout):
        return await r.content.readuntil(b"\n\n")


@pytest.mark.parametrize("path", [DISPLAY, PLACE])
async def test_each_event_leaves_the_gateway_as_soon_as_it_is_written(gateway, booking, http, path):
    async with http.get(gateway["base"] + path) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/event-stream")
        assert "Content-Encoding" not in r.headers          # gzip would hold bytes back
        for n in range(3):
            # A few dozen bytes each, far below nginx's buffers: buffered, they would wait.
            started = time.monotonic()
            booking.send(f'id: {n}\nevent: call\ndata: {{"n":{n}}}\n\n'.encode())
            assert await next_block(r, 2) == f'id: {n}\nevent: call\ndata: {{"n":{n}}}\n\n'.encode()
            assert time.monotonic() - started < 0.5


async def test_heartbeats_pass_through(gateway, http):
    async with http.get(gateway["base"] + DISPLAY + "&hb=0.2") as r:
        assert [await next_block(r, 2) for _ in range(3)] == [b": hb\n\n"] * 3


async def test_streams_per_address_are_limited_with_a_429_problem(gateway, booking, http):
    base = gateway["base"]
    opened = [await http.get(base + (DISPLAY if i % 2 else PLACE)) for i in range(STREAMS_PER_ADDRESS)]
    assert [r.status for r in opened] == [200] * STREAMS_PER_ADDRESS
    async with http.get(base + DISPLAY) as refused:
        assert refused.status == 429
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert (await refused.json())["code"] == "rate_limited"
        assert refused.headers["Retry-After"] == "1"
    # The streams do not use up the address's requests-in-progress (2 here): the API answers.
    async with http.get(base + "/api/v1/centers") as r:
        assert r.status == 200
    # One ends, one more may open.
    opened.pop().close()

    async def one_more_opens() -> bool:
        async with http.get(base + PLACE) as again:
            return again.status == 200
    assert await wait_for(one_more_opens, timeout=5, every=0.1)
    for r in opened:
        r.close()


async def test_opening_streams_does_not_count_against_the_request_rate(gateway, http):
    # 2 r/s with a burst of 2: ten plain requests at once are mostly refused ...
    await asyncio.sleep(1.5)
    statuses = []
    for _ in range(10):
        async with http.get(gateway["base"] + "/api/v1/centers") as r:
            statuses.append(r.status)
    assert 429 in statuses
    # ... ten stream (re)connections are not (a restart makes every display reconnect).
    for _ in range(10):
        async with http.get(gateway["base"] + DISPLAY) as r:
            assert r.status == 200
        await asyncio.sleep(0.05)


async def test_a_client_that_leaves_ends_the_stream_behind_the_gateway(gateway, booking, http):
    ended = booking.ended
    r = await http.get(gateway["base"] + PLACE + "?hb=0.2")
    await next_block(r, 2)
    r.close()
    async with asyncio.timeout(5):
        while booking.ended == ended:
            await asyncio.sleep(0.05)


async def test_the_display_token_reaches_no_log_line(gateway, booking, http):
    async with http.get(gateway["base"] + DISPLAY) as r:
        assert r.status == 200
    # And when booking is down (nginx's error lines quote the request line, query and all).
    await booking.stop()
    try:
        async with http.get(gateway["base"] + DISPLAY) as r:
            assert r.status == 502
    finally:
        await booking.start()

    def stream_lines() -> list[dict]:
        lines = [json.loads(line) for line in gateway["stdout"].read_text().splitlines() if line.strip()]
        return [line for line in lines if line["path"] == "/api/v1/display/stream"]
    assert await wait_for(lambda: {line["status"] for line in stream_lines()} >= {200, 502}, timeout=5)
    assert TOKEN not in gateway["stdout"].read_text()
    assert TOKEN not in gateway["stderr"].read_text()
