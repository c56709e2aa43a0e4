"""Envelopes of the events the notifier consumes, built from the contracts, for tests and
the benchmark."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from shared.contracts.booking import (BOOKING_ALLOCATED, BOOKING_CANCELLED, BOOKING_CONFIRMED, BOOKING_QUEUE_NEAR,
                                      BOOKING_SUSPENDED, SMS_RESEND_REQUESTED, BookingAllocated, BookingQueueNear,
                                      BookingCancelled, BookingConfirmed, BookingSuspended, Business,
                                      EnterpriseLine, SmsResendRequested)
from shared.contracts.identity import VERIFICATION_CODE_REQUESTED, VerificationCodeRequested
from shared.events import Envelope, make_envelope

SERVICE_DATE = date(2026, 12, 1)   # a Tuesday


def _now() -> datetime:
    return datetime.now(timezone.utc)


def verification_code(phone: str, code: str, purpose: str = "register") -> Envelope:
    data = VerificationCodeRequested(request_id=str(uuid.uuid4()), phone=phone, purpose=purpose, code=code,
                                     expires_at=_now() + timedelta(minutes=5))
    return make_envelope(VERIFICATION_CODE_REQUESTED, data, producer="identity", correlation_id=uuid.uuid4().hex)


def confirmed(booking_id: str, phone: str, *, orgs: tuple[str, ...] = ("12345678X",),
              period: str = "AM") -> Envelope:
    data = BookingConfirmed(
        booking_id=booking_id, agent_id="agent-1", center="qingdao", date=SERVICE_DATE, period=period,
        contact_name="张三", contact_phone=phone, created_at=_now(),
        enterprises=[EnterpriseLine(org_code=o, name=f"企业{o}", businesses=[Business(type="NEW_CARD")])
                     for o in orgs])
    return make_envelope(BOOKING_CONFIRMED, data, producer="booking", correlation_id=uuid.uuid4().hex)


def allocated(booking_id: str, phone: str, *, desk: int = 3, start: str = "09:30", end: str = "10:00",
              queue_number: str = "A012") -> Envelope:
    data = BookingAllocated(booking_id=booking_id, agent_id="agent-1", center="qingdao", date=SERVICE_DATE,
                            period="AM", contact_phone=phone, desk=desk, start=start, end=end,
                            queue_number=queue_number)
    return make_envelope(BOOKING_ALLOCATED, data, producer="booking", correlation_id=uuid.uuid4().hex)


def cancelled(booking_id: str, phone: str, *, org_codes: tuple[str, ...] = ("12345678X",), whole: bool = True,
              booking_cancelled: bool = True) -> Envelope:
    data = BookingCancelled(booking_id=booking_id, agent_id="agent-1", center="qingdao", date=SERVICE_DATE,
                            period="AM", contact_phone=phone, org_codes=list(org_codes), whole=whole,
                            booking_cancelled=booking_cancelled, cancelled_at=_now())
    return make_envelope(BOOKING_CANCELLED, data, producer="booking", correlation_id=uuid.uuid4().hex)


def resend_requested(booking_id: str, phone: str) -> Envelope:
    data = SmsResendRequested(booking_id=booking_id, agent_id="agent-1", contact_phone=phone,
                              requested_at=_now())
    return make_envelope(SMS_RESEND_REQUESTED, data, producer="booking", correlation_id=uuid.uuid4().hex)


def suspended(phone: str | None, *, reason: str = "too_many_no_shows", count: int = 3,
              until: datetime | None = None) -> Envelope:
    data = BookingSuspended(agent_id="agent-1", phone=phone, reason=reason, count=count,
                            suspended_until=until or datetime(2027, 5, 31, 16, tzinfo=timezone.utc))
    return make_envelope(BOOKING_SUSPENDED, data, producer="booking", correlation_id=uuid.uuid4().hex)


def queue_near(booking_id: str, phone: str, *, queue_number: str = "A007", ahead: int = 3) -> Envelope:
    data = BookingQueueNear(booking_id=booking_id, agent_id="agent-1", center="qingdao", date=SERVICE_DATE, desk=2,
                            queue_number=queue_number, contact_phone=phone, ahead=ahead, at=_now())
    return make_envelope(BOOKING_QUEUE_NEAR, data, producer="booking", correlation_id=uuid.uuid4().hex)
