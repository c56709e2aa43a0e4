"""notification.delivered / notification.failed, written to the outbox with the status change
that makes the message final (the sender: in the same statement; the sweeper: in the same
transaction, through its unit of work), so booking learns exactly what the table says."""
from __future__ import annotations

from datetime import datetime

from shared.contracts.notifier import NotificationDelivered, NotificationFailed
from shared.events import Cause, Envelope, envelope_of
from shared.unit_of_work import UnitOfWork

from notifier.adapters.message_store import ClaimedMessage


def delivered_event(msg: ClaimedMessage, *, at: datetime, provider_id: str | None, producer: str) -> Envelope:
    """For the sender's one statement (the status change and its event together)."""
    data = NotificationDelivered(message_id=str(msg.id), booking_id=msg.booking_id, kind=msg.template,
                                 delivered_at=at, provider_id=provider_id)
    return envelope_of(data, producer=producer, cause=cause_of(msg), occurred_at=at)


def failed_event(msg: ClaimedMessage, *, at: datetime, reason: str, producer: str) -> Envelope:
    return envelope_of(_failed(msg, at=at, reason=reason), producer=producer, cause=cause_of(msg), occurred_at=at)


def add_failed(uow: UnitOfWork, msg: ClaimedMessage, *, reason: str) -> None:
    """notification.failed with the unit's commit, at its instant."""
    uow.add(_failed(msg, at=uow.now, reason=reason), cause=cause_of(msg))


def cause_of(msg: ClaimedMessage) -> Cause:
    """The event that asked for the SMS: the request behind it stays traceable to its outcome."""
    return Cause(msg.correlation_id, str(msg.event_id))


def _failed(msg: ClaimedMessage, *, at: datetime, reason: str) -> NotificationFailed:
    return NotificationFailed(message_id=str(msg.id), booking_id=msg.booking_id, kind=msg.template,
                              reason=reason, attempts=msg.attempt, failed_at=at)
