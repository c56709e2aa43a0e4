"""Prometheus metrics, one registry per app so tests can build several apps in a process."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = {"registry": self.registry}
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
        self.service = service
