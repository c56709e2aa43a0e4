"""The booking's SMS: asking for it again once (重发短信1次), and keeping its delivery
status from the notifier's reports."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from shared.logging import get_logger

from booking.adapters.bookings import BookingRepository
from booking.domain.booking import SMS_OUTCOME_REPLACES, SmsStatus
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
    """Inside the consumer's inbox transaction, one statement: the status changes only where
    the domain lets the outcome replace it (SMS_OUTCOME_REPLACES). Reports about SMS that
    belong to no booking (verification codes) or to a booking this service does not have
    are ignored."""
    if not booking_id:
        return
    outcome = SmsStatus.DELIVERED if delivered else SmsStatus.FAILED
    if not await BookingRepository(conn).set_sms_status(booking_id, outcome, now=now,
                                                        replacing=SMS_OUTCOME_REPLACES[outcome]):
        log.info("sms_report_for_unknown_booking", booking_id=booking_id)
