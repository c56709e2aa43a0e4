"""allocation.requested in through the real broker, allocation.completed out on a probe queue,
the schedule in PostgreSQL and behind the API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


def notices(event: dict) -> dict[str, tuple]:
    """What each agent is told, by booking id, from an allocation.completed."""
    return {a["booking_id"]: (a["period"], a["desk"], a["start"], a["end"], a["queue_number"])
            for a in event["data"]["assignments"]}


async def test_a_request_is_scheduled_stored_published_and_served(allocator, kit, token_factory):
    center, day = "t-first", "2026-12-01"
    # Six morning bookings (8 minutes each, b1 two lines: 16) on 4 desks, one afternoon one;
    # listed out of order: first come, first served is by created_at.
    data = kit.snapshot(center, day, [
        kit.booking("b6", minute=60), kit.booking("b1", minute=1, lines=2),
        kit.booking("b3", minute=3), kit.booking("p1", period="PM", minute=2),
        kit.booking("b2", minute=2), kit.booking("b5", minute=50), kit.booking("b4", minute=4)])
    env = kit.envelope(data)

    await allocator.publish(env)
    done = await allocator.probe.completed(env.id)

    assert (done["type"], done["producer"]) == ("allocation.completed", "allocator")
    assert done["correlation_id"] == env.correlation_id  # carried on from the request
    d = done["data"]
    assert (d["center"], d["date"], d["cutoff_id"], d["changed"], d["overflow_count"]) == \
        (center, day, data["cutoff_id"], True, 0)
    assert [(a["booking_id"], a["queue_number"], a["desk"], a["start"], a["end"]) for a in d["assignments"]] == [
        ("b1", "A001", 1, "09:00", "09:30"), ("b2", "A002", 2, "09:00", "09:30"),
        ("b3", "A003", 3, "09:00", "09:30"), ("b4", "A004", 4, "09:00", "09:30"),
        ("b5", "A005", 2, "09:00", "09:30"),   # desk 2 frees first (09:08, lowest of 2-4)
        ("b6", "A006", 3, "09:00", "09:30"),
        ("p1", "B001", 1, "13:30", "14:00")]

    runs = await allocator.fetch(
        "SELECT run_id, cutoff_id, snapshot_fingerprint, booking_count, overflow_count, stats"
        " FROM allocation_runs WHERE center = $1", center)
    assert len(runs) == 1
    run = runs[0]
    assert (str(run["run_id"]), run["snapshot_fingerprint"]) == (d["run_id"], d["snapshot_fingerprint"])
    assert (run["cutoff_id"], run["booking_count"], run["overflow_count"]) == (data["cutoff_id"], 7, 0)
    assert await allocator.fetchval("SELECT count(*) FROM assignments WHERE center = $1", center) == 7

    for role in ("staff", "admin"):
        r = await allocator.client.get(f"/api/v1/allocations/{center}/{day}",
                                       headers=token_factory.headers(roles=(role,)))
        assert r.status == 200, await r.text()
        body = await r.json()
        assert (body["center"], body["date"], body["desks"], body["segment_minutes"]) == (center, day, 4, 30)
        assert body["run"]["run_id"] == d["run_id"]
        assert (body["run"]["overflow_count"], body["run"]["booking_count"]) == (0, 7)
        assert body["run"]["stats"]["periods"][0]["period"] == "AM"
        assert [p["period"] for p in body["periods"]] == ["AM", "PM"]
        served = [(a["booking_id"], a["queue_number"], a["desk"], a["start"], a["end"])
                  for p in body["periods"] for a in p["assignments"]]
        assert served == [(a["booking_id"], a["queue_number"], a["desk"], a["start"], a["end"])
                          for a in d["assignments"]]
        b5 = body["periods"][0]["assignments"][4]
        assert (b5["estimated_start"], b5["estimated_end"]) == ("2026-12-01T09:08", "2026-12-01T09:16")


async def test_allocation_completed_is_caused_by_the_request_at_the_service_clocks_time(allocator, kit):
    """The unit of work in the inbox transaction gives the answer its cause (the request's
    correlation id, the request as causation) and its time: the service clock's, moved."""
    moved = datetime(2031, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    allocator.runtime.clock.set(moved)
    try:
        env = kit.envelope(kit.snapshot("t-cause", "2026-12-05", [kit.booking("c1"), kit.booking("c2", minute=1)]))
        await allocator.publish(env)
        done = await allocator.probe.completed(env.id)   # the probe finds it by its causation id
    finally:
        allocator.runtime.clock.set(None)

    assert (done["correlation_id"], done["causation_id"]) == (env.correlation_id, str(env.id))
    occurred_at = datetime.fromisoformat(done["occurred_at"])
    assert timedelta(0) <= occurred_at - moved < timedelta(minutes=1)   # the moved clock, still ticking
    assert datetime.fromisoformat(done["data"]["completed_at"]) == occurred_at
    run_created = await allocator.fetchval("SELECT created_at FROM allocation_runs WHERE center = 't-cause'")
    assert run_created == occurred_at   # the unit's one instant: the run it stored, the event it wrote


async def test_the_same_envelope_delivered_twice_is_handled_once(allocator, kit):
    center, day = "t-dupe", "2026-12-02"
    env = kit.envelope(kit.snapshot(center, day, [kit.booking("d1"), kit.booking("d2", minute=1)]))

    await allocator.publish(env)
    await allocator.publish(env)  # the broker redelivers, or booking's relay published twice

    await allocator.probe.completed(env.id)
    answers = await allocator.probe.all_for(env.id, settle=1.5)
    assert len(answers) == 1
    assert await allocator.fetchval("SELECT count(*) FROM allocation_runs WHERE center = $1", center) == 1
    assert await allocator.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", env.id) == 1


async def test_the_same_snapshot_again_stores_nothing_and_answers_unchanged(allocator, kit):
    center, day = "t-rerun", "2026-12-03"
    data = kit.snapshot(center, day, [kit.booking(f"r{i}", minute=i, period=("AM", "PM")[i % 2], lines=1 + i % 3)
                                      for i in range(12)])
    first = kit.envelope(data)
    await allocator.publish(first)
    done1 = await allocator.probe.completed(first.id)
    rows_before = await allocator.fetch(
        "SELECT booking_id, xmin::text AS version, run_id FROM assignments WHERE center = $1 ORDER BY 1", center)
    applied_before = await allocator.fetchval("SELECT applied_at FROM schedules WHERE center = $1", center)

    # An administrator re-runs the cutoff: same bookings, a new request (and cutoff id).
    again = kit.envelope(dict(data, cutoff_id="cutoff-rerun"))
    await allocator.publish(again)
    done2 = await allocator.probe.completed(again.id)

    d1, d2 = done1["data"], done2["data"]
    assert (d1["changed"], d2["changed"]) == (True, False)
    assert d2["run_id"] == d1["run_id"] and d2["snapshot_fingerprint"] == d1["snapshot_fingerprint"]
    assert d2["cutoff_id"] == "cutoff-rerun"
    assert d2["assignments"] == d1["assignments"] and len(d2["assignments"]) == 12
    assert await allocator.fetchval("SELECT count(*) FROM allocation_runs WHERE center = $1", center) == 1
    # Not one assignment row rewritten (xmin is the writing transaction), nothing new applied.
    assert await allocator.fetch(
        "SELECT booking_id, xmin::text AS version, run_id FROM assignments WHERE center = $1 ORDER BY 1",
        center) == rows_before
    assert await allocator.fetchval("SELECT applied_at FROM schedules WHERE center = $1", center) == applied_before


async def test_a_cancelled_booking_stores_a_new_run_and_changes_only_what_must_change(allocator, kit, token_factory):
    center, day = "t-cancel", "2026-12-04"
    morning = [kit.booking(f"a{i}", minute=i) for i in range(1, 7)]
    afternoon = [kit.booking(f"p{i}", period="PM", minute=i) for i in range(1, 4)]
    first = kit.envelope(kit.snapshot(center, day, morning + afternoon))
    await allocator.publish(first)
    done1 = await allocator.probe.completed(first.id)
    rows_before = {r["booking_id"]: r for r in await allocator.fetch(
        "SELECT booking_id, xmin::text AS version, run_id FROM assignments WHERE center = $1", center)}

    # a3 is cancelled; booking re-runs the cutoff and sends the day again.
    later = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
    second = kit.envelope(kit.snapshot(center, day, [b for b in morning if b["id"] != "a3"] + afternoon,
                                       cutoff_id="cutoff-2", closed_at=later))
    await allocator.publish(second)
    done2 = await allocator.probe.completed(second.id)

    d1, d2 = done1["data"], done2["data"]
    assert d2["changed"] is True and d2["run_id"] != d1["run_id"]
    before, after = notices(done1), notices(done2)
    assert set(before) - set(after) == {"a3"} and set(after) <= set(before)
    moved = {b for b in after if after[b] != before[b]}
    assert moved == {"a4", "a5", "a6"}  # behind a3 in the morning queue: they move up
    assert [after[b][4] for b in ("a1", "a2", "a4", "a5", "a6")] == ["A001", "A002", "A003", "A004", "A005"]
    assert await allocator.fetchval("SELECT count(*) FROM allocation_runs WHERE center = $1", center) == 2

    rows_after = {r["booking_id"]: r for r in await allocator.fetch(
        "SELECT booking_id, xmin::text AS version, run_id FROM assignments WHERE center = $1", center)}
    assert set(rows_after) == set(after)
    untouched = {b for b in rows_after if rows_after[b]["version"] == rows_before[b]["version"]}
    assert untouched == {"a1", "a2", "p1", "p2", "p3"}
    assert {b for b in rows_after if str(rows_after[b]["run_id"]) == d2["run_id"]} == moved
    schedule = await allocator.fetch(
        "SELECT run_id, last_written, last_removed FROM schedules WHERE center = $1", center)
    assert [(str(s["run_id"]), s["last_written"], s["last_removed"]) for s in schedule] == [(d2["run_id"], 3, 1)]

    r = await allocator.client.get(f"/api/v1/allocations/{center}/{day}", headers=token_factory.headers(roles=("staff",)))
    body = await r.json()
    assert body["run"]["run_id"] == d2["run_id"] and body["run"]["cutoff_id"] == "cutoff-2"
    assert [a["booking_id"] for a in body["periods"][0]["assignments"]] == ["a1", "a2", "a4", "a5", "a6"]

    # The cancellation is undone (a re-run with the first day's bookings): that input already
    # has its run, which comes back in force with its assignments; no third run is stored.
    third = kit.envelope(kit.snapshot(center, day, morning + afternoon, cutoff_id="cutoff-3"))
    await allocator.publish(third)
    d3 = (await allocator.probe.completed(third.id))["data"]
    assert (d3["run_id"], d3["changed"], d3["assignments"]) == (d1["run_id"], True, d1["assignments"])
    assert await allocator.fetchval("SELECT count(*) FROM allocation_runs WHERE center = $1", center) == 2
    assert {r["booking_id"]: r["queue_number"] for r in await allocator.fetch(
        "SELECT booking_id, queue_number FROM assignments WHERE center = $1", center)} == \
        {b: n[4] for b, n in before.items()}


async def test_a_day_that_does_not_fit_is_scheduled_whole_and_its_overflow_reported(allocator, kit, token_factory):
    # The tiny center has one desk. Each morning booking: 10 new cards = 10 x (3 + 15) = 180
    # minutes, longer than the whole morning (150): the 2nd and 3rd start after 11:30.
    center, day = kit.TINY_CENTER, "2026-12-07"
    big = [{"type": "NEW_CARD"}]
    env = kit.envelope(kit.snapshot(center, day, [
        kit.booking("o1", minute=1, lines=10, businesses=big), kit.booking("o2", minute=2, lines=10, businesses=big),
        kit.booking("o3", minute=3, lines=10, businesses=big), kit.booking("o4", period="PM", minute=1)]))

    await allocator.publish(env)
    d = (await allocator.probe.completed(env.id))["data"]

    assert d["overflow_count"] == 2
    assert [(a["booking_id"], a["queue_number"], a["start"], a["end"], a["overflow"]) for a in d["assignments"]] == [
        ("o1", "A001", "09:00", "09:30", False),
        ("o2", "A002", "11:00", "11:30", True),   # kept, in the period's last segment, marked
        ("o3", "A003", "11:00", "11:30", True),
        ("o4", "B001", "13:30", "14:00", False)]
    run = await allocator.fetch("SELECT overflow_count, booking_count, stats FROM allocation_runs WHERE center = $1"
                                " AND service_date = $2", center, datetime(2026, 12, 7).date())
    assert [(x["overflow_count"], x["booking_count"]) for x in run] == [(2, 4)]
    assert [p["overflow"] for p in run[0]["stats"]["periods"]] == [2, 0]

    r = await allocator.client.get(f"/api/v1/allocations/{center}/{day}", headers=token_factory.headers(roles=("staff",)))
    body = await r.json()
    assert body["desks"] == 1 and body["run"]["overflow_count"] == 2
    am = body["periods"][0]
    assert (am["bookings"], am["overflow"]) == (3, 2)
    assert am["assignments"][2]["estimated_start"] == "2026-12-07T15:00"  # 09:00 + 2 x 180 min: honest
    assert am["desks"] == [{"desk": 1, "last_end": "2026-12-07T18:00"}]
