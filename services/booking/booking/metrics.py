"""Booking's own Prometheus metrics, on the app's registry (docs/operations.md "Metrics")."""
from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Gauge, Histogram

# 叫号: minutes of waiting and of service at a desk, in seconds.
CALLING_BUCKETS = (30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200)


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
        # What the CalendarUnconfirmed alert reads (docs/operations.md, "Every December"):
        # days of a year whose official schedule is neither in the package nor loaded.
        self.calendar_unconfirmed_days = Gauge(
            "calendar_unconfirmed_days", "Unconfirmed days (never released) within the next 30 days",
            ["center"], registry=registry)
        self.calendar_unconfirmed_release_in_days = Gauge(
            "calendar_unconfirmed_release_in_days",
            "Days until the first unconfirmed day would enter the release horizon (400: none within 400 days)",
            ["center"], registry=registry)

        # 叫号 (issue 18): check-in to first call, and first call to completion, per desk.
        self.calling_waiting = Histogram(
            "booking_calling_waiting_seconds", "Waiting time: check-in to the first call",
            ["center", "desk"], buckets=CALLING_BUCKETS, registry=registry)
        self.calling_service = Histogram(
            "booking_calling_service_seconds", "Service time: first call to completion",
            ["center", "desk"], buckets=CALLING_BUCKETS, registry=registry)

    def called(self, center: str, desk: int, waited_seconds: float) -> None:
        self.calling_waiting.labels(center, str(desk)).observe(max(waited_seconds, 0.0))

    def served(self, center: str, desk: int, seconds: float) -> None:
        self.calling_service.labels(center, str(desk)).observe(max(seconds, 0.0))

    def calendar_unconfirmed(self, center: str, *, within_30_days: int, release_in_days: int | None) -> None:
        self.calendar_unconfirmed_days.labels(center).set(within_30_days)
        self.calendar_unconfirmed_release_in_days.labels(center).set(
            400 if release_in_days is None else release_in_days)

    def cutoff_closed(self, center: str, at: datetime) -> None:
        # Never backwards: an early close of a later date, then an older date's re-run.
        value = at.timestamp()
        if value > self._last.get(center, float("-inf")):
            self._last[center] = value
            self.cutoff_last_closed.labels(center).set(value)

    def unallocated_since(self, center: str, requested_at: datetime | None, now: datetime) -> None:
        age = 0.0 if requested_at is None else max((now - requested_at).total_seconds(), 0.0)
        self.cutoff_unallocated_age.labels(center).set(age)
