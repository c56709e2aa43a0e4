"""The notifier's one queue: every event that means an SMS. The handlers record the
messages inside the inbox transaction; the sends run after the commit (an SMS is a side
effect no inbox can undo), and the sweeper catches whatever a send never finished.
``batch_handler`` records a batch's events together (issue 20); ``handler``, one alone, is
its batch of one."""
from __future__ import annotations

import uuid
from collections.abc import Sequence

from shared.consumer import Delivery
from shared.contracts.booking import (BOOKING_ALLOCATED, BOOKING_CANCELLED, BOOKING_CONFIRMED, BOOKING_QUEUE_NEAR,
                                      BOOKING_SUSPENDED, SMS_RESEND_REQUESTED)
from shared.contracts.identity import CARD_BOUND, VERIFICATION_CODE_REQUESTED
from shared.tracing import current_traceparent

from notifier.service.context import NotifierContext
from notifier.service.record_message import Incoming, record_messages
from notifier.service.sender import Sender

QUEUE = "notifier.sms"
BINDINGS = (VERIFICATION_CODE_REQUESTED, CARD_BOUND, BOOKING_CONFIRMED, BOOKING_ALLOCATED, BOOKING_CANCELLED,
            SMS_RESEND_REQUESTED, BOOKING_SUSPENDED, BOOKING_QUEUE_NEAR)


def batch_handler(ctx: NotifierContext):
    """A batch's events recorded together (the consumer's batch_handler)."""
    settings = ctx.settings

    async def on_events(deliveries: Sequence[Delivery]) -> None:
        # Each message continues the trace of its own event: its delivery's context in a
        # batch, the current one when it is handled alone.
        incoming = [Incoming(d.envelope, d.data,
                             d.context.run(current_traceparent) if d.context else current_traceparent())
                    for d in deliveries]
        ids = await record_messages(
            deliveries[0].conn, incoming, now=ctx.clock.now(), pending_grace=settings.pending_grace_seconds,
            tz=settings.center_timezone, phone_cap_per_day=settings.booking_sms_per_phone_per_day)
        for delivery, message_id in zip(deliveries, ids, strict=True):
            if message_id is not None:
                delivery.after_commit.append(_send(ctx.sender, message_id))
    return on_events


def handler(ctx: NotifierContext):
    """One event alone: the batch handler of one (the same statements)."""
    on_batch = batch_handler(ctx)

    async def on_event(delivery: Delivery) -> None:
        await on_batch([delivery])
    return on_event


def _send(sender: Sender, message_id: uuid.UUID):
    async def job() -> None:
        # The jobs of a batch's messages run in one turn of the loop: claimed together.
        sender.send_soon(message_id)
    return job
