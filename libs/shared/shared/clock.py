"""The one source of time for a service. In test mode it can be moved (``PUT /_test/clock``):
the moved clock keeps ticking from the instant it was set to, so schedulers see time pass."""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone


class Clock:
    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self._offset

    def monotonic(self) -> float:
        return time.monotonic()

    @property
    def offset(self) -> timedelta:
        """How far this clock is from real time (zero unless a test moved it): what a
        statement adds to the database's clock_timestamp() to count on this clock."""
        return self._offset

    @property
    def moved(self) -> bool:
        return self._offset != timedelta(0)

    def set(self, instant: datetime | None) -> None:
        """Jump to ``instant`` (aware) or back to real time with ``None``."""
        if instant is None:
            self._offset = timedelta(0)
        else:
            if instant.tzinfo is None:
                raise ValueError("the instant needs a UTC offset")
            self._offset = instant - datetime.now(timezone.utc)
        for listener in list(self._listeners):
            listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        """Schedulers register here to wake up at once when a test moves the clock."""
        self._listeners.append(listener)
