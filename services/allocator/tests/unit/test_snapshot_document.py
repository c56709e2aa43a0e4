"""The snapshot document booking serves (NDJSON: a header line, a booking per line) into
the day's snapshot, checked against what allocation.requested says of it; and the
allocation.completed written as one JSON text on the unit of work's envelope."""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone
from functools import partial

import pytest

from shared.contracts.allocator import AllocationCompleted
from shared.contracts.booking import SNAPSHOT_PATH, AllocationRequested, SnapshotBooking, SnapshotHeader
from shared.clock import Clock
from shared.events import Cause, Envelope, make_envelope
from shared.unit_of_work import UnitOfWork

from allocator.domain import DaySnapshot, InvalidSnapshot
from allocator.service import allocation
from allocator.service.allocation import Recorded, compute
from allocator.service.snapshot_document import SnapshotReader, read_snapshot
from allocator.settings import AllocatorSettings

CLOSED_AT = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)


def document(build, *bookings: dict, count: int | None = None, cutoff_id: str = "c-1") -> bytes:
    """As booking writes it (service/cutoff_snapshot.py): every line through the contract."""
    header = SnapshotHeader(center="qingdao", date="2026-12-01", cutoff_id=cutoff_id, closed_at=CLOSED_AT,
                            periods=[build.AM, build.PM],
                            booking_count=len(bookings) if count is None else count)
    lines = [header.model_dump_json()] + [SnapshotBooking.model_validate(b).model_dump_json() for b in bookings]
    return ("\n".join(lines) + "\n").encode()


def request_for(body: bytes, cutoff_id: str = "c-1") -> AllocationRequested:
    return AllocationRequested(center="qingdao", date="2026-12-01", cutoff_id=cutoff_id, closed_at=CLOSED_AT,
                               booking_count=0, snapshot_path=SNAPSHOT_PATH.format(cutoff_id=cutoff_id),
                               snapshot_sha256=hashlib.sha256(body).hexdigest(), snapshot_bytes=len(body))


def named(build) -> list[dict]:
    return [{**b, "enterprises": [{**e, "name": "青岛企业", "status": "active"} for e in b["enterprises"]]}
            for b in (build.booking("b1", lines=2), build.booking("b2", period="PM", second=3), build.booking("b3"))]


def test_the_document_gives_the_day_the_domain_gives(build):
    bookings = named(build)
    body = document(build, *bookings)

    snapshot = read_snapshot(body, request_for(body))

    expected = DaySnapshot.from_dict({"center": "qingdao", "date": "2026-12-01", "periods": [build.AM, build.PM],
                                      "bookings": bookings})
    assert snapshot == expected and snapshot.fingerprint() == expected.fingerprint()


def test_a_cancelled_line_weighs_nothing_and_an_empty_day_is_a_day(build):
    cancelled = {**build.booking("c1", lines=2)}
    cancelled["enterprises"][1] = {**cancelled["enterprises"][1], "status": "cancelled"}
    body = document(build, cancelled)
    assert len(read_snapshot(body, request_for(body)).bookings[0].enterprises) == 1
    empty = document(build)
    assert read_snapshot(empty, request_for(empty)).bookings == ()


def test_a_document_that_is_not_the_events_is_refused(build):
    body = document(build, *named(build))
    with pytest.raises(InvalidSnapshot, match="SHA-256"):
        read_snapshot(body.replace(b'"b2"', b'"bX"'), request_for(body))     # not what the event names
    with pytest.raises(InvalidSnapshot, match="SHA-256"):
        read_snapshot(body[:-10], request_for(body))                          # cut short


def chunked(body: bytes, request: AllocationRequested, size: int) -> DaySnapshot:
    """As the consumer reads it: ``size`` bytes at a time, lines cut anywhere."""
    reader = SnapshotReader(request)
    for start in range(0, len(body), size):
        reader.feed(body[start:start + size])
    return reader.finish()


def test_the_document_read_in_chunks_gives_the_same_day(build):
    body = document(build, *named(build))
    whole = read_snapshot(body, request_for(body))
    for size in (1, 7, 64, len(body)):
        assert chunked(body, request_for(body), size) == whole
    unterminated = body[:-1]    # the last line without its newline
    assert chunked(unterminated, request_for(unterminated), 5) == whole


def test_a_chunked_document_that_is_not_the_events_is_refused_as_such(build):
    # A line that does not parse, in a document that is not the event's: the SHA-256 says why.
    body = document(build, *named(build))
    garbled = body.replace(b'"b2"', b'{not json')
    with pytest.raises(InvalidSnapshot, match="SHA-256"):
        chunked(garbled, request_for(body), 16)
    garbage = document(build, build.booking("b1")) + b"{not json\n"
    with pytest.raises(InvalidSnapshot, match=r"bookings\[1\]: not JSON"):
        chunked(garbage, request_for(garbage), 16)


def test_a_document_of_another_request_or_with_a_wrong_count_is_refused(build):
    other = document(build, *named(build), cutoff_id="c-2")
    with pytest.raises(InvalidSnapshot, match="cutoff id"):
        read_snapshot(other, request_for(other, cutoff_id="c-1"))
    short = document(build, *named(build), count=4)
    with pytest.raises(InvalidSnapshot, match="counts 4 bookings"):
        read_snapshot(short, request_for(short))


def test_an_unschedulable_booking_is_named_by_its_place(build):
    body = document(build, build.booking("b1"), build.booking("b2", businesses=[{"type": "LAMINATE_CARD"}]))
    with pytest.raises(InvalidSnapshot, match=r"bookings\[1\]\..*LAMINATE_CARD"):
        read_snapshot(body, request_for(body))
    night = document(build, build.booking("b1"), build.booking("b2", period="NIGHT"))
    with pytest.raises(InvalidSnapshot, match="unknown period 'NIGHT'"):
        read_snapshot(night, request_for(night))
    garbage = document(build, build.booking("b1")) + b"{not json\n"
    with pytest.raises(InvalidSnapshot, match=r"bookings\[1\]: not JSON"):
        read_snapshot(garbage, request_for(garbage))


class Recording:
    """A connection that keeps the statements sent to it (the unit's one outbox insert)."""
    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple]] = []

    async def execute(self, sql: str, *args) -> None:
        self.statements.append((sql, args))


async def test_allocation_completed_is_one_json_text_the_contract_reads(build):
    body = document(build, build.booking("b1", lines=2), build.booking("b2", period="PM"), build.booking("b3"))
    computed = compute(read_snapshot(body, request_for(body)), AllocatorSettings().policies(),
                       cutoff_id="c-1", closed_at=CLOSED_AT)
    recorded = Recorded(run_id=computed.run_id, run_created_at=datetime.now(timezone.utc), stored=True,
                        changed=True, written=3, removed=0, seconds=0.0)
    request_env = make_envelope("allocation.requested", request_for(body), producer="booking", version=2,
                                correlation_id="req-1")
    now = datetime(2026, 11, 30, 7, 0, 5, tzinfo=timezone.utc)

    conn = Recording()
    async with UnitOfWork.within(conn, Clock(), "allocator", cause=Cause.of(request_env), now=now) as uow:
        uow.add_encoded(allocation.completed_data(computed, recorded, now=uow.now),
                        partial(allocation.completed_json, computed))

    [(sql, (ids, types, keys, texts))] = conn.statements
    assert sql.startswith("WITH added AS (INSERT INTO outbox")
    assert (types, keys) == (["allocation.completed"], ["allocation.completed"])
    event_id, text = ids[0], texts[0]
    env = Envelope.model_validate_json(text)
    assert (env.id, env.type, env.version, env.producer) == (event_id, "allocation.completed", 1, "allocator")
    assert (env.correlation_id, env.causation_id, env.occurred_at) == ("req-1", str(request_env.id), now)
    assert isinstance(env.id, uuid.UUID)
    got = AllocationCompleted.model_validate(env.data)
    assert (got.center, got.date.isoformat(), got.cutoff_id, got.run_id, got.changed, got.overflow_count,
            got.completed_at) == ("qingdao", "2026-12-01", "c-1", str(computed.run_id), True, 0, now)
    assert [(a.booking_id, a.queue_number, a.start, a.end, a.desk, a.overflow) for a in got.assignments] == \
        [(a.booking_id, a.queue_number, a.start, a.end, a.desk, a.overflow) for a in computed.assignments]
