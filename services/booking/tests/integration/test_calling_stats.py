"""叫号 figures: the day statistics' calling.desks (calls, completed, skipped, waiting and
service seconds) and the histograms on /metrics; the desk schedule's last call."""
from __future__ import annotations

from datetime import timedelta

import pytest


async def test_day_stats_and_metrics_of_the_calls(service, calling_day, take_desk, desk_call):
    # Checked in at 08:50:00, 08:50:10 and 08:50:20.
    await calling_day(service, [(1, "A001"), (1, "A002"), (2, "A003")])
    start = service.now.replace(hour=9, minute=0, second=0, microsecond=0)
    clerk = await take_desk(service, 1)
    service.set_clock(start)                                        # A001 waited 600 s
    first = await (await desk_call(service, clerk, "call")).json()
    service.set_clock(start + timedelta(minutes=5))                 # served 300 s
    await service.desk("complete", first["booking_id"], clerk)
    service.set_clock(start + timedelta(minutes=6))                 # A002 waited 950 s, skipped
    await desk_call(service, clerk, "call")
    await desk_call(service, clerk, "skip")
    service.set_clock(start + timedelta(minutes=10))                # A002 again (its own queue first)
    again = await (await desk_call(service, clerk, "call")).json()
    assert again["queue_number"] == "A002"
    service.set_clock(start + timedelta(minutes=16))                # served 600 s from its first call
    await service.desk("complete", again["booking_id"], clerk)

    r = await service.client.get(f"/api/v1/admin/stats/{service.center}/2025-11-18", headers=service.admin())
    assert r.status == 200, await r.text()
    desks = (await r.json())["calling"]["desks"]
    assert [d["desk"] for d in desks] == [1, 2, 3, 4]
    assert desks[0] == {"desk": 1, "calls": 3, "completed": 2, "skipped": 1, "waiting_seconds_avg": 775.0,
                        "waiting_seconds_p90": 915.0, "service_seconds_avg": 450.0}
    assert desks[1] == {"desk": 2, "calls": 0, "completed": 0, "skipped": 0, "waiting_seconds_avg": None,
                        "waiting_seconds_p90": None, "service_seconds_avg": None}

    metrics = await (await service.client.get("/metrics")).text()
    label = f'{{center="{service.center}",desk="1"}}'
    values = {line.split("{")[0]: float(line.split()[-1]) for line in metrics.splitlines() if label in line}
    # The test clock still ticks between set_clock and the request: a few milliseconds more.
    assert values["booking_calling_waiting_seconds_count"] == 2
    assert values["booking_calling_waiting_seconds_sum"] == pytest.approx(1550, abs=1)
    assert values["booking_calling_service_seconds_count"] == 2
    assert values["booking_calling_service_seconds_sum"] == pytest.approx(900, abs=1)

    r = await service.client.get("/api/v1/desk/schedule", params={"center": service.center}, headers=clerk)
    items = {b["allocation"]["queue_number"]: b for b in (await r.json())["items"]}
    assert (items["A002"]["called_desk"], items["A002"]["called_at"]) == (1, again["called_at"])
    assert (items["A003"]["called_desk"], items["A003"]["called_at"]) == (None, None)
