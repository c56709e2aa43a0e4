"""Bookings and their enterprise lines: stored, rebuilt as ``Booking`` aggregates, listed.

Inserting a booking that breaks a one-per-period or one-per-date rule fails on a partial
unique index; those violations come back as the domain's refusals, so a request that
lost a race gets the same 409 as one that was refused by the read before the write.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

import asyncpg
import orjson

from booking.domain.booking import Allocation, Booking, BookingStatus, EnterpriseLine, LineStatus, SmsStatus
from booking.domain.business_types import BusinessLine
from booking.domain.errors import BookingNotFound, DuplicatePeriod, EnterpriseAlreadyBooked

COLUMNS = ("id, agent_id, center, day, period, contact_name, contact_phone, status, created_at,"
           " sms_status, sms_resend_used, desk, segment_start, segment_end, queue_number")

_UNIQUE_REFUSALS = {
    "bookings_one_per_agent_period": lambda b: DuplicatePeriod(
        f"you already have a booking for {b.date} {b.period}"),
    "bookings_one_per_phone_period": lambda b: DuplicatePeriod(
        f"phone {b.contact_phone} is already on a booking for {b.date} {b.period}"),
    "booking_lines_one_per_enterprise_day": lambda b: EnterpriseAlreadyBooked(
        f"one of these enterprises is already booked on {b.date}"),
}


def unique_refusal(exc: asyncpg.UniqueViolationError, booking: Booking) -> Exception | None:
    """The domain's refusal for a new booking that broke a one-per-period or one-per-date
    index, or None for any other unique violation."""
    refusal = _UNIQUE_REFUSALS.get(exc.constraint_name or "")
    return refusal(booking) if refusal else None


def as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


class BookingRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    # --- writing --------------------------------------------------------------------

    async def save(self, booking: Booking, now: datetime) -> None:
        """Write back what can change after creation: statuses, SMS state, allocation."""
        a = booking.allocation
        await self.conn.execute(
            "UPDATE bookings SET status = $2, sms_status = $3, sms_resend_used = $4, updated_at = $5,"
            " desk = $6, segment_start = $7, segment_end = $8, queue_number = $9 WHERE id = $1",
            uuid.UUID(booking.id), str(booking.status), str(booking.sms_status), booking.sms_resend_used,
            now, a.desk if a else None, a.start if a else None, a.end if a else None,
            a.queue_number if a else None)
        # Only lines whose status moved: cancelled_at records when.
        await self.conn.executemany(
            "UPDATE booking_lines SET status = $3, cancelled_at = CASE WHEN $3 = 'cancelled'"
            " THEN coalesce(cancelled_at, $4) END WHERE booking_id = $1 AND org_code = $2 AND status <> $3",
            [(uuid.UUID(booking.id), line.org_code, str(line.status), now) for line in booking.lines])

    async def set_sms_statuses(self, outcomes: Mapping[uuid.UUID, tuple[SmsStatus, Iterable[SmsStatus]]], *,
                               now: datetime) -> set[uuid.UUID]:
        """Per booking, set its SMS status where the current one is among the statuses it may
        replace (the row lock and READ COMMITTED's re-check make this safe against a
        concurrent change). One statement for any number of bookings (issue 20: a batch of
        the notifier's reports); the ids that exist."""
        if not outcomes:
            return set()
        ids = list(outcomes)
        rows = await self.conn.fetch(
            "WITH o AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) AS o(id, status, replacing)),"
            " changed AS (UPDATE bookings b SET sms_status = o.status, updated_at = $4 FROM o"
            "  WHERE b.id = o.id AND b.sms_status = ANY(string_to_array(o.replacing, ',')) RETURNING 1)"
            " SELECT id FROM bookings WHERE id = ANY($1::uuid[])",
            ids, [str(outcomes[i][0]) for i in ids], [",".join(sorted(str(r) for r in outcomes[i][1])) for i in ids],
            now)
        return {r["id"] for r in rows}

    # --- reading --------------------------------------------------------------------

    async def get(self, booking_id: str, *, agent_id: str | None = None,
                  for_update: bool = False) -> Booking | None:
        """The booking, or None when there is none (or it is not ``agent_id``'s)."""
        key = as_uuid(booking_id)
        if key is None:
            return None
        row = await self.conn.fetchrow(
            f"SELECT {COLUMNS} FROM bookings WHERE id = $1 AND ($2::text IS NULL OR agent_id = $2)"
            + (" FOR UPDATE" if for_update else ""), key, agent_id)
        if row is None:
            return None
        return (await self.rebuild([row]))[0]

    async def lock(self, booking_id: str, *, agent_id: str | None = None) -> Booking:
        """The booking locked for this transaction (changes to one booking go one after the
        other); 404 when there is none, or, for an agent, when it is not theirs."""
        booking = await self.get(booking_id, agent_id=agent_id, for_update=True)
        if booking is None:
            whose = "you have no" if agent_id is not None else "there is no"
            raise BookingNotFound(f"{whose} booking {booking_id}")
        return booking

    async def page(self, agent_id: str, *, start: date | None, end: date | None, status: str | None,
                   after: tuple[date, datetime, uuid.UUID] | None, limit: int) -> list[Booking]:
        """The agent's bookings in (day, created_at, id) order, after the keyset ``after``."""
        rows = await self.conn.fetch(
            f"SELECT {COLUMNS} FROM bookings WHERE agent_id = $1"
            " AND ($2::date IS NULL OR day >= $2) AND ($3::date IS NULL OR day <= $3)"
            " AND ($4::text IS NULL OR status = $4)"
            " AND ($5::date IS NULL OR (day, created_at, id) > ($5, $6, $7))"
            " ORDER BY day, created_at, id LIMIT $8",
            agent_id, start, end, status, *(after or (None, None, None)), limit)
        return await self.rebuild(rows)

    async def rebuild(self, rows: Sequence[asyncpg.Record]) -> list[Booking]:
        """Aggregates from ``SELECT {COLUMNS}`` rows, with their lines (one more query)."""
        if not rows:
            return []
        line_rows = await self.conn.fetch(
            "SELECT booking_id, org_code, name, businesses, status FROM booking_lines"
            " WHERE booking_id = ANY($1::uuid[]) ORDER BY booking_id, position", [r["id"] for r in rows])
        lines: dict[uuid.UUID, list[EnterpriseLine]] = {}
        for r in line_rows:
            lines.setdefault(r["booking_id"], []).append(
                _line(r["org_code"], r["name"], r["businesses"], r["status"]))
        return [_booking(r, lines.get(r["id"], [])) for r in rows]


# A booking as one record, its lines inside: ``ROW(<columns>, ARRAY(<line records>))``,
# for a statement that reads bookings among other things (booking_checks.py). jsonb goes
# as text: asyncpg hands a record's binary jsonb field to the pool's text codec.
NESTED_BOOKING = (
    "ROW(" + ", ".join(f"b.{c.strip()}" for c in COLUMNS.split(",")) + ","
    " ARRAY(SELECT ROW(l.org_code, l.name, l.businesses::text, l.status) FROM booking_lines l"
    "       WHERE l.booking_id = b.id ORDER BY l.position))")
_COLUMN_NAMES = tuple(c.strip() for c in COLUMNS.split(","))


def nested_bookings(records: Sequence[tuple]) -> list[Booking]:
    """Aggregates from ``NESTED_BOOKING`` records."""
    found = []
    for record in records:
        *values, line_records = record
        found.append(_booking(dict(zip(_COLUMN_NAMES, values)), [_line(*r) for r in line_records]))
    return found


def _line(org_code: str, name: str, businesses, status: str) -> EnterpriseLine:
    if isinstance(businesses, str):   # from NESTED_BOOKING
        businesses = orjson.loads(businesses)
    return EnterpriseLine(org_code=org_code, name=name, status=LineStatus(status),
                          businesses=tuple(BusinessLine(b["type"], b.get("count")) for b in businesses))


def _booking(row: Mapping, lines: list[EnterpriseLine]) -> Booking:
    allocation = None
    if row["desk"] is not None:
        allocation = Allocation(desk=row["desk"], start=row["segment_start"], end=row["segment_end"],
                                queue_number=row["queue_number"])
    return Booking(
        id=str(row["id"]), agent_id=row["agent_id"], center=row["center"], date=row["day"],
        period=row["period"], contact_name=row["contact_name"], contact_phone=row["contact_phone"],
        created_at=row["created_at"], lines=lines, status=BookingStatus(row["status"]),
        allocation=allocation, sms_resend_used=row["sms_resend_used"],
        sms_status=SmsStatus(row["sms_status"]))

