"""When to try an SMS again: exponential backoff with full jitter, bounded attempts.

Plain Python, no I/O, no sleeping: the policy says how long to wait, the caller waits
(or schedules). Randomness is injected (any object with ``random() -> float in [0, 1)``,
e.g. ``random.Random(seed)``) so tests are reproducible.

Attempts are numbered from 1. After attempt ``n`` failed with a retryable outcome, the
wait before attempt ``n + 1`` is drawn uniformly from ``[0, min(cap, base * 2**(n-1)))``
("full jitter"). When the provider asked for a wait (429 ``Retry-After``) the wait is at
least that, but never more than ``max_retry_after``. Once ``max_attempts`` attempts have
been made the message fails (``notification.failed``).

Classification of a provider outcome (api.md, "The SMS provider"):

- 2xx -> ``DELIVERED``;
- 429, 5xx, a timeout or a connection error (no status) -> ``RETRY``;
- any other status (other 4xx, and 1xx/3xx, which a JSON API never should answer) ->
  ``FAILED`` at once.
"""
from __future__ import annotations

import enum
import random as _random
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "Outcome",
    "Decision",
    "RandomSource",
    "RetryPolicy",
    "classify_status",
]


class RandomSource(Protocol):
    def random(self) -> float: ...


class Outcome(str, enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


def classify_status(status: int | None, *, timed_out: bool = False) -> Outcome:
    """Classify one provider answer. ``status=None`` means no HTTP answer at all (timeout,
    connection refused/reset): retryable, like ``timed_out=True``."""
    if timed_out or status is None:
        return Outcome.RETRY
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status == 429 or 500 <= status < 600:
        return Outcome.RETRY
    return Outcome.FAILED


@dataclass(frozen=True)
class Decision:
    """What to do after an attempt.

    ``outcome`` is DELIVERED, RETRY (wait ``delay`` seconds, then make attempt
    ``next_attempt``) or FAILED (``reason``: ``"permanent"`` for a non-retryable answer,
    ``"exhausted"`` when the retryable failures used up ``max_attempts``).
    """
    outcome: Outcome
    delay: float | None = None
    next_attempt: int | None = None
    reason: str | None = None

    @property
    def final(self) -> bool:
        return self.outcome is not Outcome.RETRY


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 1.0            # seconds: ceiling of the first wait
    cap: float = 60.0            # seconds: no ceiling above this
    max_attempts: int = 6        # attempts in all, the first one included
    max_retry_after: float = 300.0  # seconds: a provider's Retry-After is honoured up to this

    def __post_init__(self) -> None:
        if self.base <= 0:
            raise ValueError("base must be > 0")
        if self.cap < self.base:
            raise ValueError("cap must be >= base")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.max_retry_after < 0:
            raise ValueError("max_retry_after must be >= 0")

    def ceiling(self, attempt: int) -> float:
        """Upper bound of the wait after failed attempt ``attempt`` (1-based):
        ``min(cap, base * 2**(attempt-1))``."""
        if attempt < 1:
            raise ValueError("attempt numbers start at 1")
        # Avoid float overflow for absurd attempt numbers: past the cap it stays the cap.
        exp = attempt - 1
        if exp >= 1024:
            return self.cap
        return min(self.cap, self.base * (2.0 ** exp))

    def backoff(self, attempt: int, rng: RandomSource | None = None,
                retry_after: float | None = None) -> float:
        """Wait before the attempt after failed attempt ``attempt``: full jitter in
        ``[0, ceiling(attempt))``, raised to ``retry_after`` (bounded by
        ``max_retry_after``) when the provider asked for one."""
        source = rng if rng is not None else _random
        delay = source.random() * self.ceiling(attempt)
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(float(retry_after), self.max_retry_after))
        return delay

    def can_retry(self, attempt: int) -> bool:
        """Whether another attempt may follow failed attempt ``attempt``."""
        return attempt < self.max_attempts

    def decide(self, attempt: int, outcome: Outcome, *, retry_after: float | None = None,
               rng: RandomSource | None = None) -> Decision:
        """What to do after attempt ``attempt`` ended with ``outcome``."""
        if attempt < 1:
            raise ValueError("attempt numbers start at 1")
        if outcome is Outcome.DELIVERED:
            return Decision(Outcome.DELIVERED)
        if outcome is Outcome.FAILED:
            return Decision(Outcome.FAILED, reason="permanent")
        if not self.can_retry(attempt):
            return Decision(Outcome.FAILED, reason="exhausted")
        return Decision(Outcome.RETRY, delay=self.backoff(attempt, rng, retry_after),
                        next_attempt=attempt + 1)
