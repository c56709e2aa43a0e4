"""Server-Sent Events answers (shared.http.sse) on a real aiohttp server: framing, events
written as they are sent (not held back), heartbeats, a client that leaves, and the close
at shutdown that makes clients reconnect."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web

from shared.http import sse
from shared.http.access import public_handler
from testsupport.fixtures import free_port


def test_an_event_is_framed_with_id_event_and_one_data_line_per_line():
    assert sse.frame("call", {"desk": 2, "number": "A003"}, 7) == \
        b'id: 7\nevent: call\ndata: {"desk":2,"number":"A003"}\n\n'
    assert sse.frame("note", "two\nlines\r\nthree") == b"event: note\ndata: two\ndata: lines\ndata: three\n\n"
    assert sse.comment("hb") == b": hb\n\n"


def test_a_newline_cannot_smuggle_a_field_into_the_framing():
    for bad in ("call\ndata: forged", "x\r"):
        with pytest.raises(ValueError):
            sse.frame(bad, {})
    with pytest.raises(ValueError):
        sse.frame("call", {}, "1\nevent: forged")


async def read_events(response: aiohttp.ClientResponse, count: int, timeout: float = 5.0) -> list[str]:
    """The next ``count`` blocks (events or comments) of the stream, as text."""
    blocks: list[str] = []
    buf = b""
    async with asyncio.timeout(timeout):
        while len(blocks) < count:
            chunk = await response.content.readany()
            if not chunk:
                break
            buf += chunk
            while b"\n\n" in buf:
                block, buf = buf.split(b"\n\n", 1)
                blocks.append(block.decode())
    return blocks


@pytest.fixture
async def served():
    """A server with /stream: each request waits on a queue of (event, data) it is given."""
    feeds: list[asyncio.Queue] = []
    closed: list[str] = []
    app = web.Application()
    sse.install(app)

    async def stream(request: web.Request) -> web.StreamResponse:
        feed: asyncio.Queue = asyncio.Queue()
        feeds.append(feed)
        async with sse.EventStream(request, heartbeat=float(request.query.get("hb", 15))) as out:
            out.on_close(lambda: closed.append("closed"))
            while not out.closed.is_set():
                getter = asyncio.create_task(feed.get())
                stop = asyncio.create_task(out.closed.wait())
                done, _ = await asyncio.wait({getter, stop}, return_when=asyncio.FIRST_COMPLETED)
                getter.cancel()
                stop.cancel()
                if getter in done:
                    try:
                        await out.send(*getter.result())
                    except sse.StreamClosed:
                        break
        return out.response

    app.router.add_get("/stream", public_handler(stream))
    runner = web.AppRunner(app, shutdown_timeout=5)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", feeds, closed, runner
    finally:
        await runner.cleanup()


async def test_events_reach_the_client_as_they_are_sent(served):
    url, feeds, _closed, _runner = served
    async with aiohttp.ClientSession() as http, http.get(f"{url}/stream") as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == "text/event-stream; charset=utf-8"
        assert r.headers["X-Accel-Buffering"] == "no"
        assert "no-cache" in r.headers["Cache-Control"]
        assert await read_events(r, 1) == ["retry: 3000"]
        for n in range(3):
            # Each one arrives before the next is sent: nothing is held back.
            await feeds[0].put(("call", {"n": n}, n))
            assert await read_events(r, 1, timeout=2) == [f'id: {n}\nevent: call\ndata: {{"n":{n}}}']


async def test_an_idle_stream_gets_heartbeats(served):
    url, _feeds, _closed, _runner = served
    async with aiohttp.ClientSession() as http, http.get(f"{url}/stream", params={"hb": "0.2"}) as r:
        assert await read_events(r, 3, timeout=3) == ["retry: 3000", ": hb", ": hb"]


async def test_a_client_that_leaves_closes_its_stream(served):
    url, _feeds, closed, _runner = served
    async with aiohttp.ClientSession() as http, http.get(f"{url}/stream", params={"hb": "0.1"}) as r:
        await read_events(r, 1)
    # The next heartbeat finds the connection gone: the stream closes and tells its feeder.
    async with asyncio.timeout(5):
        while not closed:
            await asyncio.sleep(0.05)


async def test_shutdown_ends_every_stream_at_once(served):
    url, _feeds, closed, runner = served
    async with aiohttp.ClientSession() as http:
        responses = [await http.get(f"{url}/stream") for _ in range(3)]
        for r in responses:
            await read_events(r, 1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        cleanup = asyncio.create_task(runner.cleanup())
        for r in responses:
            async with asyncio.timeout(3):
                assert await r.content.read() == b""          # the end of the stream, not a hang
        await cleanup
        # Well within the runner's 5 s shutdown timeout: the streams ended, nobody waited them out.
        assert loop.time() - started < 2
        assert closed == ["closed"] * 3
