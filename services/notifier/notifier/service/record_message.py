"""Use case run inside the consumer's inbox transaction: turn an event into a pending
message row (and keep the booking's texts for a resend). Nothing leaves the process here:
the send happens after the commit, so a rolled-back event never sent an SMS."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg
from pydantic import BaseModel

from shared.consumer import Unretryable
from shared.contracts.booking import BOOKING_ALLOCATED, SMS_RESEND_REQUESTED
from shared.events import Envelope
from shared.logging import get_logger
from shared.tracing import current_traceparent

from notifier.adapters import booking_texts
from notifier.adapters.booking_texts import KeptText, TextToKeep
from notifier.adapters.draft_store import Stored, store_draft
from notifier.adapters.message_store import NewMessage
from notifier.domain.drafts import draft_for, resend_text
from notifier.domain.templates import TemplateError
from notifier.service.phone_cap import cap_of

log = get_logger(__name__)


class NothingToResendYet(RuntimeError):
    """A resend arrived before the booking's first text: the consumer retries it later."""


async def record_message(conn: asyncpg.Connection, envelope: Envelope, data: BaseModel, *, now: datetime,
                         pending_grace: float, tz: str, phone_cap: int = 0) -> uuid.UUID | None:
    """The id of the message to send after the commit, or None when there is none."""
    sweep_after = now + timedelta(seconds=pending_grace)
    if envelope.type == SMS_RESEND_REQUESTED:
        return await _record_resend(conn, envelope, data, now=now, sweep_after=sweep_after, tz=tz,
                                    phone_cap=phone_cap)
    try:
        draft = draft_for(envelope.type, data.model_dump(mode="json"), tz=tz)
    except TemplateError as exc:
        # No retry renders it: straight to the dead-letter queue, replayable after a fix.
        # The message names the field, never its value (it may be a code).
        raise Unretryable(str(exc)) from None
    if draft is None:
        log.info("sms_without_phone", event_type=envelope.type)
        return None
    text = None
    if draft.keep_as and draft.booking_id:
        # A re-run of the allocation that changed nothing never sends a second SMS; an
        # assignment older than the one already sent would only mislead.
        text = TextToKeep(booking_id=draft.booking_id, kind=draft.keep_as, template=draft.template,
                          phone=draft.phone, body=draft.text, event_id=envelope.id,
                          occurred_at=envelope.occurred_at, only_if_changed=envelope.type == BOOKING_ALLOCATED)
    cap = await cap_of(conn, envelope.type, draft.phone, now=now, cap=phone_cap)
    stored = await store_draft(conn, NewMessage(
        event_id=envelope.id, event_type=envelope.type, template=draft.template, booking_id=draft.booking_id,
        phone=draft.phone, body=draft.text, sensitive=draft.sensitive, resend=False,
        correlation_id=envelope.correlation_id, traceparent=current_traceparent()),
        now=now, sweep_after=sweep_after, text=text, cap=cap)
    return _logged(stored, envelope.type, draft.phone, draft.booking_id, phone_cap)


def _logged(stored: Stored, event_type: str, phone: str, booking_id: str | None, cap: int) -> uuid.UUID | None:
    if stored.text_unchanged:
        log.info("allocation_unchanged_or_superseded", booking_id=booking_id)
    elif stored.capped:
        log.warning("booking_sms_cap_reached", phone=phone, event_type=event_type, cap=cap)
    return stored.message_id


def _current_text(data: BaseModel, tz: str) -> KeptText | None:
    try:
        rendered = resend_text(data.model_dump(mode="json"), tz=tz)
    except TemplateError as exc:
        raise Unretryable(str(exc)) from None
    if rendered is None:
        return None
    template, body = rendered
    return KeptText(kind=template, template=template, phone=data.contact_phone, body=body)  # type: ignore[attr-defined]  # an SmsResendRequested


async def _record_resend(conn: asyncpg.Connection, envelope: Envelope, data: BaseModel, *, now: datetime,
                         sweep_after: datetime, tz: str, phone_cap: int = 0) -> uuid.UUID | None:
    booking_id = data.booking_id  # type: ignore[attr-defined]  # an SmsResendRequested
    # The booking as it is now (active enterprises, allocation) when the event carries it;
    # an event from before booking sent its state: the text kept at the time.
    kept = _current_text(data, tz) or await booking_texts.latest_for_resend(conn, booking_id)
    if kept is None:
        raise NothingToResendYet(f"no text kept for booking {booking_id} yet")
    phone = getattr(data, "contact_phone", None) or kept.phone
    cap = await cap_of(conn, envelope.type, phone, now=now, cap=phone_cap)
    # A new message (its own id, so its own ref) with the text stored at the time.
    stored = await store_draft(conn, NewMessage(
        event_id=envelope.id, event_type=envelope.type, template=kept.template, booking_id=booking_id,
        phone=phone, body=kept.body, sensitive=False,
        resend=True, correlation_id=envelope.correlation_id, traceparent=current_traceparent()),
        now=now, sweep_after=sweep_after, cap=cap)
    return _logged(stored, envelope.type, phone, booking_id, phone_cap)
