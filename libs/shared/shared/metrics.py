"""Prometheus metrics, one registry per app so tests can build several apps in a process.

A registry of our own does not get prometheus_client's default collectors (those sit on the
global REGISTRY), so the process, platform and gc collectors are registered on it here: without
them there were no ``process_*`` / ``python_*`` series. Names follow Prometheus' conventions:
base units as suffix (``_seconds``), ``_total`` on counters."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prometheus_client import (CollectorRegistry, Counter, Gauge, GCCollector, Histogram, PlatformCollector,
                               ProcessCollector)

if TYPE_CHECKING:
    import asyncpg

# From a 5 ms handler to a closed day of 20,000 bookings (tens of seconds in the allocator).
HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
# Event age at handling: includes the broker's queueing and the retry delays (1 s, 5 s, 30 s).
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
ACQUIRE_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels: dict[str, Any] = {"registry": self.registry}
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.http_requests = Counter("http_requests_total", "HTTP requests by route and status",
                                     ["method", "route", "status"], **labels)
        self.http_latency = Histogram(
            "http_request_duration_seconds", "HTTP request latency by route", ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), **labels)
        self.outbox_backlog = Gauge("outbox_backlog", "Outbox rows not yet confirmed by the broker", **labels)
        self.outbox_oldest_age = Gauge("outbox_oldest_age_seconds", "Age of the oldest unsent outbox row",
                                       **labels)
        self.events_published = Counter("events_published_total", "Events confirmed by the broker", **labels)
        self.events_consumed = Counter("events_consumed_total", "Events handled, by queue and outcome",
                                       ["queue", "outcome"], **labels)
        self.consumers = Gauge("consumers_running", "Consumers attached to their queues", **labels)
        self.consumers_configured = Gauge("consumers_configured", "Consumers this service declares", **labels)
        # Per consumer (queue): how long the handler's transaction took, and how old the event
        # was when handling began (now - envelope.occurred_at). Queue depth comes from RabbitMQ's
        # exporter (docs/operations.md "Metrics").
        self.handler_duration = Histogram(
            "consumer_handler_duration_seconds", "Handler time (inbox row + effects, one transaction) by queue",
            ["queue"], buckets=HANDLER_BUCKETS, **labels)
        self.consumer_lag = Histogram(
            "consumer_lag_seconds", "Age of an event when its handling began (now - occurred_at) by queue",
            ["queue"], buckets=LAG_BUCKETS, **labels)
        # The connection pool: read from the pool at scrape time (see watch_pool).
        self.db_pool_connections = Gauge("db_pool_connections", "Connections the pool holds open", **labels)
        self.db_pool_in_use = Gauge("db_pool_connections_in_use", "Pool connections acquired right now", **labels)
        self.db_pool_max = Gauge("db_pool_connections_max", "The pool's maximum size", **labels)
        self.db_acquire_wait = Histogram(
            "db_pool_acquire_duration_seconds", "Wait for a pool connection (timeouts included)",
            buckets=ACQUIRE_BUCKETS, **labels)
        self.db_acquire_timeouts = Counter("db_pool_acquire_timeouts_total",
                                           "Acquires that gave up after the acquire timeout", **labels)
        self.service = service

    def watch_pool(self, pool: asyncpg.Pool) -> None:
        """Pool figures at scrape time (asyncpg: get_size, get_idle_size, get_max_size)."""
        self.db_pool_connections.set_function(pool.get_size)
        self.db_pool_in_use.set_function(lambda: pool.get_size() - pool.get_idle_size())
        self.db_pool_max.set_function(pool.get_max_size)
