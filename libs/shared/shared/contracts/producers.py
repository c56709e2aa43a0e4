"""Who may publish each event type: the one table the consumers check an envelope's producer
against and the broker users' topic permissions are derived from (shared.broker_access).
A type missing here is refused by every consumer."""
from __future__ import annotations

from shared.contracts import allocator, booking, identity, notifier

ALLOWED_PRODUCERS: dict[str, frozenset[str]] = {
    identity.VERIFICATION_CODE_REQUESTED: frozenset({"identity"}),
    identity.USER_REGISTERED: frozenset({"identity"}),
    identity.CARD_BOUND: frozenset({"identity"}),
    booking.BOOKING_CONFIRMED: frozenset({"booking"}),
    booking.BOOKING_CANCELLED: frozenset({"booking"}),
    booking.BOOKING_ALLOCATED: frozenset({"booking"}),
    booking.SMS_RESEND_REQUESTED: frozenset({"booking"}),
    booking.BOOKING_NO_SHOW: frozenset({"booking"}),
    booking.BOOKING_SUSPENDED: frozenset({"booking"}),
    booking.ALLOCATION_REQUESTED: frozenset({"booking"}),
    booking.BOOKING_CALLED: frozenset({"booking"}),
    booking.BOOKING_QUEUE_NEAR: frozenset({"booking"}),
    allocator.ALLOCATION_COMPLETED: frozenset({"allocator"}),
    notifier.NOTIFICATION_DELIVERED: frozenset({"notifier"}),
    notifier.NOTIFICATION_FAILED: frozenset({"notifier"}),
}

# The event types each service binds its queues to (the topic read permission of its user).
CONSUMED: dict[str, tuple[str, ...]] = {
    "identity": (),
    "booking": (identity.USER_REGISTERED, notifier.NOTIFICATION_DELIVERED, notifier.NOTIFICATION_FAILED,
                allocator.ALLOCATION_COMPLETED),
    "allocator": (booking.ALLOCATION_REQUESTED,),
    "notifier": (identity.VERIFICATION_CODE_REQUESTED, identity.CARD_BOUND, booking.BOOKING_CONFIRMED, booking.BOOKING_ALLOCATED,
                 booking.BOOKING_CANCELLED, booking.SMS_RESEND_REQUESTED, booking.BOOKING_SUSPENDED,
                 booking.BOOKING_QUEUE_NEAR),
}

SERVICES = tuple(CONSUMED)


def published_by(service: str) -> tuple[str, ...]:
    return tuple(t for t, producers in ALLOWED_PRODUCERS.items() if service in producers)


def producer_allowed(event_type: str, producer: str) -> bool:
    return producer in ALLOWED_PRODUCERS.get(event_type, ())
