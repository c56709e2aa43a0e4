"""Booking (制卡预约): every rule of domain.md, in as few statements as the rules allow
(booking_steps.py says which; tests/integration/test_round_trips.py counts them).

Without an Idempotency-Key: two statements, the checks' read and the write (its own
transaction: nothing here needs a lock before it). With one: BEGIN, the key's claim with
the checks' read, SAVEPOINT, the write, COMMIT; a refusal undoes the booking but keeps the
key with its answer (a repeat gets that answer back).

The account's throttle (service/account_throttle.py) counts the request in the checks'
read and refuses it (429) there, before anything is written. A request refused before
that statement (an unknown center, a bad request, a date not open for booking) counts on
its own first, so it is refused 429 as well once the account is over its budget. A 429
is not kept with the key (shared.errors.is_refusal): under a key it undoes the claim and
its own count, and a retry after the window books.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from shared.errors import AppError, is_refusal
from shared.logging import get_logger
from shared.unit_of_work import UnitOfWork

from booking.adapters.booking_checks import BookingChecks, Checks, KeyClaim
from booking.adapters.idempotency_keys import IdempotencyKeys
from booking.adapters.new_bookings import KeptAnswer
from booking.domain.booking import Booking
from booking.domain.center import CenterConfig
from booking.domain.errors import IdempotencyKeyReused
from booking.domain.working_calendar import WorkingCalendar
from booking.service import account_throttle
from booking.service.account_throttle import Throttle
from booking.service.booking_steps import CreateBooking, apply_checks, new_booking, write
from booking.service.calendars import working_calendar
from booking.service.context import BookingContext
from booking.service.idempotency import Answer, IdempotencyKey, refusal_answer

log = get_logger(__name__)
__all__ = ["CreateBooking", "create_booking"]


async def create_booking(ctx: BookingContext, cmd: CreateBooking,
                         key: IdempotencyKey | None = None) -> Answer:
    """201 and the booking, a replayed answer, or a refusal raised as an AppError."""
    throttle = account_throttle.booking_throttle(ctx)
    try:
        center = ctx.centers.get(cmd.center)
    except AppError:
        await account_throttle.check(ctx, throttle, cmd.agent_id)   # 429 first once over budget
        raise
    if key is None:
        # The write is one statement and its own transaction: it takes the events itself.
        async with ctx.unit_of_work(transaction=False) as uow:
            answer = Answer(201, await _book(ctx, uow, throttle, center, cmd))
    else:
        async with ctx.unit_of_work() as uow:
            answer, refusal = await _book_once(ctx, uow, throttle, center, cmd, key)
        if refusal is not None:
            raise refusal  # after the commit that kept it with its key
    if not answer.replayed:
        b = answer.body
        log.info("booking_created", booking_id=b["id"], center=b["center"], date=b["date"],
                 period=b["period"], lines=len(b["enterprises"]))
    return answer


async def _planned(ctx: BookingContext, uow: UnitOfWork, throttle: Throttle, center: CenterConfig,
                   cmd: CreateBooking) -> tuple[WorkingCalendar, Booking]:
    """The calendar and the new booking, or a refusal raised after counting the request on
    its own (429 instead once the account is over its budget)."""
    try:
        calendar = await working_calendar(ctx, uow.conn, center)
        return calendar, new_booking(center, calendar, cmd, uow.now)
    except AppError as error:
        if is_refusal(error):
            await account_throttle.check(ctx, throttle, cmd.agent_id, conn=uow.conn, now=uow.now)
        raise


async def _book(ctx: BookingContext, uow: UnitOfWork, throttle: Throttle, center: CenterConfig,
                cmd: CreateBooking) -> dict:
    conn, now = uow.conn, uow.now
    calendar, booking = await _planned(ctx, uow, throttle, center, cmd)
    checks = await BookingChecks(conn).read(booking, hit=throttle.hit_at(now))
    _ensure_within(throttle, checks, now)
    view = apply_checks(booking, checks, center, calendar, now)
    await write(uow, center, booking)
    return view


def _ensure_within(throttle: Throttle, checks: Checks, now: datetime) -> None:
    if checks.hits is not None:
        throttle.ensure_within(checks.hits, now)


async def _book_once(ctx: BookingContext, uow: UnitOfWork, throttle: Throttle, center: CenterConfig,
                     cmd: CreateBooking, key: IdempotencyKey) -> tuple[Answer, AppError | None]:
    """Book under an Idempotency-Key: the first request with the key books (or is refused)
    and keeps its answer with the key; a repeat gets that answer back."""
    keys = IdempotencyKeys(uow.conn)
    try:
        view = await _first_with_key(ctx, uow, keys, throttle, center, cmd, key)
    except AppError as error:
        if not is_refusal(error):
            raise   # the transaction rolls back: no claim, no count (a 429: the count was over already)
        answer = refusal_answer(error)
        await keys.remember(key.agent_id, key.key, status=answer.status, content_type=answer.content_type,
                            body=answer.body, booking_id=None)
        return answer, error
    if view is None:
        return await _replay(keys, key), None
    return Answer(201, view), None


async def _first_with_key(ctx: BookingContext, uow: UnitOfWork, keys: IdempotencyKeys, throttle: Throttle,
                          center: CenterConfig, cmd: CreateBooking, key: IdempotencyKey) -> dict | None:
    """The booking's answer (kept with the key in the booking's own write), a refusal
    raised, or None when the key belongs to an earlier request."""
    conn, now = uow.conn, uow.now
    claim = KeyClaim(key.key, key.request_hash, now,
                     expired_before=now - timedelta(hours=ctx.settings.idempotency_ttl_hours))
    try:
        # Counted first, as in the checks' read: the same lock order.
        calendar, booking = await _planned(ctx, uow, throttle, center, cmd)
    except AppError as error:
        # Refused before the checks' read: the key is claimed on its own.
        if is_refusal(error) and not await keys.claim(key.agent_id, key.key, key.request_hash,
                                                       now=now, expired_before=claim.expired_before):
            return None
        raise
    checks = await BookingChecks(conn).read(booking, claim, throttle.hit_at(now))
    _ensure_within(throttle, checks, now)   # a repeat too, as when the throttle came first
    if not checks.claimed:
        return None
    view = apply_checks(booking, checks, center, calendar, now)
    await write(uow, center, booking, answer=KeptAnswer(key.agent_id, key.key, view))
    return view


async def _replay(keys: IdempotencyKeys, key: IdempotencyKey) -> Answer:
    stored = await keys.answer(key.agent_id, key.key)
    if stored.request_hash != key.request_hash:
        raise IdempotencyKeyReused("this Idempotency-Key came with another request body")
    return Answer(stored.status, stored.body, stored.content_type, replayed=True,
                  headers={"Idempotent-Replayed": "true"})
