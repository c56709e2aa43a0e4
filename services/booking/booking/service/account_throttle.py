"""Per-account throttles on the writes that cost the center most (booking creation,
enterprise creation): at most ``max_hits`` requests of one account in a fixed window,
counted in PostgreSQL so every replica shares the count. Refused: 429 problem+json with
``Retry-After`` (the end of the window) and the action's own code."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from shared.errors import TooManyRequests

from booking.service.context import BookingContext

_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)

# One statement: drop this account's past windows for the action, count this hit.
_HIT = """
WITH gone AS (DELETE FROM account_throttles WHERE agent_id = $1 AND action = $2 AND window_start < $3)
INSERT INTO account_throttles (agent_id, action, window_start, hits) VALUES ($1, $2, $3, 1)
ON CONFLICT (agent_id, action, window_start) DO UPDATE SET hits = account_throttles.hits + 1
RETURNING hits"""


@dataclass(frozen=True)
class Throttle:
    action: str            # "booking.create" | "enterprise.create"
    code: str              # the problem's code when refused
    max_hits: int
    window: timedelta

    def window_start(self, now: datetime) -> datetime:
        span = self.window.total_seconds()
        return _EPOCH + timedelta(seconds=((now - _EPOCH).total_seconds() // span) * span)


def booking_throttle(ctx: BookingContext) -> Throttle:
    s = ctx.settings
    return Throttle("booking.create", "booking.rate_limited", s.throttle_bookings_max,
                    timedelta(seconds=s.throttle_bookings_window_seconds))


def enterprise_throttle(ctx: BookingContext) -> Throttle:
    s = ctx.settings
    return Throttle("enterprise.create", "enterprise.rate_limited", s.throttle_enterprises_max,
                    timedelta(seconds=s.throttle_enterprises_window_seconds))


async def check(ctx: BookingContext, throttle: Throttle, agent_id: str) -> None:
    """Count this request; raise 429 when the account is over its budget for the window."""
    if throttle.max_hits <= 0:       # 0: off
        return
    now = ctx.clock.now()
    start = throttle.window_start(now)
    async with ctx.db.connection() as conn:
        hits = await conn.fetchval(_HIT, agent_id, throttle.action, start)
    if hits > throttle.max_hits:
        retry_after = int((start + throttle.window - now).total_seconds()) + 1
        raise TooManyRequests(f"at most {throttle.max_hits} requests per {int(throttle.window.total_seconds())} s"
                              " for this account", retry_after=retry_after, code=throttle.code)
