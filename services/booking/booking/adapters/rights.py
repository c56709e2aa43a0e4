"""Agents' booking rights and their audit trail."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import asyncpg

from booking.domain.events import RightsChanged, RightsSnapshot
from booking.domain.rights import BookingRights


class RightsRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def get(self, agent_id: str) -> BookingRights:
        row = await self.conn.fetchrow(
            "SELECT no_shows, cancellations, suspended_until, reason FROM booking_rights WHERE agent_id = $1",
            agent_id)
        return rights_from(agent_id, row)

    async def get_for_update(self, agent_id: str) -> BookingRights:
        """Lock the agent's row (creating it first) until the transaction ends, so that
        concurrent cancellations are counted one after the other."""
        await self.conn.execute("INSERT INTO booking_rights (agent_id) VALUES ($1) ON CONFLICT DO NOTHING",
                                agent_id)
        row = await self.conn.fetchrow(
            "SELECT no_shows, cancellations, suspended_until, reason FROM booking_rights"
            " WHERE agent_id = $1 FOR UPDATE", agent_id)
        return rights_from(agent_id, row)

    async def save(self, rights: BookingRights, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE booking_rights SET no_shows = $2, cancellations = $3, suspended_until = $4, reason = $5,"
            " updated_at = $6 WHERE agent_id = $1",
            rights.agent_id, rights.no_shows, rights.cancellations, rights.suspended_until, rights.reason, now)

    async def audit(self, change: RightsChanged, *, actor: str | None, request_id: str | None) -> None:
        await self.conn.execute(
            "INSERT INTO rights_audit (agent_id, at, change, actor, note, request_id, before, after)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            change.agent_id, change.at, change.change, change.actor or actor, change.note, request_id,
            _snapshot_json(change.before), _snapshot_json(change.after))

    async def audit_trail(self, agent_id: str) -> list[dict]:
        rows = await self.conn.fetch(
            "SELECT at, change, actor, note, request_id, before, after FROM rights_audit"
            " WHERE agent_id = $1 ORDER BY id", agent_id)
        return [dict(r) for r in rows]


def rights_from(agent_id: str, row: asyncpg.Record | None) -> BookingRights:
    if row is None:
        return BookingRights(agent_id)
    return BookingRights(agent_id, no_shows=row["no_shows"], cancellations=row["cancellations"],
                         suspended_until=row["suspended_until"], reason=row["reason"])


def _snapshot_json(snapshot: RightsSnapshot) -> dict:
    data = asdict(snapshot)
    if data["suspended_until"] is not None:
        data["suspended_until"] = data["suspended_until"].isoformat()
    return data
