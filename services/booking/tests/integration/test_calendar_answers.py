"""The public calendar's kept days (service/calendar_answers.py, issue 20): reused only while
the rows, the working calendar and the day's bookability are what they were made from.

Each test first reads the range once, so that the read after a change would be answered
from the kept days if the cache failed to notice the change. A change "by another replica"
is written straight to the database, as another booking process would: this process hears
nothing of it."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")
MONDAY, TUESDAY, WEDNESDAY = date(2025, 11, 17), date(2025, 11, 18), date(2025, 11, 19)


async def days(service, start: date, end: date) -> dict[str, dict]:
    r = await service.client.get("/api/v1/calendar", params={
        "center": service.center, "from": start.isoformat(), "to": end.isoformat()})
    assert r.status == 200, await r.text()
    return {d["date"]: d for d in (await r.json())["days"]}


def left(found: dict[str, dict], day: date, period: str = "AM") -> tuple[int, int]:
    p = next(p for p in found[day.isoformat()]["periods"] if p["code"] == period)
    return p["capacity"], p["remaining"]


async def test_a_read_with_nothing_changed_reuses_the_days_with_its_own_now(service):
    # The working calendar is read again after BOOKING_CALENDAR_CACHE_SECONDS (1 s), and days
    # worked out from another copy are not reused: on a slow machine the two reads below can
    # be more than a second apart (a CI run failed so). That expiry is not what this tests.
    service.ctx.calendars.ttl = 60
    answers = service.ctx.calendars.answers
    await days(service, TUESDAY, WEDNESDAY)
    hits = answers.hits
    await service.at(datetime(2025, 11, 17, 10, 0, 30, tzinfo=SH))
    r = await service.client.get("/api/v1/calendar", params={
        "center": service.center, "from": TUESDAY.isoformat(), "to": WEDNESDAY.isoformat()})
    body = await r.json()
    assert answers.hits == hits + 1, "the second read was worked out again"
    assert body["now"].startswith("2025-11-17T10:00:30"), "now is the request's, not the kept days'"
    assert set(body) == {"center", "timezone", "now", "days"}


async def test_a_booking_shows_at_the_next_read(service):
    before = left(await days(service, TUESDAY, WEDNESDAY), TUESDAY)
    await service.booked(service.agent(), day=TUESDAY)
    assert left(await days(service, TUESDAY, WEDNESDAY), TUESDAY) == (before[0], before[1] - 1)


async def test_changes_by_another_replica_show_at_the_next_read(service):
    found = await days(service, TUESDAY, WEDNESDAY)
    assert left(found, WEDNESDAY, "PM") == (40, 40) and found["2025-11-18"]["bookable"]
    async with service.db.connection() as conn:   # what another booking process would write
        await conn.execute("INSERT INTO capacity (center, day, period, capacity, booked) VALUES ($1, $2, 'PM', 12, 5)",
                           service.center, WEDNESDAY)
    assert left(await days(service, TUESDAY, WEDNESDAY), WEDNESDAY, "PM") == (12, 7)
    async with service.db.connection() as conn:
        await conn.execute("UPDATE capacity SET booked = 6 WHERE center = $1 AND day = $2 AND period = 'PM'",
                           service.center, WEDNESDAY)
    assert left(await days(service, TUESDAY, WEDNESDAY), WEDNESDAY, "PM") == (12, 6)
    async with service.db.connection() as conn:   # a date closed ahead of its cutoff
        await conn.execute("INSERT INTO cutoffs (id, center, day, status, closed_at) VALUES ($1, $2, $3, 'closed', $4)",
                           uuid.uuid4(), service.center, TUESDAY, service.now)
    found = await days(service, TUESDAY, WEDNESDAY)
    assert (found["2025-11-18"]["bookable"], found["2025-11-18"]["not_bookable_reason"]) == (False, "closed")


async def test_an_override_on_this_replica_shows_at_the_next_read(service):
    assert (await days(service, TUESDAY, WEDNESDAY))["2025-11-19"]["working"] is True
    r = await service.client.put(f"/api/v1/admin/calendar/{WEDNESDAY}", headers=service.admin(),
                                 json={"center": service.center, "working": False, "note": "停电"})
    assert r.status == 200
    found = await days(service, TUESDAY, WEDNESDAY)
    assert (found["2025-11-19"]["working"], found["2025-11-19"]["source"]) == (False, "override")


async def test_kept_days_end_at_the_next_cutoff(service):
    """Tuesday closes at Monday 15:00: kept at 14:59:59 they are not used at 15:00."""
    await service.at(datetime(2025, 11, 17, 14, 59, 59, tzinfo=SH))
    assert (await days(service, TUESDAY, WEDNESDAY))["2025-11-18"]["bookable"] is True
    await service.at(datetime(2025, 11, 17, 15, 0, tzinfo=SH))
    tuesday = (await days(service, TUESDAY, WEDNESDAY))["2025-11-18"]
    assert (tuesday["bookable"], tuesday["not_bookable_reason"]) == (False, "cutoff_passed")


async def test_kept_days_end_at_the_centers_midnight(service):
    """At Monday 23:59:59 Tuesday's cutoff has passed; at Tuesday 00:00 it is today. No
    cutoff lies between, only the date changes."""
    await service.at(datetime(2025, 11, 17, 23, 59, 59, tzinfo=SH))
    assert (await days(service, TUESDAY, TUESDAY))["2025-11-18"]["not_bookable_reason"] == "cutoff_passed"
    await service.at(datetime(2025, 11, 18, 0, 0, tzinfo=SH))
    assert (await days(service, TUESDAY, TUESDAY))["2025-11-18"]["not_bookable_reason"] == "today"


async def test_kept_days_are_not_used_once_the_clock_went_back(service):
    """Worked out on Monday (today), then the clock is set back to Sunday: Monday's
    cutoff (Friday 15:00) has passed then, it is not today."""
    await service.at(datetime(2025, 11, 17, 10, 0, tzinfo=SH))
    assert (await days(service, MONDAY, MONDAY))["2025-11-17"]["not_bookable_reason"] == "today"
    await service.at(datetime(2025, 11, 16, 10, 0, tzinfo=SH))
    assert (await days(service, MONDAY, MONDAY))["2025-11-17"]["not_bookable_reason"] == "cutoff_passed"
