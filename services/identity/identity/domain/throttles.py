"""Request budgets: at most N requests per key (an address, an account, a card) in fixed
windows of time. Pure: the counting itself is one UPSERT per window in the database
(adapters/throttle_counters.py), so every replica shares the counts.

Fixed windows (aligned on the epoch) need one row per (budget, key, window), not one per
request, and a refusal always ends when its window does: nobody is blocked for good, and
an attacker who keeps hammering only keeps the window full until it ends.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from identity.domain.errors import Throttled
from identity.domain.timeutil import require_aware, seconds_until

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Limit:
    """At most ``max_hits`` in each fixed window of ``span``."""
    span: timedelta
    max_hits: int

    def window_start(self, now: datetime) -> datetime:
        require_aware(now)
        span = int(self.span.total_seconds())
        elapsed = int((now - EPOCH).total_seconds())
        return EPOCH + timedelta(seconds=elapsed - elapsed % span)

    def window_end(self, now: datetime) -> datetime:
        return self.window_start(now) + self.span


@dataclass(frozen=True)
class Budget:
    """A named budget (``card_challenge.address``...) and its limits."""
    name: str
    limits: tuple[Limit, ...]


def refusal(budget: Budget, now: datetime, counts: list[tuple[Limit, int]]) -> Throttled | None:
    """The refusal for these counts (this request included), or None when every limit holds.
    Retry-After: when the last of the exceeded windows ends."""
    over = [limit.window_end(now) for limit, hits in counts if hits > limit.max_hits]
    if not over:
        return None
    return Throttled(seconds_until(max(over), now), budget.name)


def per_minute(n: int) -> Limit:
    return Limit(timedelta(minutes=1), n)


def per_hour(n: int) -> Limit:
    return Limit(timedelta(hours=1), n)
