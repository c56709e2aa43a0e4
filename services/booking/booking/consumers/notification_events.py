"""notification.delivered / notification.failed: the booking's SMS status."""
from __future__ import annotations

from shared.consumer import Delivery
from shared.contracts.booking import BOOKING_QUEUE_NEAR
from shared.contracts.notifier import NOTIFICATION_DELIVERED, NOTIFICATION_FAILED

from booking.service.context import BookingContext
from booking.service.sms import record_sms_outcome

QUEUE = "booking.notification-events"
BINDINGS = (NOTIFICATION_DELIVERED, NOTIFICATION_FAILED)


def handler(ctx: BookingContext):
    async def on_notification_event(delivery: Delivery) -> None:
        if getattr(delivery.data, "kind", None) == BOOKING_QUEUE_NEAR:
            return   # the "three ahead" reminder: not the booking's SMS (its status is the allocation's)
        await record_sms_outcome(delivery.conn, getattr(delivery.data, "booking_id", None),
                                 delivered=delivery.envelope.type == NOTIFICATION_DELIVERED,
                                 now=ctx.clock.now())
    return on_notification_event
