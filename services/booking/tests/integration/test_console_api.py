"""The routes the administration console and the agent's screens use (docs/console-api.md),
through booking's HTTP API with the real database: the official calendar a year at a time,
the month as the console shows it, capacity per date, cutoff runs with their reasons, agent
search, the center's published settings, and the desk's and the agent's rules at the edges.

Loaded official years are national (every center reads them): each test here uses a year
no other test uses (2030-2033) and clears it at the end."""
from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking.adapters.agents import Agents
from booking.scheduling.daily_work import run_pass
from testsupport.messaging import wait_for

SH = ZoneInfo("Asia/Shanghai")


@asynccontextmanager
async def loaded_year(service, year: int, holidays: list[str], workdays: list[str]):
    r = await service.client.put(f"/api/v1/admin/calendar/years/{year}", headers=service.admin(),
                                 json={"holidays": holidays, "workdays": workdays, "note": "国办发明电"})
    assert r.status == 200, await r.text()
    try:
        yield await r.json()
    finally:
        r = await service.client.delete(f"/api/v1/admin/calendar/years/{year}", headers=service.admin())
        assert r.status == 204


async def year(service, y: int) -> dict:
    r = await service.client.get(f"/api/v1/admin/calendar/years/{y}", headers=service.admin())
    assert r.status == 200, await r.text()
    return await r.json()


async def calendar(service, start: date, end: date) -> dict[str, dict]:
    r = await service.client.get("/api/v1/calendar", params={"center": service.center, "from": start.isoformat(),
                                                              "to": end.isoformat()})
    assert r.status == 200, await r.text()
    return {d["date"]: d for d in (await r.json())["days"]}


async def test_a_loaded_year_is_followed_and_clearing_it_makes_it_unconfirmed_again(service, refused):
    # 2030: Tuesday 1 October a holiday; Saturday 12 October a 调休 working day.
    before = await year(service, 2030)
    assert (before["source"], before["holidays"], before["package_knows"]) == (None, [], False)
    async with loaded_year(service, 2030, ["2030-10-01", "2030-10-05"], ["2030-10-12"]) as loaded:
        assert loaded["source"] == "admin" and loaded["holidays"] == ["2030-10-01", "2030-10-05"]
        assert loaded["workdays"] == ["2030-10-12"] and loaded["note"] == "国办发明电"
        assert loaded["loaded_at"].endswith("+08:00")
        # Monday 30 September 10:00: Tuesday is the holiday; Wednesday and Thursday open.
        await service.at(datetime(2030, 9, 30, 10, 0, tzinfo=SH))
        found = await calendar(service, date(2030, 9, 30), date(2030, 10, 3))
        assert found["2030-10-01"]["working"] is False and found["2030-10-01"]["source"] == "official"
        assert [d for d, v in found.items() if v["bookable"]] == ["2030-10-02", "2030-10-03"]
        # Friday 11 October: Saturday 12 is worked, its cutoff Friday 15:00.
        await service.at(datetime(2030, 10, 11, 10, 0, tzinfo=SH))
        sat = (await calendar(service, date(2030, 10, 12), date(2030, 10, 12)))["2030-10-12"]
        assert (sat["working"], sat["bookable"], sat["cutoff_at"]) == (True, True, "2030-10-11T15:00:00+08:00")
        await service.booked(service.agent(), day=date(2030, 10, 12))
    after = await year(service, 2030)
    assert after["source"] is None
    r = await service.book(service.agent(), day=date(2030, 10, 14))
    assert (await refused(r, 422))["reason"] == "calendar_unconfirmed"


async def test_loading_a_year_refuses_lists_that_make_no_sense(service, refused):
    admin = service.admin()

    async def put(y, body):
        return await service.client.put(f"/api/v1/admin/calendar/years/{y}", headers=admin, json=body)
    cases = [
        (2031, {"holidays": ["2032-01-01"], "workdays": []}, "calendar.date_outside_year", ["2032-01-01"]),
        (2031, {"holidays": ["2031-02-01"], "workdays": ["2031-02-01"]}, "calendar.date_in_both_lists",
         ["2031-02-01"]),
        (2031, {"holidays": [], "workdays": ["2031-02-03"]}, "calendar.workday_not_weekend", ["2031-02-03"]),
    ]
    for y, body, code, dates in cases:
        problem = await refused(await put(y, body), 422)
        assert (problem["code"], problem["dates"]) == (code, dates)
    assert (await refused(await put(1999, {"holidays": [], "workdays": []}), 422))["code"] == "calendar.year_invalid"
    assert (await refused(await put(2031, {"holidays": ["2031-13-01"], "workdays": []}), 422))["code"] == \
        "validation_error"
    assert (await refused(await put("20x1", {"holidays": [], "workdays": []}), 422))["code"] == "validation_error"
    r = await service.client.put("/api/v1/admin/calendar/years/2031", headers=service.agent(),
                                 json={"holidays": [], "workdays": []})
    await refused(r, 403)
    assert (await year(service, 2031))["source"] is None      # nothing was stored
    # A weekend holiday is fine (notices list whole holiday periods).
    async with loaded_year(service, 2031, ["2031-10-04"], []) as loaded:
        assert loaded["holidays"] == ["2031-10-04"]


async def test_the_package_year_and_the_month_view(service):
    known = await year(service, 2026)
    assert known["source"] == "package" and known["package_knows"] is True
    assert "2026-10-01" in known["holidays"] and known["loaded_by"] is None
    admin = service.admin()
    r = await service.client.put("/api/v1/admin/calendar/2025-11-22", headers=admin,
                                 json={"center": service.center, "working": True, "note": "加班"})
    assert r.status == 200
    r = await service.client.get("/api/v1/admin/calendar", headers=admin,
                                 params={"center": service.center, "month": "2025-11"})
    assert r.status == 200, await r.text()
    month = await r.json()
    days = {d["date"]: d for d in month["days"]}
    assert len(days) == 30 and month["year_source"] == "package"
    sat = days["2025-11-22"]
    assert (sat["source"], sat["working"], sat["official_working"], sat["override"]["note"]) == \
        ("override", True, False, "加班")
    assert days["2025-11-18"]["bookable"] is True and days["2025-11-18"]["cutoff_status"] == "open"
    assert days["2025-11-17"]["not_bookable_reason"] == "today" and days["2025-11-17"]["weekday"] == 1
    assert month["first_unconfirmed"] is None        # none within 400 days of 17 November 2025
    # From June 2026 the first day nobody confirmed is 1 January 2027, which opens 2 working
    # days before.
    await service.at(datetime(2026, 6, 1, 10, 0, tzinfo=SH))
    admin = service.admin()      # a token of the moved clock
    r = await service.client.get("/api/v1/admin/calendar", headers=admin,
                                 params={"center": service.center, "month": "2025-11"})
    month = await r.json()
    assert month["first_unconfirmed"]["date"] == "2027-01-01"
    assert month["first_unconfirmed"]["release_opens_on"] == "2026-12-30"
    r = await service.client.get("/api/v1/admin/calendar", headers=admin,
                                 params={"center": service.center, "month": "2027-01"})
    jan = {d["date"]: d for d in (await r.json())["days"]}
    assert jan["2027-01-04"]["source"] == "fallback" and jan["2027-01-04"]["confirmed"] is False
    r = await service.client.get("/api/v1/admin/calendar", headers=admin, params={"month": "2025-13"})
    assert r.status == 422


async def test_the_scheduler_never_closes_an_unconfirmed_date_and_the_gauges_say_how_close_it_is(service):
    # Capacity set for Monday 4 January 2027 (a row: the scheduler's candidate), then its
    # Monday-Friday cutoff (Friday 1 January 15:00) passes.
    await service.set_capacity(date(2027, 1, 4), "AM", 10)
    await service.at(datetime(2027, 1, 1, 15, 30, tzinfo=SH))
    await run_pass(service.ctx)
    assert (await service.cutoff(date(2027, 1, 4)))["status"] == "open"
    def gauges():
        sample = service.runtime.metrics.registry.get_sample_value
        return (sample("calendar_unconfirmed_days", {"center": service.center}),
                sample("calendar_unconfirmed_release_in_days", {"center": service.center}))

    # The background scheduler, woken by the moved clock, reports too; a pass it began
    # before the move may land after ours, so wait for the values of the new clock.
    async def settles(expect):
        async def seen():
            return expect(*gauges())
        return await wait_for(seen, timeout=10)
    assert await settles(lambda days, release: days == 30 and release < 0), gauges()
    await service.at(datetime(2026, 11, 27, 10, 0, tzinfo=SH))      # a Friday
    await run_pass(service.ctx)
    # 1 January 2027 opens on Wednesday 30 December 2026: 33 days ahead.
    assert await settles(lambda days, release: days == 0 and release == 33), gauges()


async def test_capacity_per_date_with_what_is_booked(service):
    await service.booked(service.agent(), lines=3)
    await service.set_capacity(service.tuesday, "PM", 12)
    r = await service.client.get("/api/v1/admin/capacity", headers=service.admin(), params={
        "center": service.center, "from": "2025-11-18", "to": "2025-11-23"})
    assert r.status == 200, await r.text()
    days = {d["date"]: d for d in (await r.json())["days"]}
    assert days["2025-11-18"]["periods"] == [
        {"code": "AM", "start": "09:00", "end": "11:30", "capacity": 40, "booked": 3, "remaining": 37},
        {"code": "PM", "start": "13:30", "end": "17:00", "capacity": 12, "booked": 0, "remaining": 12}]
    assert days["2025-11-22"] == {"date": "2025-11-22", "working": False, "periods": []}
    r = await service.client.get("/api/v1/admin/capacity", headers=service.admin(),
                                 params={"from": "2025-11-18", "to": "2026-02-18"})
    assert r.status == 422


async def test_a_cutoff_run_keeps_who_and_why(service):
    r = await service.client.post("/api/v1/admin/cutoffs", headers=service.admin(), json={
        "center": service.center, "date": "2025-11-18", "reason": "早关：系统维护"})
    assert r.status == 202
    r = await service.client.post("/api/v1/admin/cutoffs", headers=service.admin(), json={
        "center": service.center, "date": "2025-11-18", "reason": "补录后重新分配"})
    state = await r.json()
    assert [(x["reason"], x["rerun"]) for x in state["runs"]] == [("早关：系统维护", False), ("补录后重新分配", True)]
    assert all(x["by"] for x in state["runs"])


async def test_agents_are_found_by_username_or_phone_with_their_rights(service):
    tag = uuid.uuid4().hex[:8]
    ids = [str(uuid.uuid4()) for _ in range(3)]
    phones = [f"139{tag[:0]}{n:08d}" for n in (int(tag[:6], 16) % 10**8, int(tag[2:8], 16) % 10**8, 12345678)]
    async with service.db.connection() as conn:
        for i, (agent_id, phone) in enumerate(zip(ids, phones)):
            await Agents(conn).save(id=agent_id, username=f"Zq{tag}{i}", name="张三", phone=phone,
                                    registered_at=service.now, now=service.now)
    admin = service.admin()

    async def search(q, **params):
        r = await service.client.get("/api/v1/admin/agents", headers=admin, params={"q": q, **params})
        assert r.status == 200, await r.text()
        return await r.json()
    page = await search(f"zq{tag}", limit=2)
    assert [a["id"] for a in page["items"]] == ids[:2] and page["next_cursor"]
    rest = await search(f"zq{tag}", limit=2, cursor=page["next_cursor"])
    assert [a["id"] for a in rest["items"]] == ids[2:] and rest["next_cursor"] is None
    one = (await search(phones[1]))["items"]
    assert [a["id"] for a in one] == [ids[1]] and one[0]["phone"] == phones[1][:3] + "****" + phones[1][-4:]
    assert one[0]["no_shows"] == 0 and one[0]["suspended_until"] is None
    r = await service.client.get(f"/api/v1/admin/agents/{ids[1]}/rights", headers=admin)
    assert (await r.json())["agent"]["username"] == f"Zq{tag}1"
    r = await service.client.get("/api/v1/admin/agents", headers=admin, params={"q": "x"})
    assert r.status == 422
    r = await service.client.get("/api/v1/admin/agents", headers=service.agent(), params={"q": "zq"})
    assert r.status == 403


async def test_the_center_publishes_its_settings(service, refused):
    r = await service.client.get(f"/api/v1/centers/{service.center}")
    assert r.status == 200
    center = await r.json()
    assert (center["cutoff_time"], center["release_working_days"], center["late_minutes"], center["timezone"]) == \
        ("15:00", 2, 10, "Asia/Shanghai")
    assert [p["code"] for p in center["periods"]] == ["AM", "PM"]
    assert center["limits"]["enterprise_name_max"] == 200 and center["limits"]["enterprises_per_booking"] == 10
    assert (await refused(await service.client.get("/api/v1/centers/atlantis"), 404))["code"] == "center.not_found"


async def test_no_show_only_once_the_agent_is_more_than_ten_minutes_late(service, refused):
    agent = service.agent()
    booking = await service.booked(agent)
    await service.at(datetime(2025, 11, 17, 15, 0, 1, tzinfo=SH))
    state = await service.cutoff_reaches(service.tuesday, "closed")
    await service.allocation_completed(service.tuesday, state["cutoff_id"], [{
        "booking_id": booking["id"], "period": "AM", "desk": 1, "start": "09:30", "end": "10:00",
        "queue_number": "A001"}])
    segment = datetime.combine(service.tuesday, time(9, 30), SH)
    for minutes in (5, 10):
        await service.at(segment + timedelta(minutes=minutes, seconds=59))
        problem = await refused(await service.desk("no-show", booking["id"]), 409)
        assert (problem["code"], problem["late_after"]) == ("booking.not_late_yet", "2025-11-18T09:40:00+08:00")
    assert (await service.rights_of(agent))["no_shows"] == 0
    await service.at(segment + timedelta(minutes=11))
    r = await service.desk("no-show", booking["id"])
    assert r.status == 200 and (await r.json())["status"] == "no_show"
    assert (await service.rights_of(agent))["no_shows"] == 1


async def test_sms_resend_only_while_the_booking_is_to_be_served(service, refused):
    agent = service.agent()
    booking = await service.booked(agent, lines=2)
    r = await service.client.post(f"/api/v1/bookings/{booking['id']}/enterprises/"
                                  f"{booking['enterprises'][0]['org_code']}/cancel", headers=agent)
    assert r.status == 200
    r = await service.client.post(f"/api/v1/bookings/{booking['id']}/sms-resend", headers=agent)
    assert r.status == 202
    [resend] = await service.outbox("booking.sms_resend.requested", [booking["id"]])
    assert (resend["status"], resend["enterprise_count"], resend["date"], resend["allocation"]) == \
        ("confirmed", 1, "2025-11-18", None)
    other = await service.booked(agent, period="PM")
    r = await service.client.post(f"/api/v1/bookings/{other['id']}/cancel", headers=agent)
    assert r.status == 200
    r = await service.client.post(f"/api/v1/bookings/{other['id']}/sms-resend", headers=agent)
    assert (await refused(r, 409))["code"] == "booking.not_active"
    assert await service.outbox("booking.sms_resend.requested", [other["id"]]) == []


async def test_the_cutoffs_of_a_range_of_working_days(service, refused):
    await service.booked(service.agent())
    await service.run_cutoff(service.tuesday)
    r = await service.client.get("/api/v1/admin/cutoffs", headers=service.admin(), params={
        "center": service.center, "from": "2025-11-14", "to": "2025-11-19"})
    assert r.status == 200, await r.text()
    items = {i["date"]: i for i in (await r.json())["items"]}
    assert list(items) == ["2025-11-14", "2025-11-17", "2025-11-18", "2025-11-19"]    # no weekend
    assert (items["2025-11-18"]["status"], items["2025-11-18"]["bookings"]) in {("closed", 1), ("allocated", 1)}
    assert items["2025-11-19"]["status"] == "open" and items["2025-11-19"]["cutoff_at"] == "2025-11-18T15:00:00+08:00"
    r = await service.client.get("/api/v1/admin/cutoffs", headers=service.admin(),
                                 params={"from": "2025-11-19", "to": "2025-11-14"})
    await refused(r, 422)
