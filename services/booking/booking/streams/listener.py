"""The stream hub's own PostgreSQL connection: LISTEN on the calling channels, kept alive
and reconnected with backoff. Not from the pool: a LISTEN lives as long as its connection,
and a pooled one is handed to others (with no reset on release: shared.db).

After every connection (the first included) ``on_connected`` runs: notifications sent while
nobody listened are lost, so the hub tells its clients to resync."""
from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable

import asyncpg

from shared.db import TRANSIENT_DB_ERRORS
from shared.logging import get_logger

log = get_logger(__name__)
PING_SECONDS = 5.0        # a connection that died without a FIN is found within this + the timeout
PING_TIMEOUT = 5.0
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 10.0


class Listener:
    def __init__(self, dsn: str, channels: dict[str, Callable[[str], None]],
                 on_connected: Callable[[], None], *, connect_timeout: float = 5.0) -> None:
        self.dsn = dsn
        self.channels = channels
        self.on_connected = on_connected
        self.connect_timeout = connect_timeout
        self.connected = asyncio.Event()
        self.connections = 0          # how many times it connected (tests and metrics read it)
        self._task: asyncio.Task | None = None
        self._conn: asyncpg.Connection | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="booking-streams-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._close()

    async def _run(self) -> None:
        backoff = BACKOFF_FIRST
        while True:
            try:
                await self._connect()
                backoff = BACKOFF_FIRST
                await self._watch()
            except asyncio.CancelledError:
                raise
            except TRANSIENT_DB_ERRORS as exc:
                log.warning("stream_listener_lost", error=type(exc).__name__)
            self.connected.clear()
            await self._close()
            # Jittered: replicas that lost the server together do not all return at once.
            await asyncio.sleep(backoff * random.uniform(0.5, 1.0))
            backoff = min(backoff * 2, BACKOFF_MAX)

    async def _connect(self) -> None:
        self._conn = await asyncpg.connect(self.dsn, timeout=self.connect_timeout)
        for channel, handle in self.channels.items():
            await self._conn.add_listener(channel, self._dispatch(handle))
        self.connections += 1
        self.connected.set()
        log.info("stream_listener_connected", connections=self.connections)
        self.on_connected()

    async def _watch(self) -> None:
        conn = self._conn
        if conn is None:
            raise ConnectionError("the listen connection closed")
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        while not lost.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(lost.wait(), PING_SECONDS)
                break
            await conn.fetchval("SELECT 1", timeout=PING_TIMEOUT)
        raise ConnectionError("the listen connection closed")

    @staticmethod
    def _dispatch(handle: Callable[[str], None]):
        def on_notify(_conn, _pid, _channel, payload: str) -> None:
            try:
                handle(payload)
            except Exception:
                # One bad payload must not stop the listener (asyncpg would only log it).
                log.exception("stream_notification_failed")
        return on_notify

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)
            if not conn.is_closed():
                conn.terminate()
