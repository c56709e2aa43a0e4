"""The notifier's one queue: every event that means an SMS. The handler records the
message inside the inbox transaction; the send runs after the commit (an SMS is a side
effect no inbox can undo), and the sweeper catches whatever that send never finished."""
from __future__ import annotations

import uuid

from shared.consumer import Delivery
from shared.contracts.booking import (BOOKING_ALLOCATED, BOOKING_CANCELLED, BOOKING_CONFIRMED, BOOKING_QUEUE_NEAR,
                                      BOOKING_SUSPENDED, SMS_RESEND_REQUESTED)
from shared.contracts.identity import CARD_BOUND, VERIFICATION_CODE_REQUESTED

from notifier.service.context import NotifierContext
from notifier.service.record_message import record_message
from notifier.service.sender import Sender

QUEUE = "notifier.sms"
BINDINGS = (VERIFICATION_CODE_REQUESTED, CARD_BOUND, BOOKING_CONFIRMED, BOOKING_ALLOCATED, BOOKING_CANCELLED,
            SMS_RESEND_REQUESTED, BOOKING_SUSPENDED, BOOKING_QUEUE_NEAR)


def handler(ctx: NotifierContext):
    settings = ctx.settings

    async def on_event(delivery: Delivery) -> None:
        message_id = await record_message(
            delivery.conn, delivery.envelope, delivery.data, now=ctx.clock.now(),
            pending_grace=settings.pending_grace_seconds, tz=settings.center_timezone,
            phone_cap=settings.booking_sms_per_phone_per_day)
        if message_id is not None:
            delivery.after_commit.append(_send(ctx.sender, message_id))
    return on_event


def _send(sender: Sender, message_id: uuid.UUID):
    async def job() -> None:
        # The jobs of a batch's messages run in one turn of the loop: claimed together.
        sender.send_soon(message_id)
    return job
