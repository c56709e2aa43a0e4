"""Booking's internal route for the allocator, ``GET /internal/cutoff-snapshots/{id}``:
the stored document of a closed day to the services' token only (401 without it, with
another one, or when booking has none configured), 404 for a snapshot it never stored,
and neither token in the logs. That the gateway never routes it: tests/contract/
test_gateway_config.py."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from booking.service.cutoff_close import close_date

SH = ZoneInfo("Asia/Shanghai")
MONDAY_CUTOFF = datetime(2025, 11, 17, 15, 0, 1, tzinfo=SH)
TOKEN = "booking-tests-internal-token"     # conftest's INTERNAL_TOKEN


async def closed_day(service) -> dict:
    """Close Tuesday with one booking; allocation.requested's data."""
    await service.booked(service.agent())
    closed = await close_date(service.ctx, service.ctx.centers.get(service.center), service.tuesday,
                              now=MONDAY_CUTOFF)
    async with service.db.connection() as conn:
        envelope = await conn.fetchval("SELECT envelope FROM outbox WHERE type = 'allocation.requested'"
                                       " AND envelope->'data'->>'cutoff_id' = $1", closed.cutoff_id)
    return envelope["data"]


@pytest.fixture
async def stopped(start_booking):
    svc = await start_booking(scheduler_enabled=False)
    await svc.at(datetime(2025, 11, 17, 10, 0, tzinfo=SH))
    return svc


async def test_the_services_token_gets_the_days_document(stopped):
    requested = await closed_day(stopped)
    day = await stopped.snapshot(requested)       # the token, and the event's SHA-256 and size
    assert (day["center"], day["date"], day["booking_count"], len(day["bookings"])) == (
        stopped.center, "2025-11-18", 1, 1)
    r = await stopped.client.get(requested["snapshot_path"], headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.headers["Content-Type"].startswith("application/x-ndjson")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-the-token"},
                                     {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer "}],
                         ids=["none", "another token", "another scheme", "empty"])
async def test_without_the_token_it_is_refused(stopped, headers, capfd):
    requested = await closed_day(stopped)
    r = await stopped.client.get(requested["snapshot_path"], headers=headers)
    assert r.status == 401
    assert (await r.json())["code"] == "auth.unauthorized"
    out, err = capfd.readouterr()
    assert TOKEN not in out + err and "not-the-token" not in out + err


async def test_with_no_token_configured_every_call_is_refused(start_booking):
    svc = await start_booking(scheduler_enabled=False, internal_api_token=None)
    r = await svc.client.get("/internal/cutoff-snapshots/0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b",
                             headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status == 401


@pytest.mark.parametrize("cutoff_id", ["0b6f1c52-3d4e-4f80-9a1b-2c3d4e5f6a7b", "not-a-uuid"])
async def test_a_snapshot_never_stored_is_404(stopped, cutoff_id):
    r = await stopped.client.get(f"/internal/cutoff-snapshots/{cutoff_id}",
                                 headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status == 404
    assert (await r.json())["code"] == "cutoff_snapshot.not_found"
