"""Everything a new booking is checked against, in one statement: whether its date has been
closed, the agent's rights, the live bookings it could clash with (with their lines), and
the names of its enterprises (the directory's and the agent's own). The same statement
first counts the request against the account's throttle (service/account_throttle.py;
not when it is off) and, under an Idempotency-Key, then claims the key.

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
from booking.adapters.account_throttles import Hit, hit_ctes
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


def _statement(*, hit: bool, claim: bool) -> str:
    """The checks' read with the throttle's hit (``hits``) and the key's claim (``claimed``)
    in front. The hit comes first in the select list, as it does before a claim made
    on its own (service/booking_create.py), so the two row locks are always taken in
    the same order. A repeat of a request in flight waits for it here, on the key or on
    the account's count."""
    ctes, columns, n = [], [], 7
    if hit:   # $n action, $n+1 window start
        ctes.append(hit_ctes("$4", f"${n}", f"${n + 1}"))
        columns.append("(SELECT hits FROM hit) AS hits")
        n += 2
    if claim:  # $n key, $n+1 request hash, $n+2 now, $n+3 expired before
        ctes.append(f"claim AS ({claim_sql('$4', f'${n}', f'${n + 1}', f'${n + 2}', f'${n + 3}')})")
        columns.append("EXISTS (SELECT 1 FROM claim) AS claimed")
    with_ = f"WITH {', '.join(ctes)} " if ctes else ""
    return f"{with_}SELECT {''.join(c + ', ' for c in columns)}{_COLUMNS}"


_STATEMENTS = {(hit, claim): _statement(hit=hit, claim=claim) for hit in (False, True) for claim in (False, True)}


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
    hits: int | None = None  # the account's count with this request (None: not counted)


class BookingChecks:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def read(self, booking: Booking, claim: KeyClaim | None = None, hit: Hit | None = None) -> Checks:
        args = [booking.center, booking.date, booking.period, booking.agent_id, booking.contact_phone,
                [line.org_code for line in booking.lines]]
        if hit is not None:
            args += [hit.action, hit.window_start]
        if claim is not None:
            args += [claim.key, claim.request_hash, claim.now, claim.expired_before]
        row = await self.conn.fetchrow(_STATEMENTS[hit is not None, claim is not None], *args)
        return Checks(
            closed_at=row["closed_at"],
            rights=rights_from(booking.agent_id, row if row["has_rights"] else None),
            clashing=nested_bookings(row["clashing"]),
            directory_names=dict(row["directory"]), own_names=dict(row["own"]),
            claimed=True if claim is None else row["claimed"],
            hits=None if hit is None else row["hits"])
