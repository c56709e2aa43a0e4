"""One hub per booking process: what the LISTEN connection hears, fanned out to this
process's stream clients.

- A call (``booking_calls``) goes to every subscriber of its center, through a bounded
  queue per client: a client that does not keep up is dropped (its stream ends and the
  browser reconnects with a resync), never allowed to grow the process's memory.
- The last ``replay`` calls are kept, in the order they arrived (commit order, the same on
  every replica), so a client reconnecting with ``Last-Event-ID`` gets what it missed.
- A revoked display token (``booking_display_tokens``) closes the streams opened with it.
- After the listen connection (re)connects, every client is told to resync: notifications
  sent meanwhile are lost, and the replay memory no longer proves nothing was missed."""
from __future__ import annotations

import asyncio
from collections import deque

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge

from shared.logging import get_logger

from booking.streams.listener import Listener

log = get_logger(__name__)
CALLS_CHANNEL = "booking_calls"
TOKENS_CHANNEL = "booking_display_tokens"
# What a stream client may see of a call: never the booking id (the board shows numbers only).
CALL_FIELDS = ("seq", "desk", "queue_number", "kind", "called_at")
RESYNC = ("resync", None)


class Subscriber:
    """One stream client: the items for it (``("call", data)`` or ``RESYNC``); ``get()``
    gives ``None`` once it is closed (client gone, too slow, token revoked, shutdown)."""

    def __init__(self, hub: Hub, center: str, token_id: str | None, size: int) -> None:
        self.hub = hub
        self.center = center
        self.token_id = token_id
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=size + 1)   # + 1: room for the close
        self.size = size
        self.reason: str | None = None

    def offer(self, item) -> None:
        if self.reason is not None:
            return
        if self.queue.qsize() >= self.size:
            self.close("slow")
            return
        self.queue.put_nowait(item)

    def close(self, reason: str = "closed") -> None:
        if self.reason is not None:
            return
        self.reason = reason
        while not self.queue.empty():       # what it did not read is of no use any more
            self.queue.get_nowait()
        self.queue.put_nowait(None)
        self.hub.unsubscribe(self, reason)

    async def get(self):
        if self.reason is not None and self.queue.empty():
            return None
        return await self.queue.get()

    def pending(self) -> list:
        """What is queued now, without waiting (to fold several calls into one answer)."""
        items = []
        while not self.queue.empty():
            items.append(self.queue.get_nowait())
        if None in items:
            self.queue.put_nowait(None)
        return [i for i in items if i is not None]


class Hub:
    def __init__(self, dsn: str, registry: CollectorRegistry, *, replay: int = 200, queue_size: int = 64) -> None:
        self.queue_size = queue_size
        self.recent: deque[tuple[int, str, dict]] = deque(maxlen=replay)   # (seq, center, call)
        self.subscribers: set[Subscriber] = set()
        self.listener = Listener(dsn, {CALLS_CHANNEL: self._on_call, TOKENS_CHANNEL: self._on_token},
                                 self._on_connected)
        self.clients = Gauge("booking_stream_clients", "Open SSE streams of this process", registry=registry)
        self.clients.set_function(lambda: len(self.subscribers))
        self.closed = Counter("booking_stream_closed_total",
                              "SSE subscriptions ended, by reason (slow: dropped for not keeping up)",
                              ["reason"], registry=registry)
        self.calls_heard = Counter("booking_stream_calls_total", "Calls heard on the listen connection",
                                   registry=registry)

    def start(self) -> None:
        self.listener.start()

    async def stop(self) -> None:
        for sub in list(self.subscribers):
            sub.close("shutdown")
        await self.listener.stop()

    def subscribe(self, center: str, token_id: str | None = None) -> Subscriber:
        sub = Subscriber(self, center, token_id, self.queue_size)
        self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber, reason: str = "closed") -> None:
        if sub in self.subscribers:
            self.subscribers.discard(sub)
            self.closed.labels(reason).inc()
            if reason == "slow":
                log.warning("stream_client_dropped", reason=reason, center=sub.center)

    def replay_after(self, center: str, last_event_id: str | None) -> list[dict] | None:
        """The center's calls heard after the call ``last_event_id``, or None when that call
        is not in memory any more (or never was): the client needs the whole board."""
        try:
            last = int(last_event_id or "")
        except ValueError:
            return None
        found = None
        for i in range(len(self.recent) - 1, -1, -1):
            if self.recent[i][0] == last:
                found = i
                break
        if found is None:
            return None
        return [call for seq, c, call in list(self.recent)[found + 1:] if c == center]

    # ---- what the listener hears ------------------------------------------------------

    def _on_call(self, payload: str) -> None:
        data = orjson.loads(payload)
        call = {k: data.get(k) for k in CALL_FIELDS}
        call["seq"] = int(call["seq"])
        center = str(data["center"])
        self.calls_heard.inc()
        self.recent.append((call["seq"], center, call))
        for sub in list(self.subscribers):
            if sub.center == center:
                sub.offer(("call", call))

    def _on_token(self, payload: str) -> None:
        token_id = str(orjson.loads(payload)["id"])
        for sub in list(self.subscribers):
            if sub.token_id == token_id:
                sub.close("revoked")

    def _on_connected(self) -> None:
        self.recent.clear()
        for sub in list(self.subscribers):
            sub.offer(RESYNC)
