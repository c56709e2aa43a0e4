"""Use case run inside the consumer's inbox transaction: turn events into pending message
rows (and keep the bookings' texts for a resend). Nothing leaves the process here: the
sends happen after the commit, so a rolled-back event never sent an SMS.

A batch's events (the consumer's batch handler) are recorded together: their drafts rendered
one by one, then the capped phones' locks in one statement and the rows in one statement a
round (adapters/draft_store.py); one event alone is a batch of one, with the same statements
(consumers/sms_events.py)."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
from pydantic import BaseModel

from shared.events import Envelope
from shared.logging import get_logger

from notifier.adapters.draft_store import Draft, Stored, store_drafts
from notifier.service.message_drafts import NothingToResendYet, draft_of
from notifier.service.phone_cap import daily_cap, lock_phones

__all__ = ["Incoming", "NothingToResendYet", "record_messages"]

log = get_logger(__name__)


@dataclass(frozen=True)
class Incoming:
    envelope: Envelope
    data: BaseModel
    traceparent: str | None = None   # the trace the message's send continues (its event's)


async def record_messages(conn: asyncpg.Connection, events: Sequence[Incoming], *, now: datetime,
                          pending_grace: float, tz: str, phone_cap_per_day: int = 0) -> list[uuid.UUID | None]:
    """Per event, in order, the id of the message to send after the commit, or None."""
    cap = daily_cap(phone_cap_per_day, now=now)
    drafted: list[tuple[int, Draft]] = []
    for i, event in enumerate(events):
        draft = await draft_of(conn, event.envelope, event.data, tz=tz, cap=cap, traceparent=event.traceparent)
        if draft is not None:
            drafted.append((i, draft))
    await lock_phones(conn, (d.message.phone for _, d in drafted if d.capped))
    stored = await store_drafts(conn, [d for _, d in drafted], now=now,
                                sweep_after=now + timedelta(seconds=pending_grace), cap=cap)
    ids: list[uuid.UUID | None] = [None] * len(events)
    for (i, draft), s in zip(drafted, stored, strict=True):
        ids[i] = _logged(s, events[i].envelope, draft, phone_cap_per_day)
    return ids


def _logged(stored: Stored, envelope: Envelope, draft: Draft, cap: int) -> uuid.UUID | None:
    # The event named in the line: a batch runs in the logging context of whichever message's
    # task ran it, so these fields name the right event.
    msg = draft.message
    if stored.text_unchanged:
        log.info("allocation_unchanged_or_superseded", booking_id=msg.booking_id, event_id=str(envelope.id),
                 correlation_id=envelope.correlation_id)
    elif stored.capped:
        log.warning("booking_sms_cap_reached", phone=msg.phone, event_type=envelope.type, cap=cap,
                    booking_id=msg.booking_id, event_id=str(envelope.id), correlation_id=envelope.correlation_id)
    return stored.message_id
