"""notification.delivered / notification.failed: the booking's SMS status."""
from __future__ import annotations

from shared.consumer import Delivery
from shared.contracts.notifier import NOTIFICATION_DELIVERED, NOTIFICATION_FAILED

from ..service.context import BookingContext
from ..service.sms import record_sms_outcome

QUEUE = "booking.notification-events"
BINDINGS = (NOTIFICATION_DELIVERED, NOTIFICATION_FAILED)


def handler(ctx: BookingContext):
    async def on_notification_event(delivery: Delivery) -> None:
        await record_sms_outcome(delivery.conn, getattr(delivery.data, "booking_id", None),
                                 delivered=delivery.envelope.type == NOTIFICATION_DELIVERED,
                                 now=ctx.clock.now())
    return on_notification_event
