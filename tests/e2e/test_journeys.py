"""The agent's and the desk's whole day, through nginx, with every service a process of its
own, real PostgreSQL and RabbitMQ, and SMS read from a fake provider's inbox.

Each journey lives in a week of its own (the center and its closed dates are shared): its
clock starts on Monday 10:00 in Qingdao, when Tuesday and Wednesday are bookable and
Tuesday's cutoff is Monday 15:00."""
from __future__ import annotations

import base64
import random
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from testsupport.generators import new_org_code, new_phone
from testsupport.messaging import wait_for

TZ = ZoneInfo("Asia/Shanghai")


class Week:
    def __init__(self, monday: str) -> None:
        self.monday = datetime.fromisoformat(f"{monday}T10:00:00").replace(tzinfo=TZ)
        days = [(self.monday + timedelta(days=i)).date().isoformat() for i in range(5)]
        self.tuesday, self.wednesday, self.thursday, self.friday = days[1:]


BOOKING_WEEK, CANCEL_WEEK, CUTOFF_WEEK, DESK_WEEK = (Week("2026-11-30"), Week("2026-12-07"),
                                                     Week("2026-12-14"), Week("2026-12-21"))


def booking_body(orgs: list[str], *, date: str, period: str = "AM", phone: str | None = None) -> dict:
    mixes = [[{"type": "RENEW_UNLOCK", "count": 2}, {"type": "BUY_READER"}],
             [{"type": "NEW_CARD"}],
             [{"type": "CHANGE_INFO"}, {"type": "OPERATOR_CARD", "count": 1}]]
    return {"date": date, "period": period, "contact_name": "李四", "contact_phone": phone or new_phone(),
            "enterprises": [{"org_code": o, "businesses": mixes[i % 3]} for i, o in enumerate(orgs)]}


async def add_enterprises(gw, agent, n: int) -> list[str]:
    orgs = []
    for _ in range(n):
        code = new_org_code()
        await gw.call("POST", "/api/v1/me/enterprises", agent=agent, json={"code": code, "name": f"青岛{code}有限公司"},
                      expect=201)
        orgs.append(code)
    return orgs


async def test_register_sign_in_bind_a_card_and_sign_in_with_it(gw):
    agent = await gw.register()
    _, me = await gw.call("GET", "/api/v1/me", agent=agent, expect=200)
    assert me["username"] == agent.username and "agent" in me["roles"]

    key = Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    card_no = f"QD{uuid.uuid4().hex[:10].upper()}"
    await gw.call("POST", "/api/v1/me/cards", agent=agent, expect=201,
                  json={"card_no": card_no, "public_key": pem, "password": agent.password})
    notice = await gw.wait_sms(agent.phone, "登录卡")   # the account's phone is told of the binding
    assert len(notice) == 1 and f"尾号{card_no[-4:]}" in notice[0].text
    _, challenge = await gw.call("GET", f"/api/v1/card-challenges?card_no={card_no}", expect=200)
    signature = base64.b64encode(key.sign(challenge["nonce"].encode())).decode()
    _, session = await gw.call("POST", "/api/v1/sessions/card", expect=200, json={
        "card_no": card_no, "challenge_id": challenge["challenge_id"], "signature": signature})
    assert session["user"]["id"] == agent.user_id
    # the same challenge twice: refused
    status, body = await gw.call("POST", "/api/v1/sessions/card", json={
        "card_no": card_no, "challenge_id": challenge["challenge_id"], "signature": signature})
    assert status == 401 and body["code"] == "auth.card_invalid"


async def test_book_three_enterprises_get_the_sms_list_and_open_it(gw):
    w = BOOKING_WEEK
    await gw.set_clock(w.monday)
    agent = await gw.register()
    orgs = await add_enterprises(gw, agent, 3)
    body = booking_body(orgs, date=w.tuesday)
    _, booking = await gw.call("POST", "/api/v1/bookings", agent=agent, json=body,
                               headers={"Idempotency-Key": uuid.uuid4().hex}, expect=201)
    assert booking["status"] == "confirmed" and len(booking["enterprises"]) == 3
    sms = await gw.wait_sms(body["contact_phone"], "成功预约")
    assert len(sms) == 1 and "3家企业" in sms[0].text
    _, page = await gw.call("GET", f"/api/v1/bookings?from={w.tuesday}&to={w.tuesday}", agent=agent, expect=200)
    assert [b["id"] for b in page["items"]] == [booking["id"]]
    _, opened = await gw.call("GET", f"/api/v1/bookings/{booking['id']}", agent=agent, expect=200)
    assert [e["org_code"] for e in opened["enterprises"]] == orgs
    assert opened["enterprises"][0]["businesses"] == [{"type": "RENEW_UNLOCK", "count": 2},
                                                       {"type": "BUY_READER", "count": 1}]
    assert await wait_for(lambda: _sms_status(gw, agent, booking["id"], "delivered"), timeout=30)


async def _sms_status(gw, agent, booking_id, status) -> bool:
    _, b = await gw.call("GET", f"/api/v1/bookings/{booking_id}", agent=agent)
    return b["sms"]["status"] == status


async def test_cancel_a_line_then_the_rest_then_book_again(gw):
    w = CANCEL_WEEK
    await gw.set_clock(w.monday)
    agent = await gw.register()
    orgs = await add_enterprises(gw, agent, 3)
    body = booking_body(orgs, date=w.wednesday, period="PM")
    _, booking = await gw.call("POST", "/api/v1/bookings", agent=agent, json=body, expect=201)
    bid = booking["id"]
    _, after = await gw.call("POST", f"/api/v1/bookings/{bid}/enterprises/{orgs[0]}/cancel", agent=agent, expect=200)
    assert after["status"] == "confirmed"
    assert [e["status"] for e in after["enterprises"]] == ["cancelled", "active", "active"]
    _, after = await gw.call("POST", f"/api/v1/bookings/{bid}/cancel", agent=agent, expect=200)
    assert after["status"] == "cancelled"
    status, err = await gw.call("POST", f"/api/v1/bookings/{bid}/cancel", agent=agent)
    assert status == 409 and err["code"] == "booking.not_active"
    assert await gw.wait_sms(body["contact_phone"], "已取消", count=2)
    _, again = await gw.call("POST", "/api/v1/bookings", agent=agent, json=body, expect=201)
    assert again["id"] != bid and again["status"] == "confirmed"


async def test_the_cutoff_freezes_the_day_and_the_allocation_reaches_the_agent(gw):
    w = CUTOFF_WEEK
    await gw.set_clock(w.monday)
    agent = await gw.register()
    orgs = await add_enterprises(gw, agent, 2)
    body = booking_body(orgs, date=w.tuesday)
    _, booking = await gw.call("POST", "/api/v1/bookings", agent=agent, json=body, expect=201)
    late_agent = await gw.register()
    late_orgs = await add_enterprises(gw, late_agent, 1)

    await gw.set_clock(w.monday.replace(hour=15, minute=0, second=30))
    status, err = await gw.call("POST", "/api/v1/bookings", agent=late_agent, json=booking_body(late_orgs, date=w.tuesday))
    assert status == 422 and err["code"] == "booking.date_not_bookable"
    status, err = await gw.call("POST", f"/api/v1/bookings/{booking['id']}/cancel", agent=agent)
    assert status == 409 and err["code"] == "booking.cutoff_passed"

    async def allocated():
        _, b = await gw.call("GET", f"/api/v1/bookings/{booking['id']}", agent=agent)
        return b if b["allocation"] else None
    b = await wait_for(allocated, timeout=60)
    assert b, "the cutoff did not run by itself"
    assert b["status"] == "allocated"
    alloc = b["allocation"]
    assert alloc["queue_number"].startswith("A") and 1 <= alloc["desk"] <= 4
    sms = await gw.wait_sms(body["contact_phone"], alloc["queue_number"])
    assert len(sms) == 1 and alloc["start"] in sms[0].text and alloc["end"] in sms[0].text

    await gw.call("POST", f"/api/v1/bookings/{booking['id']}/sms-resend", agent=agent, expect=202)
    status, err = await gw.call("POST", f"/api/v1/bookings/{booking['id']}/sms-resend", agent=agent)
    assert status == 409 and err["code"] == "booking.sms_resend_used"
    assert len(await gw.wait_sms(body["contact_phone"], alloc["queue_number"], count=2)) == 2


async def test_the_service_day_check_in_late_sweep_and_suspension(gw):
    """Three bookings of one agent on Tuesday AM, Tuesday PM and Wednesday AM: one checked
    in on time, one refused as late, one swept at closing; then the third no-show suspends."""
    w = DESK_WEEK
    TUESDAY, WEDNESDAY = w.tuesday, w.wednesday
    await gw.set_clock(w.monday)
    agent = await gw.register()
    staff = await gw.operator("staff")
    admin = await gw.operator("admin")
    orgs = await add_enterprises(gw, agent, 4)
    ids = {}
    for key, (day, period, org) in {"tue_am": (TUESDAY, "AM", orgs[0]), "tue_pm": (TUESDAY, "PM", orgs[1]),
                                    "wed_am": (WEDNESDAY, "AM", orgs[2])}.items():
        _, b = await gw.call("POST", "/api/v1/bookings", agent=agent, json=booking_body([org], date=day, period=period),
                             expect=201)
        ids[key] = b["id"]

    # Monday 15:00 closes Tuesday; Tuesday 15:00 closes Wednesday (admin run for Wednesday, now).
    await gw.set_clock(w.monday.replace(hour=15, minute=1))
    await gw.call("POST", "/api/v1/admin/cutoffs", agent=admin, json={"center": "qingdao", "date": WEDNESDAY},
                  expect=202)

    async def allocation(bid):
        _, b = await gw.call("GET", f"/api/v1/bookings/{bid}", agent=agent)
        return b["allocation"]
    allocs = {k: await wait_for(lambda bid=bid: allocation(bid), timeout=60) for k, bid in ids.items()}
    assert all(allocs.values()), allocs
    _, state = await gw.call("GET", f"/api/v1/admin/cutoffs/qingdao/{WEDNESDAY}", agent=admin, expect=200)
    assert state["status"] == "allocated"

    # The desk's schedule, in queue order; agents cannot see it.
    _, schedule = await gw.call("GET", f"/api/v1/desk/schedule?center=qingdao&date={TUESDAY}", agent=staff, expect=200)
    mine = [x for x in schedule["items"] if x["id"] in (ids["tue_am"], ids["tue_pm"])]
    assert len(mine) == 2
    status, _ = await gw.call("GET", f"/api/v1/desk/schedule?center=qingdao&date={TUESDAY}", agent=agent)
    assert status == 403

    def at(day: str, hhmm: str, plus: timedelta = timedelta()) -> datetime:
        return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=TZ) + plus

    # Tuesday AM: on time.
    await gw.set_clock(at(TUESDAY, allocs["tue_am"]["start"], timedelta(minutes=10)))
    _, b = await gw.call("POST", f"/api/v1/desk/bookings/{ids['tue_am']}/check-in", agent=staff, expect=200)
    assert b["status"] == "checked_in"
    _, b = await gw.call("POST", f"/api/v1/desk/bookings/{ids['tue_am']}/complete", agent=staff, expect=200)
    assert b["status"] == "completed"
    # Wednesday's booking on Tuesday: the wrong day.
    status, err = await gw.call("POST", f"/api/v1/desk/bookings/{ids['wed_am']}/check-in", agent=staff)
    assert status == 409 and err["code"] == "booking.wrong_day"
    # Tuesday PM: eleven minutes late.
    await gw.set_clock(at(TUESDAY, allocs["tue_pm"]["start"], timedelta(minutes=11)))
    status, err = await gw.call("POST", f"/api/v1/desk/bookings/{ids['tue_pm']}/check-in", agent=staff)
    assert status == 409 and err["code"] == "booking.late"
    _, b = await gw.call("GET", f"/api/v1/bookings/{ids['tue_pm']}", agent=agent, expect=200)
    assert b["status"] == "no_show"
    # Wednesday: nobody comes; the closing sweep at 17:00 marks the no-show, the third... second.
    await gw.set_clock(at(WEDNESDAY, "17:00", timedelta(minutes=1)))

    async def swept():
        _, b = await gw.call("GET", f"/api/v1/bookings/{ids['wed_am']}", agent=agent)
        return b["status"] == "no_show"
    assert await wait_for(swept, timeout=30)
    _, rights = await gw.call("GET", "/api/v1/me/booking-rights", agent=agent, expect=200)
    assert rights["no_shows"] == 2 and rights["suspended_until"] is None

    # A third no-show, marked by the desk on Thursday's booking, suspends for six months.
    thursday, friday = w.thursday, w.friday
    await gw.set_clock(at(WEDNESDAY, "10:00"))
    _, b = await gw.call("POST", "/api/v1/bookings", agent=agent, json=booking_body([orgs[3]], date=thursday),
                         expect=201)
    await gw.call("POST", "/api/v1/admin/cutoffs", agent=admin, json={"center": "qingdao", "date": thursday},
                  expect=202)
    thursday_alloc = await wait_for(lambda: allocation(b["id"]), timeout=60)
    assert thursday_alloc
    # The clerk may mark it only once the agent is more than 10 minutes late.
    await gw.set_clock(at(thursday, thursday_alloc["start"], timedelta(minutes=11)))
    _, marked = await gw.call("POST", f"/api/v1/desk/bookings/{b['id']}/no-show", agent=staff, expect=200)
    assert marked["status"] == "no_show"
    _, rights = await gw.call("GET", "/api/v1/me/booking-rights", agent=agent, expect=200)
    assert rights["suspended_until"] is not None
    status, err = await gw.call("POST", "/api/v1/bookings", agent=agent,
                                json=booking_body([new_org_code()], date=friday))
    assert status == 403 and err["code"] == "booking.suspended" and err["suspended_until"]
    assert await gw.wait_sms(agent.phone, "暂停")

    # An admin lifts it, with a reason; the agent may book again.
    await gw.call("DELETE", f"/api/v1/admin/suspensions/{agent.user_id}", agent=admin,
                  json={"reason": "窗口核实：系统故障导致逾期"}, expect=204)
    _, rights = await gw.call("GET", "/api/v1/me/booking-rights", agent=agent, expect=200)
    assert rights["suspended_until"] is None


@pytest.fixture(autouse=True)
def _seeded():
    random.seed()
