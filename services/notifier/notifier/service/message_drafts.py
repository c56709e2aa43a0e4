"""What an event asks the notifier to store: the message row's draft (its rendered text,
the booking text it keeps for a resend, whether the phone's cap counts it), or None when
there is nobody to text. Rendering is plain Python; only a resend of an older event (no
booking state in it) reads the kept text."""
from __future__ import annotations

import asyncpg
from pydantic import BaseModel

from shared.consumer import Unretryable
from shared.contracts.booking import BOOKING_ALLOCATED, SMS_RESEND_REQUESTED
from shared.events import Envelope
from shared.logging import get_logger

from notifier.adapters import booking_texts
from notifier.adapters.booking_texts import KeptText, TextToKeep
from notifier.adapters.draft_store import Draft, PhoneCap
from notifier.adapters.message_store import NewMessage
from notifier.domain.drafts import draft_for, resend_text
from notifier.domain.templates import TemplateError
from notifier.service.phone_cap import is_capped

log = get_logger(__name__)


class NothingToResendYet(RuntimeError):
    """A resend arrived before the booking's first text: the consumer retries it later."""


async def draft_of(conn: asyncpg.Connection, envelope: Envelope, data: BaseModel, *, tz: str,
                   cap: PhoneCap | None, traceparent: str | None) -> Draft | None:
    """The draft of the event's message, None when there is none (no phone)."""
    if envelope.type == SMS_RESEND_REQUESTED:
        return await _resend_draft(conn, envelope, data, tz=tz, cap=cap, traceparent=traceparent)
    try:
        draft = draft_for(envelope.type, data.model_dump(mode="json"), tz=tz)
    except TemplateError as exc:
        # No retry renders it: straight to the dead-letter queue, replayable after a fix.
        # The message names the field, never its value (it may be a code).
        raise Unretryable(str(exc)) from None
    if draft is None:
        log.info("sms_without_phone", event_type=envelope.type, event_id=str(envelope.id),
                 correlation_id=envelope.correlation_id)
        return None
    text = None
    if draft.keep_as and draft.booking_id:
        # A re-run of the allocation that changed nothing never sends a second SMS; an
        # assignment older than the one already sent would only mislead.
        text = TextToKeep(booking_id=draft.booking_id, kind=draft.keep_as, template=draft.template,
                          phone=draft.phone, body=draft.text, event_id=envelope.id,
                          occurred_at=envelope.occurred_at, only_if_changed=envelope.type == BOOKING_ALLOCATED)
    return Draft(NewMessage(
        event_id=envelope.id, event_type=envelope.type, template=draft.template, booking_id=draft.booking_id,
        phone=draft.phone, body=draft.text, sensitive=draft.sensitive, resend=False,
        correlation_id=envelope.correlation_id, traceparent=traceparent),
        text=text, capped=is_capped(envelope.type, cap))


def _current_text(data: BaseModel, tz: str) -> KeptText | None:
    try:
        rendered = resend_text(data.model_dump(mode="json"), tz=tz)
    except TemplateError as exc:
        raise Unretryable(str(exc)) from None
    if rendered is None:
        return None
    template, body = rendered
    return KeptText(kind=template, template=template, phone=data.contact_phone, body=body)  # type: ignore[attr-defined]  # an SmsResendRequested


async def _resend_draft(conn: asyncpg.Connection, envelope: Envelope, data: BaseModel, *, tz: str,
                        cap: PhoneCap | None, traceparent: str | None) -> Draft:
    booking_id = data.booking_id  # type: ignore[attr-defined]  # an SmsResendRequested
    # The booking as it is now (active enterprises, allocation) when the event carries it;
    # an event from before booking sent its state: the text kept at the time (committed
    # before this transaction's batch: the batch's own texts are not seen).
    kept = _current_text(data, tz) or await booking_texts.latest_for_resend(conn, booking_id)
    if kept is None:
        raise NothingToResendYet(f"no text kept for booking {booking_id} yet")
    phone = getattr(data, "contact_phone", None) or kept.phone
    # A new message (its own id, so its own ref) with the text stored at the time.
    return Draft(NewMessage(
        event_id=envelope.id, event_type=envelope.type, template=kept.template, booking_id=booking_id,
        phone=phone, body=kept.body, sensitive=False,
        resend=True, correlation_id=envelope.correlation_id, traceparent=traceparent),
        capped=is_capped(envelope.type, cap))
