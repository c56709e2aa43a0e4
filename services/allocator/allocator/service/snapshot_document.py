"""The snapshot document booking serves (``shared.contracts.booking``: NDJSON, a header
line, then one booking per line) into the day's ``DaySnapshot``, checked against what
``allocation.requested`` says of it.

``SnapshotReader`` takes the document in chunks as they arrive: each complete line becomes
its immutable ``Booking`` at once and its bytes go, so the whole document (11.5 MB for
20,000 bookings) is never held beside the snapshot built from it. The SHA-256 is computed
on the way; a document that is not the event's is refused as such, whatever its lines
held. CPU only (~a second for 20,000 bookings): the consumer feeds it from a worker
thread. A document that does not match the event, or a day that cannot be scheduled,
raises ``InvalidSnapshot`` (no retry can fix it)."""
from __future__ import annotations

import hashlib

import orjson
from pydantic import ValidationError

from shared.contracts.booking import AllocationRequested, SnapshotHeader

from allocator.domain import Booking, DaySnapshot, InvalidSnapshot


class SnapshotReader:
    def __init__(self, request: AllocationRequested) -> None:
        self.request = request
        self._sha = hashlib.sha256()
        self._size = 0
        self._partial = b""                 # the last line's start, until its newline comes
        self._header: SnapshotHeader | None = None
        self._bookings: list[Booking] = []
        self._error: InvalidSnapshot | None = None   # raised at the end, once the digest is known

    def feed(self, chunk: bytes | bytearray | memoryview) -> None:
        self._sha.update(chunk)
        self._size += len(chunk)
        if self._error is not None:
            return                          # only the digest matters now
        data = self._partial + chunk if self._partial else bytes(chunk)
        start = 0
        try:
            while (stop := data.find(b"\n", start)) >= 0:
                self._line(memoryview(data)[start:stop])
                start = stop + 1
        except InvalidSnapshot as exc:
            self._error, self._partial = exc, b""
            return
        self._partial = data[start:]

    def finish(self) -> DaySnapshot:
        if self._sha.hexdigest() != self.request.snapshot_sha256:
            raise InvalidSnapshot(f"the document's SHA-256 is not the event's ({self._size} bytes)")
        if self._error is None and self._partial:
            try:                            # the last line had no newline
                self._line(memoryview(self._partial))
            except InvalidSnapshot as exc:
                self._error = exc
        if self._error is not None:
            raise self._error
        header = self._header_or_refuse(b"") if self._header is None else self._header
        if len(self._bookings) != header.booking_count:
            raise InvalidSnapshot(f"the header counts {header.booking_count} bookings,"
                                  f" the document holds {len(self._bookings)}")
        bookings, self._bookings = tuple(self._bookings), []
        return DaySnapshot.from_header(
            {"center": header.center, "date": header.date, "periods": [p.model_dump() for p in header.periods]},
            bookings)

    def _line(self, line: memoryview) -> None:
        if self._header is None:
            self._header = self._header_or_refuse(bytes(line))
            return
        index = len(self._bookings)
        try:
            self._bookings.append(Booking.from_dict(orjson.loads(line)))
        except orjson.JSONDecodeError:
            raise InvalidSnapshot(f"bookings[{index}]: not JSON") from None
        except InvalidSnapshot as exc:
            raise InvalidSnapshot(f"bookings[{index}].{exc.detail}") from None

    def _header_or_refuse(self, line: bytes) -> SnapshotHeader:
        try:
            header = SnapshotHeader.model_validate_json(line)
        except ValidationError as exc:
            raise InvalidSnapshot(f"header: {exc.errors()[0]['msg']}") from None
        r = self.request
        if (header.center, header.date, header.cutoff_id) != (r.center, r.date, r.cutoff_id):
            raise InvalidSnapshot("the document's center, date or cutoff id is not the event's")
        return header


def read_snapshot(document: bytes | bytearray, request: AllocationRequested) -> DaySnapshot:
    """A whole document at once (tests, tools)."""
    reader = SnapshotReader(request)
    reader.feed(document)
    return reader.finish()
