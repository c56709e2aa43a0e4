"""Everything a new booking is checked against, in one statement: whether its date has been
closed, the agent's rights, the live bookings it could clash with (with their lines), and
the names of its enterprises (the directory's and the agent's own). Under an
Idempotency-Key the same statement first claims the key.

Nothing here is locked: the checks give the precise refusal, and the database holds the
rules when requests race (unique indexes, the capacity upsert and its closed-date check).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from booking.domain.booking import Booking
from booking.domain.rights import BookingRights
from booking.adapters.bookings import NESTED_BOOKING, nested_bookings
from booking.adapters.idempotency_keys import claim_sql
from booking.adapters.rights import rights_from

# $1 center, $2 day, $3 period, $4 agent, $5 phone, $6 org codes.
_COLUMNS = (
    "(SELECT closed_at FROM cutoffs WHERE center = $1 AND day = $2 AND status <> 'open') AS closed_at,"
    " r.agent_id IS NOT NULL AS has_rights, r.no_shows, r.cancellations, r.suspended_until, r.reason,"
    # Candidates through the unique indexes' own look-ups, not a walk over the whole date.
    f" ARRAY(SELECT {NESTED_BOOKING} FROM bookings b WHERE b.status <> 'cancelled' AND b.id IN ("
    "   SELECT id FROM bookings WHERE center = $1 AND day = $2 AND period = $3 AND agent_id = $4"
    "    AND status <> 'cancelled'"
    "   UNION SELECT id FROM bookings WHERE center = $1 AND day = $2 AND period = $3 AND contact_phone = $5"
    "    AND status <> 'cancelled'"
    "   UNION SELECT booking_id FROM booking_lines WHERE center = $1 AND day = $2"
    "    AND org_code = ANY($6::text[]) AND status = 'active')"
    "  ORDER BY b.created_at, b.id) AS clashing,"
    " ARRAY(SELECT ROW(org_code, name) FROM enterprises WHERE org_code = ANY($6::text[])) AS directory,"
    " ARRAY(SELECT ROW(org_code, name) FROM agent_enterprises WHERE agent_id = $4"
    "  AND org_code = ANY($6::text[])) AS own"
    " FROM (SELECT 1) AS one LEFT JOIN booking_rights r ON r.agent_id = $4")
_CHECKS = f"SELECT {_COLUMNS}"
# The claim first ($7 key, $8 request hash, $9 now, $10 expired before): a repeat of a
# request in flight waits for it here, on the key.
_CLAIM_AND_CHECKS = (f"WITH claim AS ({claim_sql('$4', '$7', '$8', '$9', '$10')})"
                     f" SELECT EXISTS (SELECT 1 FROM claim) AS claimed, {_COLUMNS}")


@dataclass(frozen=True)
class KeyClaim:
    key: str
    request_hash: str
    now: datetime
    expired_before: datetime


@dataclass
class Checks:
    closed_at: datetime | None
    rights: BookingRights
    clashing: list[Booking]
    directory_names: dict[str, str]
    own_names: dict[str, str]
    claimed: bool = True    # False: the Idempotency-Key belongs to an earlier request


class BookingChecks:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def read(self, booking: Booking, claim: KeyClaim | None = None) -> Checks:
        args = [booking.center, booking.date, booking.period, booking.agent_id, booking.contact_phone,
                [line.org_code for line in booking.lines]]
        if claim is None:
            row = await self.conn.fetchrow(_CHECKS, *args)
        else:
            row = await self.conn.fetchrow(_CLAIM_AND_CHECKS, *args, claim.key, claim.request_hash,
                                           claim.now, claim.expired_before)
        return Checks(
            closed_at=row["closed_at"],
            rights=rights_from(booking.agent_id, row if row["has_rights"] else None),
            clashing=nested_bookings(row["clashing"]),
            directory_names=dict(row["directory"]), own_names=dict(row["own"]),
            claimed=True if claim is None else row["claimed"])
