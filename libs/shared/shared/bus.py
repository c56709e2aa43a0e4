"""RabbitMQ: one robust connection per process, the suite's exchanges, and publishing with
confirms, ``mandatory`` and a timeout. The first connection is made in the background so a
service starts (and keeps its outbox filling) while the broker is away."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import aio_pika
from aio_pika.abc import AbstractRobustChannel, AbstractRobustConnection, AbstractExchange

from shared import tracing
from shared.logging import get_logger

log = get_logger(__name__)


class BrokerUnavailable(RuntimeError):
    pass


class MessageTooLarge(ValueError):
    """A body above the publisher's cap (the broker's ``max_message_size`` would close the
    channel for it): refused before it leaves the process."""


# The cap on one message: RabbitMQ 4.x's own default. The largest event is a 20,000-booking
# day's allocation.completed, 2.4 MB (benchmarks/results/allocation_end_to_end.md); the day
# itself no longer travels in an event (allocation.requested is a claim check). The
# broker's max_message_size is set to the same number.
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class Topology:
    """Names derived from the events exchange, so a test can run in its own namespace."""

    def __init__(self, exchange: str = "cardcenter.events") -> None:
        self.events = exchange
        self.dead = f"{exchange}.dead"          # direct: routing key = the queue that gave up
        self.unrouted = f"{exchange}.unrouted"  # alternate exchange: nothing is dropped silently

    async def declare(self, channel: aio_pika.abc.AbstractChannel) -> AbstractExchange:
        unrouted = await channel.declare_exchange(self.unrouted, aio_pika.ExchangeType.FANOUT, durable=True)
        q = await channel.declare_queue(self.unrouted, durable=True, arguments={"x-queue-type": "quorum"})
        await q.bind(unrouted)
        await channel.declare_exchange(self.dead, aio_pika.ExchangeType.DIRECT, durable=True)
        return await channel.declare_exchange(
            self.events, aio_pika.ExchangeType.TOPIC, durable=True,
            arguments={"alternate-exchange": self.unrouted})


class Bus:
    def __init__(self, url: str, *, topology: Topology, service: str,
                 publish_timeout: float = 5.0, reconnect_interval: float = 2.0,
                 max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.url = url
        # AMQP user_id on every publish: the broker refuses one that is not the connection's
        # user, so consumers can tell who really published (shared.publisher_check).
        self.user = unquote(urlsplit(url).username or "guest")
        self.max_message_bytes = max_message_bytes
        self.topology = topology
        self.service = service
        self.publish_timeout = publish_timeout
        self.reconnect_interval = reconnect_interval
        self.connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._ready = asyncio.Event()
        self._connector: asyncio.Task[None] | None = None
        self._on_connected: list[Callable[[], Awaitable[None]]] = []

    # --- lifecycle -------------------------------------------------------------------
    def on_connected(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run once the first connection is up (consumers declare and start here)."""
        self._on_connected.append(callback)

    def start(self) -> None:
        self._connector = asyncio.create_task(self._connect_forever(), name="bus-connect")

    async def _connect_forever(self) -> None:
        while True:
            try:
                self.connection = await aio_pika.connect_robust(
                    self.url, client_properties={"connection_name": self.service},
                    reconnect_interval=self.reconnect_interval)
                break
            except (OSError, aio_pika.exceptions.AMQPError, asyncio.TimeoutError) as exc:
                log.warning("broker_connect_failed", error=type(exc).__name__)
                await asyncio.sleep(self.reconnect_interval)
        self._channel = await self.connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchange = await self.topology.declare(self._channel)
        self._ready.set()
        log.info("broker_connected")
        for callback in self._on_connected:
            await callback()

    async def wait_ready(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._ready.wait(), timeout)

    @property
    def is_connected(self) -> bool:
        return (self._ready.is_set() and self.connection is not None
                and not self.connection.is_closed and self._channel is not None
                and not self._channel.is_closed)

    async def close(self) -> None:
        if self._connector and not self._connector.done():
            self._connector.cancel()
            try:
                await self._connector
            except (asyncio.CancelledError, Exception):
                pass
        if self.connection is not None:
            await self.connection.close()

    async def channel(self, prefetch: int | None = None) -> AbstractRobustChannel:
        """A new channel on the shared connection (each consumer has its own)."""
        await self.wait_ready()
        assert self.connection is not None
        ch = await self.connection.channel()
        if prefetch:
            await ch.set_qos(prefetch_count=prefetch)
        return ch

    # --- publishing ------------------------------------------------------------------
    async def publish(self, body: bytes, routing_key: str, *, message_id: str,
                      correlation_id: str | None = None, headers: dict[str, Any] | None = None,
                      exchange: str | None = None) -> None:
        """Publish and wait for the broker's confirm. Raises on timeout, nack or return."""
        if not self._ready.is_set():
            raise BrokerUnavailable("not connected to the broker yet")
        assert self._channel is not None
        if len(body) > self.max_message_bytes:
            raise MessageTooLarge(f"{len(body)} bytes > {self.max_message_bytes}")
        headers = dict(headers or {})
        headers.update(tracing.current_carrier())   # W3C traceparent/tracestate of the current span
        message = aio_pika.Message(
            body, message_id=message_id, correlation_id=correlation_id, headers=headers,
            content_type="application/json", delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            app_id=self.service, user_id=self.user)
        if exchange is None:
            target = self._exchange
        elif exchange == "":
            target = self._channel.default_exchange
        else:
            target = await self._channel.get_exchange(exchange, ensure=False)
        assert target is not None
        # asyncio.timeout, not wait_for: Python 3.11's wait_for wraps the publish in a task of
        # its own, ~5% of booking's CPU in the cutoff's relay (issue 20). The same TimeoutError.
        async with asyncio.timeout(self.publish_timeout):
            await target.publish(message, routing_key=routing_key, mandatory=True)
