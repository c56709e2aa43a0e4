"""notification.delivered / notification.failed, written to the outbox with the status change
that makes the message final (the sender: in the same statement; the sweeper: in the same
transaction), so booking learns exactly what the table says."""
from __future__ import annotations

from datetime import datetime

import asyncpg

from shared.contracts.notifier import (NOTIFICATION_DELIVERED, NOTIFICATION_FAILED, NotificationDelivered,
                                       NotificationFailed)
from shared.events import Envelope, make_envelope
from shared.outbox import add_event

from ..adapters.message_store import ClaimedMessage


def delivered_event(msg: ClaimedMessage, *, at: datetime, provider_id: str | None, producer: str) -> Envelope:
    data = NotificationDelivered(message_id=str(msg.id), booking_id=msg.booking_id, kind=msg.template,
                                 delivered_at=at, provider_id=provider_id)
    return _envelope(NOTIFICATION_DELIVERED, data, msg, producer, at)


def failed_event(msg: ClaimedMessage, *, at: datetime, reason: str, producer: str) -> Envelope:
    data = NotificationFailed(message_id=str(msg.id), booking_id=msg.booking_id, kind=msg.template,
                              reason=reason, attempts=msg.attempt, failed_at=at)
    return _envelope(NOTIFICATION_FAILED, data, msg, producer, at)


async def add_failed(conn: asyncpg.Connection, msg: ClaimedMessage, *, at: datetime, reason: str,
                     producer: str) -> None:
    await add_event(conn, failed_event(msg, at=at, reason=reason, producer=producer))


def _envelope(type_: str, data, msg: ClaimedMessage, producer: str, at: datetime):
    # The request that caused the SMS stays traceable to its outcome.
    return make_envelope(type_, data, producer=producer, correlation_id=msg.correlation_id,
                         causation_id=str(msg.event_id), occurred_at=at)
