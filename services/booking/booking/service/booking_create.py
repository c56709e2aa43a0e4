"""Booking (制卡预约): every rule of domain.md, in one transaction.

Reads before writes give the precise refusal; the database guarantees the rules when
requests race: partial unique indexes (one per agent/phone and period, one per enterprise
and date) and the conditional capacity UPDATE. The capacity row is touched last so its
lock, which every booking of that period waits for, is held for as short as possible.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from shared.errors import AppError

from ..adapters.bookings import BookingRepository
from ..adapters.capacity import CapacityCounters
from ..adapters.cutoffs import Cutoffs
from ..adapters.enterprises import AgentEnterprises, EnterpriseDirectory
from ..adapters.idempotency_keys import IdempotencyKeys
from ..adapters.rights import RightsRepository
from ..domain.booking import Booking
from ..domain.capacity import ensure_room
from ..domain.center import CenterConfig
from ..domain.clashes import ensure_no_clash
from ..domain.errors import CapacityExhausted, DateNotBookable, IdempotencyKeyReused
from ..domain.release import ensure_bookable
from ..log import log
from .calendars import effective_cutoff, working_calendar
from .context import BookingContext
from .idempotency import Answer, IdempotencyKey, refusal_answer
from .outgoing_events import publish_booking_events
from .views import booking_view


@dataclass(frozen=True)
class CreateBooking:
    agent_id: str
    center: str | None
    date: date
    period: Any
    contact_name: Any
    contact_phone: Any
    enterprises: Any


async def create_booking(ctx: BookingContext, cmd: CreateBooking,
                         key: IdempotencyKey | None = None) -> Answer:
    """201 and the booking, a replayed answer, or a refusal raised as an AppError."""
    center = ctx.centers.get(cmd.center)
    now = ctx.clock.now()
    refusal: AppError | None = None
    async with ctx.db.transaction() as conn:
        if key is None:
            answer = Answer(201, await _book(ctx, conn, center, cmd, now))
        else:
            answer, refusal = await _book_once(ctx, conn, center, cmd, now, key)
    if refusal is not None:
        raise refusal  # after the commit that kept it with its key
    if not answer.replayed:
        b = answer.body
        log.info("booking_created", booking_id=b["id"], center=b["center"], date=b["date"],
                 period=b["period"], lines=len(b["enterprises"]))
    return answer


async def _book_once(ctx: BookingContext, conn: asyncpg.Connection, center: CenterConfig,
                     cmd: CreateBooking, now: datetime, key: IdempotencyKey) -> tuple[Answer, AppError | None]:
    """Book under an Idempotency-Key: the first request with the key books (or is refused)
    and keeps its answer with the key; a repeat gets that answer back."""
    keys = IdempotencyKeys(conn)
    expired_before = now - timedelta(hours=ctx.settings.idempotency_ttl_hours)
    if not await keys.claim(key.agent_id, key.key, key.request_hash, now=now, expired_before=expired_before):
        stored = await keys.answer(key.agent_id, key.key)
        if stored.request_hash != key.request_hash:
            raise IdempotencyKeyReused("this Idempotency-Key came with another request body")
        return Answer(stored.status, stored.body, stored.content_type, replayed=True,
                      headers={"Idempotent-Replayed": "true"}), None
    refusal: AppError | None = None
    try:
        async with conn.transaction():  # a savepoint: a refusal undoes the booking, not the key
            answer = Answer(201, await _book(ctx, conn, center, cmd, now))
    except AppError as error:
        if error.status >= 500:
            raise
        refusal, answer = error, refusal_answer(error)
    await keys.remember(key.agent_id, key.key, status=answer.status, content_type=answer.content_type,
                        body=answer.body, booking_id=answer.body.get("id") if refusal is None else None)
    return answer, refusal


async def _book(ctx: BookingContext, conn: asyncpg.Connection, center: CenterConfig,
                cmd: CreateBooking, now: datetime) -> dict:
    booking = Booking.create(
        id=str(uuid.uuid4()), agent_id=cmd.agent_id, center=center, date=cmd.date, period=cmd.period,
        contact_name=cmd.contact_name, contact_phone=cmd.contact_phone, enterprises=cmd.enterprises,
        created_at=now)
    calendar = await working_calendar(conn, center)
    ensure_bookable(center, calendar, booking.date, now)
    await _ensure_date_open(conn, booking)
    (await RightsRepository(conn).get(cmd.agent_id)).ensure_can_book(now)

    repo = BookingRepository(conn)
    ensure_no_clash(booking, await repo.clashing(booking))
    await _name_lines(conn, booking)
    await repo.add(booking)
    await _take_capacity(conn, center, booking)
    # Again under the capacity row lock: closing a date locks its capacity rows before it
    # snapshots the bookings, so either this booking is in the snapshot or it sees the close.
    await _ensure_date_open(conn, booking)
    view = booking_view(booking, center, await effective_cutoff(conn, center, calendar, booking.date))
    await publish_booking_events(conn, booking, now=now, producer=ctx.producer)
    return view


async def _ensure_date_open(conn: asyncpg.Connection, booking: Booking) -> None:
    if await Cutoffs(conn).closed_at(booking.center, booking.date) is not None:
        raise DateNotBookable(f"{booking.date} has been closed for bookings", reason="closed")


async def _name_lines(conn: asyncpg.Connection, booking: Booking) -> None:
    """Each line is named as in the agent's own list, else as in the directory, else as
    given in the request (the booking form sends codes only)."""
    codes = [line.org_code for line in booking.lines]
    names = await EnterpriseDirectory(conn).names(codes)
    names.update(await AgentEnterprises(conn).names(booking.agent_id, codes))
    for line in booking.lines:
        line.name = names.get(line.org_code) or line.name


async def _take_capacity(conn: asyncpg.Connection, center: CenterConfig, booking: Booking) -> None:
    counters = CapacityCounters(conn)
    wanted = booking.active_line_count
    for _ in range(3):
        if await counters.take(center.id, booking.date, booking.period, wanted,
                               default=center.default_capacity) is not None:
            return
        # Refused under the row lock; say how much is left. A cancellation committing in
        # between can make room, hence the retry before giving up.
        now_counter = await counters.get(center.id, booking.date, booking.period,
                                         default=center.default_capacity)
        ensure_room(now_counter.capacity, now_counter.booked, wanted)
    raise CapacityExhausted(f"{wanted} enterprise line(s) asked; the period is full")
