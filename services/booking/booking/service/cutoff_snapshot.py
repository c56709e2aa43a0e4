"""The snapshot document of a closed day (``shared.contracts.booking``: NDJSON, a header
line then one booking per line), built from the bookings the close read, and its SHA-256
(what ``allocation.requested`` names it by)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from shared.contracts.booking import SnapshotBooking, SnapshotHeader, SnapshotPeriod

from booking.domain.center import CenterConfig


@dataclass(frozen=True)
class SnapshotDocument:
    body: bytes
    sha256: str
    bookings: int


def snapshot_document(center: CenterConfig, day: date, cutoff_id: str, closed_at: datetime,
                      bookings: list[dict]) -> SnapshotDocument:
    """CPU only (every booking through the contract's model: ~a second for a busy day):
    callers run it in a worker thread."""
    header = SnapshotHeader(
        center=center.id, date=day, cutoff_id=cutoff_id, closed_at=closed_at, booking_count=len(bookings),
        periods=[SnapshotPeriod(code=p.code, start=p.start.strftime("%H:%M"), end=p.end.strftime("%H:%M"),
                                queue_prefix=p.queue_prefix) for p in center.periods])
    lines = [header.model_dump_json().encode()]
    lines.extend(SnapshotBooking.model_validate(b).model_dump_json().encode() for b in bookings)
    lines.append(b"")   # the last newline: one join, no second copy of the document to add it
    body = b"\n".join(lines)
    del lines
    return SnapshotDocument(body, hashlib.sha256(body).hexdigest(), len(bookings))
