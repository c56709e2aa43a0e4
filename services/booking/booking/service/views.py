"""The JSON shapes the API answers with (api.md "A booking"), built from the aggregates.
Plain dicts, ready to send and to keep as an idempotent request's stored answer."""
from __future__ import annotations

from datetime import datetime

from booking.domain.booking import Booking
from booking.domain.center import CenterConfig


def booking_view(booking: Booking, center: CenterConfig, cutoff_at: datetime | None) -> dict:
    a = booking.allocation
    return {
        "id": booking.id,
        "center": booking.center,
        "date": booking.date.isoformat(),
        "period": booking.period,
        "status": str(booking.status),
        "contact_name": booking.contact_name,
        "contact_phone": booking.contact_phone,
        "created_at": center.local(booking.created_at).isoformat(),
        "cutoff_at": center.local(cutoff_at).isoformat() if cutoff_at else None,
        "enterprises": [{
            "org_code": line.org_code,
            "name": line.name,
            "status": str(line.status),
            "businesses": [{"type": b.type, "count": b.count} for b in line.businesses],
        } for line in booking.lines],
        "allocation": None if a is None else {
            "desk": a.desk, "start": a.start.strftime("%H:%M"), "end": a.end.strftime("%H:%M"),
            "queue_number": a.queue_number},
        "sms": {"status": str(booking.sms_status), "resend_available": booking.sms_resend_available},
    }
