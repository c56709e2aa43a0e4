"""The notifier's own Prometheus metrics, on the service's registry (``/metrics``)."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class NotifierMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter("sms_attempts_total", "Provider calls by outcome (delivered, retry, failed)",
                                ["outcome"], registry=registry)
        self.in_flight = Gauge("sms_sends_in_flight", "Sends holding a permit in this process",
                               registry=registry)
        # Read from the database by every replica (the same figure on each): what the
        # autoscaler scales on (deploy/k8s/notifier-keda.yaml) and the alerts watch.
        self.pending = Gauge("notifier_sms_pending_messages",
                             "SMS not final yet: pending, awaiting a retry or being sent (all replicas)",
                             registry=registry)
        self.oldest_pending_age = Gauge("notifier_sms_oldest_pending_age_seconds",
                                        "Age of the oldest SMS not final yet, since it was recorded (0: none)",
                                        registry=registry)
