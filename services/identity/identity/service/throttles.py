"""Spending a request budget (domain/throttles.py) per address, account or card: counted
in its own short autocommit statement, before the work it protects (an argon2 hash, a row
insert), so a refused request costs one UPSERT and a later failure does not undo the count."""
from __future__ import annotations

from shared.logging import get_logger

from identity.adapters import throttle_counters
from identity.domain.rate_limits import ip_rate_key
from identity.domain.throttles import Budget, refusal
from identity.service.context import IdentityContext

log = get_logger(__name__)


def address_key(client_ip: str | None) -> str | None:
    """The key an address is counted under (IPv6: its /64); None when unknown."""
    if not client_ip:
        return None
    try:
        return ip_rate_key(client_ip)
    except ValueError:
        return None


async def spend(ctx: IdentityContext, budget: Budget, key: str | None) -> None:
    """Count this request against ``budget`` for ``key``; 429 rate_limited + Retry-After when
    spent. No key (an address unknown, e.g. the operator's command): nothing to count."""
    if key is None:
        return
    now = ctx.now()
    async with ctx.db.connection() as conn:
        counts = [(limit, await throttle_counters.hit(conn, budget.name, key, limit, now)) for limit in budget.limits]
        await throttle_counters.maybe_forget_old(conn, now)
    refused = refusal(budget, now, counts)
    if refused is not None:
        log.info("throttled", budget=budget.name, retry_after=refused.extra.get("retry_after"))
        raise refused
