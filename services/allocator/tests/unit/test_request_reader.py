"""Reading allocation.requested from the message body straight into the snapshot: the same day
as the contract's models give, the same verdicts, a fraction of their memory; and the
allocation.completed written as one JSON text."""
from __future__ import annotations

import json
import random
import tracemalloc
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from shared.contracts.allocator import AllocationCompleted
from shared.events import Envelope, UnknownEvent, make_envelope, parse_envelope

from allocator.domain import DaySnapshot
from allocator.service import allocation
from allocator.service.allocation import Recorded, compute
from allocator.service.request_reader import read_request
from allocator.settings import AllocatorSettings

COUNTED = ["RENEW_UNLOCK", "DECLARANT_CARD", "OPERATOR_CARD", "REISSUE_CARD"]


def day_data(build, *bookings) -> dict:
    return {"center": "qingdao", "date": "2026-12-01", "cutoff_id": "c-1",
            "closed_at": "2026-11-30T07:00:00+00:00", "periods": [build.AM, build.PM],
            "bookings": list(bookings)}


def envelope_body(data: dict, **fields) -> bytes:
    return json.dumps({"id": str(uuid.uuid4()), "type": "allocation.requested", "version": 1,
                       "occurred_at": "2026-11-30T07:00:01+00:00", "producer": "booking",
                       "correlation_id": "req-1", "causation_id": None, "data": data, **fields},
                      ensure_ascii=False).encode()


def busy(build, count: int, seed: int = 3) -> dict:
    rng = random.Random(seed)
    opened = datetime(2026, 11, 27, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    items = []
    for i in range(count):
        lines = []
        for n in range(rng.randint(1, 10)):
            picked = rng.sample(COUNTED + ["BUY_READER"], rng.randint(1, 3))
            lines.append({"org_code": f"{rng.randrange(10**8):08d}X", "name": f"青岛企业{n}",
                          "status": rng.choice(["active"] * 9 + ["cancelled"]),
                          "businesses": [{"type": t, "count": rng.randint(1, 5)} if t in COUNTED else {"type": t}
                                         for t in picked]})
        items.append({"id": f"bk-{i:05d}", "period": rng.choice(("AM", "PM")),
                      "created_at": (opened + timedelta(seconds=rng.randrange(86400))).isoformat(),
                      "enterprises": lines})
    return day_data(build, *items)


def test_the_body_gives_the_day_the_contract_and_the_domain_give(build):
    data = busy(build, 300)
    body = envelope_body(data)

    envelope, request = read_request(body)

    expected_env, model = parse_envelope(body)
    assert envelope.model_dump(exclude={"data"}) == expected_env.model_dump(exclude={"data"})
    assert envelope.data == {}
    assert (request.center, request.date, request.cutoff_id, request.closed_at, request.booking_count) == \
        (model.center, model.date, model.cutoff_id, model.closed_at, 300)
    assert request.invalid is None
    expected = DaySnapshot.from_dict(data)
    assert request.snapshot == expected and request.snapshot.fingerprint() == expected.fingerprint()
    policies = AllocatorSettings().policies()
    assert compute(request, policies).rows == compute(model, policies, raw=expected_env.data).rows


def test_any_json_layout_reads_alike(build):
    data = day_data(build, build.booking("b1", lines=2), build.booking("b2", period="PM"))
    compact = read_request(envelope_body(data))[1].snapshot
    pretty = json.dumps({"data": data, "type": "allocation.requested", "version": 1, "id": str(uuid.uuid4()),
                         "occurred_at": "2026-11-30T07:00:01Z", "producer": "booking"}, indent=3)
    assert read_request(pretty.encode())[1].snapshot == compact
    empty = read_request(envelope_body(day_data(build)))[1]
    assert empty.snapshot is not None and empty.snapshot.bookings == () and empty.booking_count == 0


def test_what_the_contract_accepts_laxly_is_accepted(build):
    data = day_data(build, build.booking("b1", businesses=[{"type": "RENEW_UNLOCK", "count": "3"}]))
    request = read_request(envelope_body(data))[1]
    assert request.snapshot.bookings[0].enterprises[0].businesses[0].count == 3


@pytest.mark.parametrize("body, error", [
    (b"not json", ValueError),
    (b'{"id": 1', ValueError),
    (b"[]", ValueError),
    ("{}", ValidationError),                                     # no envelope fields at all
])
def test_a_body_that_is_no_envelope_is_unreadable(body, error):
    with pytest.raises(error):
        read_request(body if isinstance(body, bytes) else body.encode())


def test_an_envelope_or_a_day_that_breaks_the_contract_is_unreadable(build):
    ok = build.booking("b1")
    cases = [
        envelope_body(day_data(build, ok), surprise=True),                      # extra envelope field
        envelope_body(None),                                                    # data null
        envelope_body({k: v for k, v in day_data(build, ok).items() if k != "cutoff_id"}),
        envelope_body(dict(day_data(build, ok), bookings=None)),
        envelope_body(day_data(build, ok, {k: v for k, v in build.booking("b2").items() if k != "created_at"})),
        envelope_body(day_data(build, {**ok, "enterprises": [{**ok["enterprises"][0], "name": 12}]})),
    ]
    for body in cases:
        with pytest.raises(ValidationError):
            read_request(body)
    with pytest.raises(UnknownEvent):
        read_request(envelope_body(day_data(build, ok), type="booking.created"))
    with pytest.raises(UnknownEvent):
        read_request(envelope_body(day_data(build, ok), version=2))


def test_a_day_that_cannot_be_scheduled_carries_its_reason_with_the_path(build):
    bad = build.booking("b2", businesses=[{"type": "LAMINATE_CARD"}])
    request = read_request(envelope_body(day_data(build, build.booking("b1"), bad, build.booking("b3"))))[1]
    assert request.snapshot is None
    assert request.invalid.detail.startswith("bookings[1].enterprises[0].businesses[0]")
    assert "LAMINATE_CARD" in request.invalid.detail
    overlapping = day_data(build, build.booking("b1"))
    overlapping["periods"] = [build.AM, dict(build.PM, start="11:00")]
    assert "overlap" in read_request(envelope_body(overlapping))[1].invalid.detail
    # A contract breach further on still makes the whole body unreadable, as before.
    late = {k: v for k, v in build.booking("b4").items() if k != "period"}
    with pytest.raises(ValidationError):
        read_request(envelope_body(day_data(build, build.booking("b1"), bad, late)))


def test_reading_holds_a_fraction_of_what_the_envelope_models_hold(build):
    body = envelope_body(busy(build, 2000))
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        request = read_request(body)[1]
        lean_peak = tracemalloc.get_traced_memory()[1]
        del request
        tracemalloc.reset_peak()
        parsed = parse_envelope(body)
        models_peak = tracemalloc.get_traced_memory()[1]
        del parsed
    finally:
        tracemalloc.stop()
    # The body's text (twice its bytes with CJK names) plus the snapshot; the models: ~18x.
    assert lean_peak < 5 * len(body)
    assert lean_peak * 4 < models_peak


def test_allocation_completed_is_one_json_text_the_contract_reads(build):
    data = day_data(build, build.booking("b1", lines=2), build.booking("b2", period="PM"), build.booking("b3"))
    request_env, request = read_request(envelope_body(data))
    computed = compute(request, AllocatorSettings().policies())
    recorded = Recorded(run_id=computed.run_id, run_created_at=datetime.now(timezone.utc), stored=True,
                        changed=True, written=3, removed=0, seconds=0.0)
    now = datetime(2026, 11, 30, 7, 0, 5, tzinfo=timezone.utc)

    event_id, text = allocation.completed_envelope(computed, recorded, now=now, request=request_env,
                                                   producer="allocator")

    env = Envelope.model_validate_json(text)
    assert (env.id, env.type, env.version, env.producer) == (event_id, "allocation.completed", 1, "allocator")
    assert (env.correlation_id, env.causation_id) == ("req-1", str(request_env.id))
    got = AllocationCompleted.model_validate(env.data)
    assert (got.center, got.date.isoformat(), got.cutoff_id, got.run_id, got.changed, got.overflow_count,
            got.completed_at) == ("qingdao", "2026-12-01", "c-1", str(computed.run_id), True, 0, now)
    assert [(a.booking_id, a.queue_number, a.start, a.end, a.desk, a.overflow) for a in got.assignments] == \
        [(a.booking_id, a.queue_number, a.start, a.end, a.desk, a.overflow) for a in computed.assignments]
    # The same document the contract's model would have made.
    as_model = make_envelope("allocation.completed", AllocationCompleted.model_validate(env.data),
                             producer="allocator", correlation_id="req-1", causation_id=str(request_env.id))
    assert as_model.data == env.data
