"""How often SMS codes may be sent: a pure decision over past send times.

The service layer reads the send times of the phone (and of the client IP) for the last
``limits.lookback`` inside a transaction that locks them (e.g. an advisory lock on the phone),
asks ``sms_send_decision`` and, when allowed, records the new send in the same transaction.
Every replica then sees the same counts.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from identity.domain.errors import SmsRateLimited
from identity.domain.timeutil import require_aware, seconds_until


@dataclass(frozen=True)
class Window:
    """At most ``max_sends`` sends in any ``span`` ending now."""
    span: timedelta
    max_sends: int


@dataclass(frozen=True)
class SmsLimits:
    per_phone: tuple[Window, ...] = (
        Window(timedelta(minutes=1), 1),
        Window(timedelta(hours=1), 5),
        Window(timedelta(days=1), 10),
    )
    # A client IP may serve an office full of agents, hence larger numbers.
    per_ip: tuple[Window, ...] = (
        Window(timedelta(hours=1), 20),
        Window(timedelta(days=1), 100),
    )

    @property
    def lookback(self) -> timedelta:
        """How far back the service layer must read send times."""
        return max(w.span for w in (*self.per_phone, *self.per_ip))


DEFAULT_SMS_LIMITS = SmsLimits()


@dataclass(frozen=True)
class SendDecision:
    allowed: bool
    retry_after: int = 0           # seconds; 0 when allowed
    limited_by: str | None = None  # "phone" | "ip", for logs and metrics

    def raise_if_refused(self) -> None:
        if not self.allowed:
            raise SmsRateLimited(self.retry_after)


def _free_again_at(now: datetime, sends: Sequence[datetime], window: Window) -> datetime | None:
    """When this window admits one more send, or None when it does now.

    A send counts while it is less than ``span`` old: one sent at 12:00:00 blocks until
    12:01:00 under 1/minute. Sends stamped after ``now`` (a clock moved back) still count.
    """
    recent = sorted(t for t in sends if t > now - window.span)
    if len(recent) < window.max_sends:
        return None
    # The window frees a slot when the send max_sends back from the newest ages out.
    return recent[-window.max_sends] + window.span


def _blocked_until(now: datetime, sends: Iterable[datetime], windows: Iterable[Window]) -> datetime | None:
    sends = list(sends)
    moments = [m for w in windows if (m := _free_again_at(now, sends, w)) is not None]
    # Counts only fall while nobody sends, so the latest moment frees every window.
    return max(moments) if moments else None


def sms_send_decision(now: datetime, phone_sends: Iterable[datetime],
                      ip_sends: Iterable[datetime] | None = None,
                      limits: SmsLimits = DEFAULT_SMS_LIMITS) -> SendDecision:
    """May a code be sent now? ``ip_sends`` None means the client IP is unknown (no IP limit)."""
    require_aware(now)
    phone_until = _blocked_until(now, phone_sends, limits.per_phone)
    ip_until = _blocked_until(now, ip_sends, limits.per_ip) if ip_sends is not None else None
    candidates = [(u, who) for u, who in ((phone_until, "phone"), (ip_until, "ip")) if u is not None]
    if not candidates:
        return SendDecision(allowed=True)
    until, who = max(candidates)
    return SendDecision(allowed=False, retry_after=seconds_until(until, now), limited_by=who)


def ip_rate_key(ip: str) -> str:
    """The key an IP's sends are counted under: the address, or its /64 for IPv6.

    One IPv6 host usually holds a whole /64 and could rotate through it; an IPv4-mapped
    IPv6 address counts as the IPv4 address.
    """
    addr = ipaddress.ip_address(ip.strip())
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{addr}/64", strict=False))
    return str(addr)
