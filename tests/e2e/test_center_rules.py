"""The center's rules at the edges (issue 15), through nginx with every service a process of
its own, real PostgreSQL and RabbitMQ, and SMS read from the fake provider's inbox:

* SMS resend only for a confirmed or allocated booking, rendered as the booking is now;
* the clerk's no-show only once the agent is more than 10 minutes late;
* a six-month suspension counted in the center's months (31 August -> 28 February);
* the official calendar a year at a time: an unconfirmed year never released, a loaded
  year followed, and a later holiday package taking a year over with no admin step.

Each test lives in days no other end-to-end test uses (the system and its center are
shared by the session)."""
from __future__ import annotations

import json
import random
import sys
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from testsupport.generators import new_org_code, new_phone
from testsupport.messaging import wait_for
from testsupport.waiting import holds_throughout

TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hhmm: str = "10:00", plus: timedelta = timedelta()) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=TZ) + plus


def body(orgs: list[str], *, date: str, period: str = "AM", phone: str | None = None) -> dict:
    return {"date": date, "period": period, "contact_name": "李四", "contact_phone": phone or new_phone(),
            "enterprises": [{"org_code": o, "businesses": [{"type": "RENEW_UNLOCK", "count": 1}]} for o in orgs]}


async def enterprises(gw, agent, n: int) -> list[str]:
    orgs = []
    for _ in range(n):
        code = new_org_code()
        await gw.call("POST", "/api/v1/me/enterprises", agent=agent, json={"code": code, "name": f"青岛{code}有限公司"},
                      expect=201)
        orgs.append(code)
    return orgs


async def allocation_of(gw, agent, booking_id: str) -> dict:
    async def allocated():
        _, b = await gw.call("GET", f"/api/v1/bookings/{booking_id}", agent=agent)
        return b["allocation"]
    found = await wait_for(allocated, timeout=60)
    assert found, f"booking {booking_id} was never allocated"
    return found


async def calendar(gw, start: str, end: str) -> dict[str, dict]:
    _, cal = await gw.call("GET", f"/api/v1/calendar?from={start}&to={end}", expect=200)
    return {d["date"]: d for d in cal["days"]}


async def travel(gw, instant: datetime) -> None:
    """Move the clock before anybody of this test signs up: tokens are then issued at the
    moved clock (refresh tokens live 30 days; these tests travel further)."""
    await gw.set_clock(instant)


# --- SMS resend and the desk ------------------------------------------------------------

async def test_resend_only_while_to_be_served_and_no_show_only_once_late(gw):
    await travel(gw, at("2026-11-09"))             # Monday; Tuesday 10 and Wednesday 11 open
    agent = await gw.register()
    staff = await gw.operator("staff")
    orgs = await enterprises(gw, agent, 6)
    phones = {k: new_phone() for k in ("served", "missed", "cancelled", "lines")}
    ids = {}
    for key, (day, period, chosen) in {"served": ("2026-11-10", "AM", orgs[:1]),
                                       "missed": ("2026-11-10", "PM", orgs[1:2]),
                                       "cancelled": ("2026-11-11", "AM", orgs[2:3]),
                                       "lines": ("2026-11-11", "PM", orgs[3:6])}.items():
        _, b = await gw.call("POST", "/api/v1/bookings", agent=agent, expect=201,
                             json=body(chosen, date=day, period=period, phone=phones[key]))
        ids[key] = b["id"]
    for key in phones:
        assert await gw.wait_sms(phones[key], "成功预约")

    # After one of three enterprises is cancelled, the resent text counts two.
    await gw.call("POST", f"/api/v1/bookings/{ids['lines']}/enterprises/{orgs[3]}/cancel", agent=agent, expect=200)
    await gw.call("POST", f"/api/v1/bookings/{ids['lines']}/sms-resend", agent=agent, expect=202)
    resent = await gw.wait_sms(phones["lines"], "成功预约", count=2)
    assert "共3家企业" in resent[0].text and "共2家企业" in resent[1].text

    # Cancelled: refused, nothing sent.
    await gw.call("POST", f"/api/v1/bookings/{ids['cancelled']}/cancel", agent=agent, expect=200)
    status, err = await gw.call("POST", f"/api/v1/bookings/{ids['cancelled']}/sms-resend", agent=agent)
    assert (status, err["code"]) == (409, "booking.not_active")

    # Tuesday closes at Monday 15:00 and is allocated.
    await gw.set_clock(at("2026-11-09", "15:01"))
    served = await allocation_of(gw, agent, ids["served"])
    missed = await allocation_of(gw, agent, ids["missed"])

    # Served: checked in on time and completed; the resend is refused.
    await gw.set_clock(at("2026-11-10", served["start"]))
    await gw.call("POST", f"/api/v1/desk/bookings/{ids['served']}/check-in", agent=staff, expect=200)
    await gw.call("POST", f"/api/v1/desk/bookings/{ids['served']}/complete", agent=staff, expect=200)
    status, err = await gw.call("POST", f"/api/v1/bookings/{ids['served']}/sms-resend", agent=agent)
    assert (status, err["code"]) == (409, "booking.not_active")

    # Missed: five minutes late is too early to mark a no-show; eleven is not.
    await gw.set_clock(at("2026-11-10", missed["start"], timedelta(minutes=5)))
    status, err = await gw.call("POST", f"/api/v1/desk/bookings/{ids['missed']}/no-show", agent=staff)
    assert (status, err["code"]) == (409, "booking.not_late_yet")
    assert err["late_after"] == at("2026-11-10", missed["start"], timedelta(minutes=10)).isoformat()
    _, rights = await gw.call("GET", "/api/v1/me/booking-rights", agent=agent, expect=200)
    assert rights["no_shows"] == 0
    await gw.set_clock(at("2026-11-10", missed["start"], timedelta(minutes=11)))
    _, marked = await gw.call("POST", f"/api/v1/desk/bookings/{ids['missed']}/no-show", agent=staff, expect=200)
    assert marked["status"] == "no_show"
    _, rights = await gw.call("GET", "/api/v1/me/booking-rights", agent=agent, expect=200)
    assert rights["no_shows"] == 1
    status, err = await gw.call("POST", f"/api/v1/bookings/{ids['missed']}/sms-resend", agent=agent)
    assert (status, err["code"]) == (409, "booking.not_active")

    # None of the three refusals reached the provider: each phone has exactly what it had
    # before (the confirmation, and the allocation for Tuesday's two). A resend asked
    # after them all arrives, so the refused ones had every chance to come before it.
    await gw.call("POST", f"/api/v1/bookings/{ids['lines']}/sms-resend", agent=agent)   # used: 409
    marker = await gw.register()
    marker_orgs = await enterprises(gw, marker, 1)
    _, mb = await gw.call("POST", "/api/v1/bookings", agent=marker, expect=201,
                          json=body(marker_orgs, date="2026-11-11", phone=(mphone := new_phone())))
    await gw.call("POST", f"/api/v1/bookings/{mb['id']}/sms-resend", agent=marker, expect=202)
    assert len(await gw.wait_sms(mphone, "成功预约", count=2)) == 2
    # and a second more for a straggler: no refused one arrives
    assert await holds_throughout(lambda: [len(gw.sms.messages_for(phones[k])) for k in ("cancelled", "served", "missed")]
                                  == [2, 2, 2], seconds=1)
    cancelled_texts = [m.text for m in gw.sms.messages_for(phones["cancelled"])]
    assert len(cancelled_texts) == 2 and "成功预约" in cancelled_texts[0] and "已取消" in cancelled_texts[1]
    served_texts = gw.sms.messages_for(phones["served"])
    missed_texts = gw.sms.messages_for(phones["missed"])
    assert len(served_texts) == 2 and "排队号" in served_texts[1].text
    assert len(missed_texts) == 2 and "排队号" in missed_texts[1].text


# --- suspensions on the center's calendar -------------------------------------------------

async def test_a_suspension_starting_on_31_august_ends_on_28_february(gw):
    """Three no-shows: Thursday 27 August's at closing, then Friday 28's two, swept when the
    service next looks, at 04:00 on Monday 31 August in Qingdao (still 30 August in UTC)."""
    await travel(gw, at("2026-08-25"))              # Tuesday
    agent = await gw.register()
    orgs = await enterprises(gw, agent, 3)
    _, thu = await gw.call("POST", "/api/v1/bookings", agent=agent, expect=201, json=body(orgs[:1], date="2026-08-27"))
    await gw.set_clock(at("2026-08-26"))
    _, fri_am = await gw.call("POST", "/api/v1/bookings", agent=agent, expect=201,
                              json=body(orgs[1:2], date="2026-08-28"))
    _, fri_pm = await gw.call("POST", "/api/v1/bookings", agent=agent, expect=201,
                              json=body(orgs[2:3], date="2026-08-28", period="PM"))
    await gw.set_clock(at("2026-08-26", "15:01"))
    await allocation_of(gw, agent, thu["id"])
    await gw.set_clock(at("2026-08-27", "15:01"))
    await allocation_of(gw, agent, fri_am["id"])
    await allocation_of(gw, agent, fri_pm["id"])
    await gw.set_clock(at("2026-08-27", "17:01"))   # Thursday's closing sweep: the first

    async def no_shows(n):
        _, r = await gw.call("GET", "/api/v1/me/booking-rights", agent=agent)
        return r if (r["no_shows"] == n or r["suspended_until"]) else None
    assert await wait_for(lambda: no_shows(1), timeout=30)

    await gw.set_clock(at("2026-08-31", "04:00"))   # Friday's two: the third suspends
    rights = await wait_for(lambda: no_shows(-1), timeout=30)
    assert rights, "Friday's bookings were not swept"
    until = datetime.fromisoformat(rights["suspended_until"])
    assert rights["suspended_until"].endswith("+08:00")          # shown on the center's clock
    assert (until.date(), until.hour, until.minute) == (datetime(2027, 2, 28).date(), 4, 0)
    assert rights["reason"] == "too_many_no_shows"
    admin = await gw.operator("admin")
    _, seen = await gw.call("GET", f"/api/v1/admin/agents/{agent.user_id}/rights", agent=admin, expect=200)
    assert seen["suspended_until"] == rights["suspended_until"]
    assert seen["agent"]["username"] == agent.username and "****" in seen["agent"]["phone"]
    _, found = await gw.call("GET", f"/api/v1/admin/agents?q={agent.phone}", agent=admin, expect=200)
    assert [a["id"] for a in found["items"]] == [agent.user_id] and found["items"][0]["suspended_until"]
    gw.people.clear()      # their refresh tokens were issued in August


# --- the official calendar, a year at a time ------------------------------------------------

async def test_an_unconfirmed_year_is_never_released(gw):
    """chinese-calendar knows up to 2026; nobody loaded 2027. On Wednesday 30 December 2026
    Thursday 31 opens, but 1 January 2027 (a Friday) does not, nor does any 2027 date, and
    the scheduler closes and allocates none of them."""
    await travel(gw, at("2026-12-30"))
    # What the client reads instead of hard-coding 15点, 2个工作日 and 10分钟 (no token).
    _, center = await gw.call("GET", "/api/v1/centers/qingdao", expect=200)
    assert (center["cutoff_time"], center["release_working_days"], center["late_minutes"], center["timezone"]) == \
        ("15:00", 2, 10, "Asia/Shanghai")
    agent = await gw.register()
    admin = await gw.operator("admin")
    orgs = await enterprises(gw, agent, 1)
    found = await calendar(gw, "2026-12-30", "2027-01-08")
    assert found["2026-12-31"]["bookable"] is True
    for day in ("2027-01-01", "2027-01-04", "2027-01-05"):
        assert (found[day]["bookable"], found[day]["not_bookable_reason"], found[day]["source"]) == \
            (False, "calendar_unconfirmed", "fallback"), day
    status, err = await gw.call("POST", "/api/v1/bookings", agent=agent, json=body(orgs, date="2027-01-04"))
    assert (status, err["code"], err["reason"]) == (422, "booking.date_not_bookable", "calendar_unconfirmed")
    _, y = await gw.call("GET", "/api/v1/admin/calendar/years/2027", agent=admin, expect=200)
    assert (y["source"], y["package_knows"]) == (None, False)
    _, month = await gw.call("GET", "/api/v1/admin/calendar?month=2027-01", agent=admin, expect=200)
    assert month["first_unconfirmed"] == {"date": "2027-01-01", "release_opens_on": "2026-12-30",
                                          "days_until_release": 0}

    # Capacity rows make both dates the scheduler's candidates; Thursday 31 (confirmed) is
    # closed at Wednesday 15:00, Monday 4 January (unconfirmed) never, even past the
    # Monday-Friday cutoff it would have had (Friday 1 January 15:00).
    for day in ("2026-12-31", "2027-01-04"):
        await gw.call("PUT", "/api/v1/admin/capacity", agent=admin, expect=200,
                      json={"center": "qingdao", "date": day, "period": "AM", "capacity": 30})
    await gw.set_clock(at("2026-12-30", "15:01"))

    async def closed(day):
        _, s = await gw.call("GET", f"/api/v1/admin/cutoffs/qingdao/{day}", agent=admin)
        return s if s["status"] != "open" else None
    assert await wait_for(lambda: closed("2026-12-31"), timeout=30)
    await gw.set_clock(at("2027-01-01", "15:01"))

    async def still_open() -> bool:
        _, state = await gw.call("GET", "/api/v1/admin/cutoffs/qingdao/2027-01-04", agent=admin, expect=200)
        return (state["status"], state["requests"]) == ("open", 0)
    assert await holds_throughout(still_open, seconds=2, every=0.25)     # four scheduler passes (0.5 s)
    gw.people.clear()


async def test_a_loaded_year_is_followed(gw):
    """2028, loaded by an administrator: Tuesday 11 January a holiday, Saturday 8 January a
    调休 working day. On Friday 7 January Saturday opens (its cutoff that Friday, 15:00);
    from Monday 10 the holiday is skipped and Wednesday 12 closes on Monday."""
    await travel(gw, at("2028-01-07"))
    admin = await gw.operator("admin")
    agent = await gw.register()
    orgs = await enterprises(gw, agent, 2)
    try:
        status, err = await gw.call("PUT", "/api/v1/admin/calendar/years/2028", agent=admin,
                                    json={"holidays": ["2028-01-11"], "workdays": ["2028-01-11"]})
        assert (status, err["code"]) == (422, "calendar.date_in_both_lists")
        _, y = await gw.call("PUT", "/api/v1/admin/calendar/years/2028", agent=admin, expect=200,
                             json={"holidays": ["2028-01-11"], "workdays": ["2028-01-08"], "note": "测试"})
        assert (y["source"], y["holidays"], y["workdays"]) == ("admin", ["2028-01-11"], ["2028-01-08"])
        found = await calendar(gw, "2028-01-07", "2028-01-12")
        assert [d for d, v in found.items() if v["bookable"]] == ["2028-01-08", "2028-01-10"]
        assert found["2028-01-08"]["cutoff_at"] == "2028-01-07T15:00:00+08:00"
        _, sat = await gw.call("POST", "/api/v1/bookings", agent=agent, expect=201, json=body(orgs[:1], date="2028-01-08"))
        assert sat["cutoff_at"] == "2028-01-07T15:00:00+08:00"
        await gw.set_clock(at("2028-01-07", "15:01"))
        assert (await allocation_of(gw, agent, sat["id"]))["queue_number"].startswith("A")

        await gw.set_clock(at("2028-01-10"))
        found = await calendar(gw, "2028-01-10", "2028-01-14")
        assert (found["2028-01-11"]["working"], found["2028-01-11"]["not_bookable_reason"]) == \
            (False, "not_working_day")
        assert [d for d, v in found.items() if v["bookable"]] == ["2028-01-12", "2028-01-13"]
        assert found["2028-01-12"]["cutoff_at"] == "2028-01-10T15:00:00+08:00"
        status, err = await gw.call("POST", "/api/v1/bookings", agent=agent, json=body(orgs[1:], date="2028-01-11"))
        assert (status, err["reason"]) == (422, "not_working_day")
    finally:
        await gw.call("DELETE", "/api/v1/admin/calendar/years/2028", agent=admin, expect=204)
    _, y = await gw.call("GET", "/api/v1/admin/calendar/years/2028", agent=admin, expect=200)
    assert y["source"] is None
    gw.people.clear()


async def _restart_booking(gw, **env: str) -> None:
    """Booking again, as a new release would start, at the clock the others show."""
    system = gw.system
    clock = await system.clock_now()
    sp = system.services["booking"]
    sp.stop()
    sp.env = dict(system.service_env("booking"), TEST_CLOCK_START=clock.isoformat(), **env)
    sp.start([sys.executable, "-m", "booking"])
    await system.wait_ready(60)


async def test_a_later_holiday_package_takes_the_year_over(gw, tmp_path):
    """A chinese-calendar release that knows 2027 (simulated by the official-calendar
    adapter's test seam) replaces 'unconfirmed' without any admin step: 1 January 2027 is
    a holiday and Monday 4 January opens."""
    await travel(gw, at("2026-12-30"))
    admin = await gw.operator("admin")
    found = await calendar(gw, "2027-01-01", "2027-01-04")
    assert found["2027-01-04"]["not_bookable_reason"] == "calendar_unconfirmed"
    release = tmp_path / "chinese-calendar-2027.json"
    release.write_text(json.dumps({"2027": {"holidays": ["2027-01-01", "2027-01-02", "2027-01-03"],
                                            "workdays": []}}))
    try:
        await _restart_booking(gw, BOOKING_TEST_PACKAGE_SUPPLEMENT=str(release))
        found = await calendar(gw, "2026-12-30", "2027-01-05")
        assert (found["2027-01-01"]["working"], found["2027-01-01"]["source"]) == (False, "official")
        # (31 December may be closed already by another test: only 2027 is looked at.)
        assert found["2027-01-04"]["bookable"] is True and found["2027-01-05"]["bookable"] is False
        assert found["2027-01-04"]["cutoff_at"] == "2026-12-31T15:00:00+08:00"
        _, y = await gw.call("GET", "/api/v1/admin/calendar/years/2027", agent=admin, expect=200)
        assert (y["source"], y["holidays"][0], y["loaded_by"]) == ("package", "2027-01-01", None)
        agent = await gw.register()
        orgs = await enterprises(gw, agent, 1)
        await gw.call("POST", "/api/v1/bookings", agent=agent, expect=201, json=body(orgs, date="2027-01-04", period="PM"))
    finally:
        await _restart_booking(gw)
    found = await calendar(gw, "2027-01-04", "2027-01-04")
    assert found["2027-01-04"]["not_bookable_reason"] == "calendar_unconfirmed"
    gw.people.clear()


@pytest.fixture(autouse=True)
def _seeded():
    random.seed(uuid.uuid4().int)
