"""Server-Sent Events answers (text/event-stream): the framing (``id:``, ``event:``,
``data:``), a ``: hb`` comment every 15 s so proxies and clients see a live connection,
and a clean close when the app shuts down (``install(app)``), so that a restart ends every
stream and the clients reconnect instead of hanging on a half-dead one.

    async with EventStream(request) as stream:
        await stream.send("board", {...})
        ...                                   # until stream.closed is set

A write that fails (the client went away) or a heartbeat that cannot be written closes the
stream: ``closed`` is set and the ``on_close`` callbacks run, which is how whatever feeds
the stream learns to stop."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from shared.http.middlewares import STREAM_KEY

HEARTBEAT_SECONDS = 15.0
RETRY_MS = 3000            # what the browser waits before reconnecting
GONE_CHECK_SECONDS = 1.0   # how often an idle stream looks whether its client left
MEDIA_TYPE = "text/event-stream"
STREAMS_KEY: web.AppKey[set[EventStream]] = web.AppKey("sse_streams", set)


class StreamClosed(Exception):
    """The stream is closed (client gone, server shutting down, or closed by its owner)."""


def frame(event: str | None, data: Any, event_id: int | str | None = None) -> bytes:
    """One event: ``id:``, ``event:``, one ``data:`` line per line of the payload, blank line.
    Dicts and lists are sent as JSON (orjson writes no newline, but strings may have some)."""
    text = data if isinstance(data, str) else orjson.dumps(data, default=str).decode()
    lines = []
    if event_id is not None:
        lines.append(f"id: {_one_line(str(event_id))}")
    if event is not None:
        lines.append(f"event: {_one_line(event)}")
    lines.extend(f"data: {line}" for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return ("\n".join(lines) + "\n\n").encode()


def comment(text: str = "") -> bytes:
    return f": {_one_line(text)}\n\n".encode()


def _one_line(text: str) -> str:
    # A field value with a newline would start a new field: the stream's framing is ours.
    if "\n" in text or "\r" in text:
        raise ValueError("an SSE id, event name or comment cannot hold a newline")
    return text


def install(app: web.Application) -> None:
    """Close every open stream of ``app`` at shutdown, before aiohttp waits for handlers."""
    app[STREAMS_KEY] = set()

    async def close_streams(_app: web.Application) -> None:
        streams = app[STREAMS_KEY]
        for stream in list(streams):
            stream.close()
    app.on_shutdown.append(close_streams)


class EventStream:
    """An open text/event-stream answer to ``request``."""

    def __init__(self, request: web.Request, *, heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self.request = request
        self.heartbeat = heartbeat
        self.response = web.StreamResponse(headers={
            "Content-Type": f"{MEDIA_TYPE}; charset=utf-8",
            "Cache-Control": "no-cache, no-store, no-transform",
            # nginx: pass each event on at once (the gateway also says proxy_buffering off).
            "X-Accel-Buffering": "no",
        })
        self.closed = asyncio.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = asyncio.Lock()
        self._beat: asyncio.Task[None] | None = None

    async def __aenter__(self) -> EventStream:
        self.request[STREAM_KEY] = True       # not timed as a request (shared.http.middlewares)
        await self.response.prepare(self.request)
        self.request.app.get(STREAMS_KEY, set()).add(self)
        await self._write(f"retry: {RETRY_MS}\n\n".encode())
        self._beat = asyncio.create_task(self._heartbeats())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()
        self.request.app.get(STREAMS_KEY, set()).discard(self)
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._beat
        with contextlib.suppress(Exception):
            await self.response.write_eof()

    def on_close(self, callback: Callable[[], None]) -> None:
        if self.closed.is_set():
            callback()
        else:
            self._callbacks.append(callback)

    def close(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    async def send(self, event: str, data: Any, event_id: int | str | None = None) -> None:
        await self._write(frame(event, data, event_id))

    async def comment(self, text: str = "") -> None:
        await self._write(comment(text))

    async def _write(self, chunk: bytes) -> None:
        if self.closed.is_set():
            raise StreamClosed()
        try:
            async with self._lock:
                await self.response.write(chunk)
        except (ConnectionError, RuntimeError) as exc:  # reset, or "cannot write to closing transport"
            self.close()
            raise StreamClosed() from exc

    async def _heartbeats(self) -> None:
        # A comment, ignored by EventSource: it keeps idle proxies from timing the stream
        # out and finds a client that went away without a FIN. A client that closed its
        # connection is noticed within a second (aiohttp does not cancel the handler).
        loop = asyncio.get_running_loop()
        next_beat = loop.time() + self.heartbeat
        while not self.closed.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.closed.wait(), max(0.0, min(GONE_CHECK_SECONDS, next_beat - loop.time())))
                return
            transport = self.request.transport
            if transport is None or transport.is_closing():
                self.close()
                return
            if loop.time() >= next_beat:
                next_beat = loop.time() + self.heartbeat
                with contextlib.suppress(StreamClosed):
                    await self.comment("hb")
