"""The notifier's own Prometheus metrics, on the service's registry (``/metrics``)."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class NotifierMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter("sms_attempts_total", "Provider calls by outcome (delivered, retry, failed)",
                                ["outcome"], registry=registry)
        self.in_flight = Gauge("sms_sends_in_flight", "Sends holding a permit in this process",
                               registry=registry)
