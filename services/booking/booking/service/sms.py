"""The booking's SMS: asking for it again once (重发短信1次), and keeping its delivery
status from the notifier's reports."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from shared.logging import get_logger

from booking.adapters.bookings import BookingRepository, as_uuid
from booking.domain.booking import SMS_OUTCOME_REPLACES, SmsStatus, combined_sms_outcome
from booking.service.context import BookingContext

log = get_logger(__name__)


async def request_sms_resend(ctx: BookingContext, agent_id: str, booking_id: str) -> dict:
    async with ctx.unit_of_work() as uow:
        repo = BookingRepository(uow.conn)
        booking = uow.track(await repo.lock(booking_id, agent_id=agent_id))
        booking.use_sms_resend()
        await repo.save(booking, uow.now)
    return {"booking_id": booking.id, "sms": {"status": str(booking.sms_status), "resend_available": False}}


async def record_sms_outcome(conn: asyncpg.Connection, booking_id: str | None, *, delivered: bool,
                             now: datetime) -> None:
    """One report: ``record_sms_outcomes`` of one."""
    await record_sms_outcomes(conn, [(booking_id, delivered)], now=now)


async def record_sms_outcomes(conn: asyncpg.Connection, reports: Sequence[tuple[str | None, bool]], *,
                              now: datetime) -> None:
    """Inside the consumer's inbox transaction, one statement for a batch of reports
    (booking id, delivered?): each booking's status changes only where the domain lets the
    outcome replace it (SMS_OUTCOME_REPLACES); several reports of one booking count as the
    one that leaves it where they would in any order. Reports about SMS that belong to no
    booking (verification codes) or to a booking this service does not have are ignored."""
    by_booking: dict[uuid.UUID, list[SmsStatus]] = {}
    for booking_id, delivered in reports:
        if not booking_id:
            continue
        key = as_uuid(booking_id)
        if key is None:
            log.info("sms_report_for_unknown_booking", booking_id=booking_id)
            continue
        by_booking.setdefault(key, []).append(SmsStatus.DELIVERED if delivered else SmsStatus.FAILED)
    outcomes = {}
    for key, seen in by_booking.items():
        outcome = combined_sms_outcome(seen)
        outcomes[key] = (outcome, SMS_OUTCOME_REPLACES[outcome])
    known = await BookingRepository(conn).set_sms_statuses(outcomes, now=now)
    for key in by_booking.keys() - known:
        log.info("sms_report_for_unknown_booking", booking_id=str(key))
