"""Per-account throttles on the writes that cost the center most (booking creation,
enterprise creation): at most ``max_hits`` requests of one account in a fixed window,
counted in PostgreSQL so every replica shares the count. Refused: 429 problem+json with
``Retry-After`` (the end of the window) and the action's own code.

Enterprise creation counts a request on its own statement (``check``, a route check).
Booking creation counts it in the booking's first statement, the checks' read
(adapters/booking_checks.py, ``Throttle.hit_at``); a request refused before that statement
counts alone (``check``, on the request's connection when it has one)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import asyncpg

from shared.errors import TooManyRequests

from booking.adapters.account_throttles import Hit, count_hit
from booking.service.context import BookingContext

_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Throttle:
    action: str            # "booking.create" | "enterprise.create"
    code: str              # the problem's code when refused
    max_hits: int          # 0: off
    window: timedelta

    def window_start(self, now: datetime) -> datetime:
        span = self.window.total_seconds()
        return _EPOCH + timedelta(seconds=((now - _EPOCH).total_seconds() // span) * span)

    def hit_at(self, now: datetime) -> Hit | None:
        """What a statement counts for a request at ``now``; None when the throttle is off
        (nothing is counted)."""
        return Hit(self.action, self.window_start(now)) if self.max_hits > 0 else None

    def ensure_within(self, hits: int, now: datetime) -> None:
        """429 when ``hits`` (the window's count with this request) is over the budget."""
        if hits > self.max_hits:
            start = self.window_start(now)
            retry_after = int((start + self.window - now).total_seconds()) + 1
            raise TooManyRequests(f"at most {self.max_hits} requests per {int(self.window.total_seconds())} s"
                                  " for this account", retry_after=retry_after, code=self.code)


def booking_throttle(ctx: BookingContext) -> Throttle:
    s = ctx.settings
    return Throttle("booking.create", "booking.rate_limited", s.throttle_bookings_max,
                    timedelta(seconds=s.throttle_bookings_window_seconds))


def enterprise_throttle(ctx: BookingContext) -> Throttle:
    s = ctx.settings
    return Throttle("enterprise.create", "enterprise.rate_limited", s.throttle_enterprises_max,
                    timedelta(seconds=s.throttle_enterprises_window_seconds))


async def check(ctx: BookingContext, throttle: Throttle, agent_id: str, *,
                conn: asyncpg.Connection | None = None, now: datetime | None = None) -> None:
    """Count this request on its own statement (on ``conn``, or a pool connection of its
    own); raise 429 when the account is over its budget for the window."""
    now = now or ctx.clock.now()
    hit = throttle.hit_at(now)
    if hit is None:
        return
    if conn is None:
        async with ctx.db.connection() as own:
            hits = await count_hit(own, agent_id, hit)
    else:
        hits = await count_hit(conn, agent_id, hit)
    throttle.ensure_within(hits, now)
