"""Locking a login after repeated failures: a pure decision over failure times.

Failures are counted per login identifier (the normalised username, or the phone for
SMS login), whether or not such a user exists: a lock, like a wrong password, must not
tell an attacker which usernames are real. While locked, the service refuses with
429 auth.locked without checking the password and without recording a failure, so that
the lock ends on time; a successful login clears the failures.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from identity.domain.errors import AccountLocked
from identity.domain.timeutil import require_aware, seconds_until


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=15)

    @property
    def lookback(self) -> timedelta:
        """How far back the service layer must read failures (older ones never matter)."""
        return self.window + self.lock_for


DEFAULT_LOCKOUT = LockoutPolicy()


@dataclass(frozen=True)
class LockState:
    locked_until: datetime | None
    retry_after: int = 0

    @property
    def locked(self) -> bool:
        return self.locked_until is not None

    def raise_if_locked(self) -> None:
        if self.locked:
            raise AccountLocked(self.retry_after)


def locked_until(failures: Iterable[datetime], policy: LockoutPolicy = DEFAULT_LOCKOUT) -> datetime | None:
    """The end of the latest lock these failures caused, or None.

    The ``max_failures``-th failure within ``window`` starts a lock of ``lock_for``;
    counting then starts again from zero after the lock.
    """
    until: datetime | None = None
    streak: list[datetime] = []
    for failure in sorted(failures):
        if until is not None and failure < until:
            continue  # should not have been recorded during a lock; never extends it
        streak = [f for f in streak if f > failure - policy.window] + [failure]
        if len(streak) >= policy.max_failures:
            until = failure + policy.lock_for
            streak = []
    return until


def lock_state(now: datetime, failures: Iterable[datetime], policy: LockoutPolicy = DEFAULT_LOCKOUT) -> LockState:
    """Is the identifier locked at ``now``? Locked while ``now < locked_until``."""
    require_aware(now)
    until = locked_until(failures, policy)
    if until is None or now >= until:
        return LockState(locked_until=None)
    return LockState(locked_until=until, retry_after=seconds_until(until, now))


def username_key(username: str) -> str:
    """The identifier failures of a password login are counted under."""
    return "username:" + username.strip().lower()


def phone_key(phone: str) -> str:
    """The identifier failures of an SMS-code login are counted under."""
    return "phone:" + phone.strip()
