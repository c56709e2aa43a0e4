"""The snapshot document booking serves (``shared.contracts.booking``: NDJSON, a header
line, then one booking per line) into the day's ``DaySnapshot``, checked against what
``allocation.requested`` says of it. Each line becomes its immutable ``Booking`` at once,
so only one booking is ever held as dicts: besides the document's bytes, what stays is
the snapshot itself.

CPU only (~a second for 20,000 bookings): the consumer runs it in a worker thread. A
document that does not match the event, or a day that cannot be scheduled, raises
``InvalidSnapshot`` (no retry can fix it)."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator

import orjson
from pydantic import ValidationError

from shared.contracts.booking import AllocationRequested, SnapshotHeader

from allocator.domain import Booking, DaySnapshot, InvalidSnapshot


def read_snapshot(document: bytes | bytearray, request: AllocationRequested) -> DaySnapshot:
    if hashlib.sha256(document).hexdigest() != request.snapshot_sha256:
        raise InvalidSnapshot(f"the document's SHA-256 is not the event's ({len(document)} bytes)")
    lines = _lines(document)
    try:
        header = SnapshotHeader.model_validate_json(bytes(next(lines, b"")))
    except ValidationError as exc:
        raise InvalidSnapshot(f"header: {exc.errors()[0]['msg']}") from None
    if (header.center, header.date, header.cutoff_id) != (request.center, request.date, request.cutoff_id):
        raise InvalidSnapshot("the document's center, date or cutoff id is not the event's")
    bookings: list[Booking] = []
    for index, line in enumerate(lines):
        try:
            bookings.append(Booking.from_dict(orjson.loads(line)))
        except orjson.JSONDecodeError:
            raise InvalidSnapshot(f"bookings[{index}]: not JSON") from None
        except InvalidSnapshot as exc:
            raise InvalidSnapshot(f"bookings[{index}].{exc.detail}") from None
    if len(bookings) != header.booking_count:
        raise InvalidSnapshot(f"the header counts {header.booking_count} bookings, the document holds {len(bookings)}")
    return DaySnapshot.from_header(
        {"center": header.center, "date": header.date, "periods": [p.model_dump() for p in header.periods]},
        tuple(bookings))


def _lines(document: bytes | bytearray) -> Iterator[memoryview]:
    """Each line, as a view into the document (no copy of it, whole or in lines)."""
    view = memoryview(document)
    start, end = 0, len(document)
    while start < end:
        stop = document.find(b"\n", start)
        stop = end if stop < 0 else stop
        yield view[start:stop]
        start = stop + 1
