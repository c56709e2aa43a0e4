"""notification.delivered / notification.failed: the booking's SMS status."""
from __future__ import annotations

from collections.abc import Sequence

from shared.consumer import Delivery
from shared.contracts.booking import BOOKING_QUEUE_NEAR
from shared.contracts.notifier import NOTIFICATION_DELIVERED, NOTIFICATION_FAILED

from booking.service.context import BookingContext
from booking.service.sms import record_sms_outcomes

QUEUE = "booking.notification-events"
BINDINGS = (NOTIFICATION_DELIVERED, NOTIFICATION_FAILED)


def batch_handler(ctx: BookingContext):
    """A batch's reports in one statement (the consumer's batch_handler)."""
    async def on_notification_events(deliveries: Sequence[Delivery]) -> None:
        reports = [(getattr(d.data, "booking_id", None), d.envelope.type == NOTIFICATION_DELIVERED)
                   for d in deliveries
                   # the "three ahead" reminder: not the booking's SMS (its status is the allocation's)
                   if getattr(d.data, "kind", None) != BOOKING_QUEUE_NEAR]
        if reports:
            await record_sms_outcomes(deliveries[0].conn, reports, now=ctx.clock.now())
    return on_notification_events


def handler(ctx: BookingContext):
    """One report alone: the batch handler of one."""
    on_batch = batch_handler(ctx)

    async def on_notification_event(delivery: Delivery) -> None:
        await on_batch([delivery])
    return on_notification_event
