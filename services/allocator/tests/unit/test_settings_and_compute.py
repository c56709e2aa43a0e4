"""The service layer without I/O: policies from settings (per center, built once) and the
CPU half of the consumer (``compute``) on the event's data."""
from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from shared.contracts.booking import AllocationRequested

from allocator.domain import AllocationPolicy, InvalidSnapshot
from allocator.service.allocation import compute
from allocator.settings import AllocatorSettings


def test_the_default_policy_is_the_domain_default_and_centers_override_it(monkeypatch):
    assert AllocatorSettings().policies().for_center("qingdao") == AllocationPolicy()

    monkeypatch.setenv("ALLOCATOR_DESKS", "5")
    monkeypatch.setenv("ALLOCATOR_TYPE_WEIGHTS", '{"NEW_CARD": 20, "BUY_READER": {"first": 1}}')
    monkeypatch.setenv("ALLOCATOR_CENTERS",
                       '[{"id": "yantai", "desks": 2, "segment_minutes": 20, "type_weights": {"NEW_CARD": 30}}]')
    book = AllocatorSettings().policies()

    qingdao, yantai = book.for_center("qingdao"), book.for_center("yantai")
    assert (qingdao.desks, qingdao.segment_minutes, qingdao.type_weights["NEW_CARD"].first) == (5, 30, 20)
    assert (yantai.desks, yantai.segment_minutes, yantai.type_weights["NEW_CARD"].first) == (2, 20, 30)
    # Weights merge type by type: the center's file does not lose the default overrides.
    assert yantai.type_weights["BUY_READER"].first == 1
    assert qingdao.fingerprint() != yantai.fingerprint()


@pytest.mark.parametrize("env", [
    {"ALLOCATOR_DESKS": "0"},
    {"ALLOCATOR_TYPE_WEIGHTS": '{"LAMINATE": 3}'},
    {"ALLOCATOR_CENTERS": '[{"id": "x", "desks": -1}]'},
    {"ALLOCATOR_CENTERS": '[{"id": "x"}, {"id": "x"}]'},
    {"ALLOCATOR_CENTERS": '[{"id": "x", "desk": 3}]'},   # misspelt: refused, not ignored
])
def test_a_bad_policy_stops_the_service_at_start(monkeypatch, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError):
        AllocatorSettings()


def request(build, *bookings) -> dict:
    return {"center": "qingdao", "date": "2026-12-01", "cutoff_id": "c-1",
            "closed_at": "2026-11-30T07:00:00+00:00", "periods": [build.AM, build.PM],
            "bookings": list(bookings)}


def test_compute_reads_the_wire_data_and_the_model_alike(build):
    data = request(build, build.booking("b1", lines=3), build.booking("b2", second=5, period="PM"))
    wire = json.loads(json.dumps(data))
    model = AllocationRequested.model_validate(wire)
    policies = AllocatorSettings().policies()

    from_model = compute(model, policies)
    from_wire = compute(model, policies, raw=wire)

    assert from_wire.snapshot_fingerprint == from_model.snapshot_fingerprint
    assert from_wire.schedule_fingerprint == from_model.schedule_fingerprint
    assert from_wire.rows == from_model.rows and from_wire.run_id == from_model.run_id
    assert [(a.booking_id, a.queue_number, a.start, a.end) for a in from_wire.assignments] == \
        [("b1", "A001", "09:00", "09:30"), ("b2", "B001", "13:30", "14:00")]
    assert [r[2:4] for r in from_wire.rows] == [(0, 1), (1, 1)]   # period rank, queue position
    assert from_wire.stats["periods"][0]["bookings"] == 1 and from_wire.cutoff_id == "c-1"


def test_what_only_the_contracts_lax_parsing_accepts_is_read_from_the_model(build):
    wire = request(build, build.booking("b1", businesses=[{"type": "RENEW_UNLOCK", "count": "3"}]))
    model = AllocationRequested.model_validate(wire)   # the contract takes "3" as 3

    lax = compute(model, AllocatorSettings().policies(), raw=wire)

    assert lax.snapshot_fingerprint == compute(model, AllocatorSettings().policies()).snapshot_fingerprint


def test_an_unschedulable_day_raises_invalid_snapshot(build):
    wire = request(build, build.booking("b1", period="NIGHT"))
    with pytest.raises(InvalidSnapshot, match="unknown period"):
        compute(AllocationRequested.model_validate(wire), AllocatorSettings().policies(), raw=wire)
