"""Booking rights: what an agent sees, counting cancellations and no-shows, and lifting a
suspension.
Every change is written to the audit table in the transaction that makes it."""
from __future__ import annotations

from datetime import datetime, tzinfo

from shared.contracts.booking import BookingSuspended
from shared.unit_of_work import UnitOfWork

from booking.adapters.agents import Agents
from booking.adapters.rights import RightsRepository
from booking.domain.events import RightsChanged
from booking.service.agent_search import agent_profile
from booking.service.context import BookingContext
from booking.service.request_context import current_request_id


def rights_view(rights, now: datetime, zone: tzinfo | None = None) -> dict:
    """``zone``: the center's; the suspension's end is shown on its wall clock."""
    status = rights.status(now)
    until = status.suspended_until
    if until is not None and zone is not None:
        until = until.astimezone(zone)
    return {"suspended_until": until.isoformat() if until else None,
            "reason": status.reason, "no_shows": status.no_shows, "cancellations": status.cancellations}


async def my_rights(ctx: BookingContext, agent_id: str) -> dict:
    async with ctx.db.connection() as conn:
        rights = await RightsRepository(conn).get(agent_id)
    return rights_view(rights, ctx.clock.now(), ctx.centers.get(None).zone)


async def count_cancellation(uow: UnitOfWork, agent_id: str, *, note: str,
                             zone: tzinfo | None = None) -> RightsChanged:
    """One cancellation for ``agent_id``, inside the caller's unit of work. The row lock
    makes concurrent cancellations of one agent count one after the other."""
    now = uow.now
    repo = RightsRepository(uow.conn)
    rights = await repo.get_for_update(agent_id)
    change = rights.record_cancellations(1, now, note, zone)
    await repo.save(rights, now)
    await repo.audit(change, actor=agent_id, request_id=current_request_id())
    if change.change == "suspended":
        await _suspended(uow, change, count=change.before.cancellations + 1)
    return change


async def count_no_show(uow: UnitOfWork, agent_id: str, *, note: str, actor: str | None,
                        zone: tzinfo | None = None) -> RightsChanged:
    """One no-show for ``agent_id`` (late at the desk, marked by the clerk, or swept at
    closing), inside the caller's transaction; the third suspends the agent's rights for
    six months and tells the agent. ``actor``: the clerk, or None for the system; ``zone``:
    the center's, whose calendar months the suspension counts."""
    now = uow.now
    repo = RightsRepository(uow.conn)
    rights = await repo.get_for_update(agent_id)
    change = rights.record_no_show(now, note, zone)
    await repo.save(rights, now)
    await repo.audit(change, actor=actor, request_id=current_request_id())
    if change.change == "suspended":
        await _suspended(uow, change, count=change.before.no_shows + 1)
    return change


async def _suspended(uow: UnitOfWork, change: RightsChanged, *, count: int) -> None:
    """booking.suspended tells the agent (the notifier's SMS), with the unit's commit."""
    assert change.after.suspended_until is not None and change.after.reason is not None
    uow.add(BookingSuspended(
        agent_id=change.agent_id, phone=await Agents(uow.conn).phone_of(change.agent_id),
        suspended_until=change.after.suspended_until, reason=change.after.reason, count=count),
        occurred_at=change.at)


async def lift_suspension(ctx: BookingContext, admin_id: str, agent_id: str, reason: str) -> bool:
    """End the agent's suspension now; False when there was none (nothing recorded)."""
    async with ctx.unit_of_work() as uow:
        repo = RightsRepository(uow.conn)
        rights = await repo.get_for_update(agent_id)
        change = rights.lift(uow.now, actor=admin_id, note=reason)
        if change is None:
            return False
        await repo.save(rights, uow.now)
        await repo.audit(change, actor=admin_id, request_id=current_request_id())
    return True


async def agent_rights_with_audit(ctx: BookingContext, agent_id: str) -> dict:
    """For administrators: the agent's rights and every recorded change to them."""
    async with ctx.db.connection() as conn:
        repo = RightsRepository(conn)
        rights = await repo.get(agent_id)
        trail = await repo.audit_trail(agent_id)
    zone = ctx.centers.get(None).zone
    return {**rights_view(rights, ctx.clock.now(), zone), "agent_id": agent_id,
            "audit": [{**entry, "at": entry["at"].astimezone(zone).isoformat()} for entry in trail],
            "agent": await agent_profile(ctx, agent_id)}
