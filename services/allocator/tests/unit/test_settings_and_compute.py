"""The service layer without I/O: policies from settings (per center, built once) and the
CPU half of the consumer (``compute``) on a requested day."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from allocator.domain import AllocationPolicy
from allocator.service.allocation import compute
from allocator.settings import AllocatorSettings

CLOSED_AT = datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)


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


def test_compute_schedules_the_day_and_shapes_the_rows_and_the_event(build):
    snapshot = build.day(build.booking("b1", lines=3), build.booking("b2", second=5, period="PM"))

    computed = compute(snapshot, AllocatorSettings().policies(), cutoff_id="c-1", closed_at=CLOSED_AT)

    assert [(a.booking_id, a.queue_number, a.start, a.end) for a in computed.assignments] == \
        [("b1", "A001", "09:00", "09:30"), ("b2", "B001", "13:30", "14:00")]
    assert [r[2:4] for r in computed.rows] == [(0, 1), (1, 1)]   # period rank, queue position
    assert computed.stats["periods"][0]["bookings"] == 1
    assert (computed.cutoff_id, computed.closed_at) == ("c-1", CLOSED_AT)
    assert computed.snapshot_fingerprint == snapshot.fingerprint()
    again = compute(snapshot, AllocatorSettings().policies(), cutoff_id="c-2", closed_at=CLOSED_AT)
    assert again.run_id == computed.run_id   # the same day and policy: the same run, whatever the request
