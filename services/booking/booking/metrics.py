"""Booking's own Prometheus metrics, on the app's registry (docs/operations.md "Metrics")."""
from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Gauge


class BookingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        # What the CutoffNotRun alert reads. The scheduler refreshes it from the database on
        # every tick, so every replica reports it, not only the one that won the close.
        self.cutoff_last_closed = Gauge(
            "cutoff_last_closed_timestamp_seconds", "When the last cutoff of the center closed (Unix time)",
            ["center"], registry=registry)
        # What CutoffNotAllocated reads: a closed date whose allocation has not come back.
        self.cutoff_unallocated_age = Gauge(
            "cutoff_closed_unallocated_oldest_age_seconds",
            "Age of the oldest unanswered allocation request of a closed date (0 when none)",
            ["center"], registry=registry)
        self._last: dict[str, float] = {}

    def cutoff_closed(self, center: str, at: datetime) -> None:
        # Never backwards: an early close of a later date, then an older date's re-run.
        value = at.timestamp()
        if value > self._last.get(center, float("-inf")):
            self._last[center] = value
            self.cutoff_last_closed.labels(center).set(value)

    def unallocated_since(self, center: str, requested_at: datetime | None, now: datetime) -> None:
        age = 0.0 if requested_at is None else max((now - requested_at).total_seconds(), 0.0)
        self.cutoff_unallocated_age.labels(center).set(age)
