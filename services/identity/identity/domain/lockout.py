"""Locking a login after repeated failures: pure decisions over failure times.

Failures are counted per (login identifier, client address): the normalised username, or
the phone for SMS login, whether or not such a user exists (a lock, like a wrong password,
must not tell an attacker which usernames are real). ``lock_state`` over one address's
failures locks that address out of that identifier; an attacker's failures elsewhere never
lock the owner out. While locked, the service refuses with 429 auth.locked without checking
the password and without recording a failure, so that the lock ends on time; a successful
login clears that address's failures.

Across all addresses, ``slowdown_state`` slows an identifier under a distributed attack:
past ``threshold`` failures in the window, one attempt per ``interval`` (a short
Retry-After, never a lock). Addresses the identifier logged in from lately skip it.
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


@dataclass(frozen=True)
class SlowdownPolicy:
    threshold: int = 20
    window: timedelta = timedelta(minutes=15)
    interval: timedelta = timedelta(seconds=5)
    # An address the identifier logged in from within this long skips the slowdown.
    known_for: timedelta = timedelta(days=30)


DEFAULT_SLOWDOWN = SlowdownPolicy()


def slowdown_state(now: datetime, failures: Iterable[datetime],
                   policy: SlowdownPolicy = DEFAULT_SLOWDOWN) -> LockState:
    """``failures``: the identifier's failures from every address. Slowed while there were
    at least ``threshold`` within ``window`` and the latest is younger than ``interval``."""
    require_aware(now)
    recent = sorted(f for f in failures if f > now - policy.window)
    if len(recent) < policy.threshold:
        return LockState(locked_until=None)
    until = recent[-1] + policy.interval
    if now >= until:
        return LockState(locked_until=None)
    return LockState(locked_until=until, retry_after=seconds_until(until, now))


def username_key(username: str) -> str:
    """The identifier failures of a password login are counted under."""
    return "username:" + username.strip().lower()


def phone_key(phone: str) -> str:
    """The identifier failures of an SMS-code login are counted under."""
    return "phone:" + phone.strip()


def card_proof_key(user_id: str) -> str:
    """The identifier a card binding's password / code tries are counted under: guessing
    the password with a stolen token is stopped like a login, without locking the login."""
    return "card_proof:" + user_id
