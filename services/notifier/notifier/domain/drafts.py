"""What an event asks the notifier to send: the rendered text, to which phone, for which
booking, and whether it is one of the booking's texts a resend sends again.

Plain Python, no I/O. Field names are the contracts' (``shared.contracts``), read from
the event's ``data`` as JSON (``model_dump(mode="json")``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from notifier.domain.templates import DEFAULT_TZ, EV_ALLOCATED, EV_CANCELLED, EV_CARD_BOUND, EV_CONFIRMED, EV_QUEUE_NEAR, EV_SUSPENDED, EV_VERIFICATION, render

# Which data field holds the phone, per event type.
PHONE_FIELD = {
    EV_VERIFICATION: "phone",
    EV_CARD_BOUND: "phone",
    EV_CONFIRMED: "contact_phone",
    EV_ALLOCATED: "contact_phone",
    EV_CANCELLED: "contact_phone",
    EV_SUSPENDED: "phone",        # optional in the contract: booking may not know it
    EV_QUEUE_NEAR: "contact_phone",
}

# The booking texts a resend may send again, the preferred one first (domain.md: the
# allocation when there is one, else the confirmation).
KEPT_KINDS = {EV_ALLOCATED: "allocated", EV_CONFIRMED: "confirmed"}
RESEND_PREFERENCE = ("allocated", "confirmed")


@dataclass(frozen=True)
class SmsDraft:
    template: str
    text: str
    phone: str
    booking_id: str | None
    sensitive: bool               # holds a verification code: mask once sent or failed
    keep_as: str | None           # "allocated" | "confirmed": kept for a resend

    def __repr__(self) -> str:    # never a code or a full phone through a repr
        return f"SmsDraft(template={self.template!r}, booking_id={self.booking_id!r})"


def draft_for(event_type: str, data: Mapping[str, Any], *, tz: str = DEFAULT_TZ) -> SmsDraft | None:
    """The SMS an event asks for; ``None`` when there is nobody to send it to.
    Raises the templates' ``TemplateError`` for data that cannot be rendered."""
    phone = data.get(PHONE_FIELD.get(event_type, "phone"))
    if not isinstance(phone, str) or not phone.strip():
        return None
    sms = render(event_type, data, tz=tz)
    booking_id = data.get("booking_id")
    return SmsDraft(template=sms.template, text=sms.text, phone=phone.strip(),
                    booking_id=str(booking_id) if booking_id else None,
                    sensitive=sms.sensitive, keep_as=KEPT_KINDS.get(event_type))


def resend_text(data: Mapping[str, Any], *, tz: str = DEFAULT_TZ) -> tuple[str, str] | None:
    """A resend's (template, text) rendered from the booking as it is now, when the event
    carries it (booking sends status, date, period, active enterprise count and the
    allocation); None for an older event without them (the kept text is sent again).
    An allocated booking gets its allocation text, a confirmed one its confirmation with
    the enterprises still active."""
    status = data.get("status")
    if status == "allocated" and isinstance(data.get("allocation"), Mapping):
        sms = render(EV_ALLOCATED, data, tz=tz)
    elif status == "confirmed" and data.get("date") is not None:
        sms = render(EV_CONFIRMED, data, tz=tz)
    else:
        return None
    return sms.template, sms.text
