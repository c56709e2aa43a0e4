"""Events the notifier publishes."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared.events import event_model

NOTIFICATION_DELIVERED = "notification.delivered"
NOTIFICATION_FAILED = "notification.failed"


@event_model(NOTIFICATION_DELIVERED, 1)
class NotificationDelivered(BaseModel):
    """The SMS provider accepted a message (booking records it on the booking)."""
    message_id: str
    booking_id: str | None = None
    kind: str                     # the template: booking.confirmed, booking.allocated, ...
    delivered_at: datetime
    provider_id: str | None = None


@event_model(NOTIFICATION_FAILED, 1)
class NotificationFailed(BaseModel):
    """A message could not be sent after its retries (booking records it on the booking)."""
    message_id: str
    booking_id: str | None = None
    kind: str
    reason: str                   # never the text: it may hold a code
    attempts: int
    failed_at: datetime
