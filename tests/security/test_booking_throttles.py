"""Booking's throttles through nginx, on a system of this module's own with small budgets:
per account on booking creation and on enterprise creation (429 problem+json, Retry-After,
their own codes), and the daily cap of booking SMS per contact phone (one agent cannot make
the center text one number without limit)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from testsupport.generators import new_org_code, new_phone
from testsupport.system_fixtures import isolated_system
from testsupport.waiting import holds_throughout

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)     # Tuesday 2026-11-24 is bookable then
TUESDAY = "2026-11-24"
BUDGET = 3


@pytest.fixture(scope="module")
async def system(infra_urls, tmp_path_factory, sms_provider, mint):
    async with isolated_system(infra_urls, tmp_path_factory.mktemp("throttled"), sms_provider, mint,
                               BOOKING_THROTTLE_BOOKINGS_MAX=str(BUDGET),
                               BOOKING_THROTTLE_ENTERPRISES_MAX=str(BUDGET),
                               NOTIFIER_BOOKING_SMS_PER_PHONE_PER_DAY=str(BUDGET)) as s:
        yield s


async def post(gw, path: str, agent, body) -> tuple[int, dict, dict]:
    async with gw.http.post(gw.url + path, json=body, headers=agent.auth) as r:
        return r.status, dict(r.headers), await r.json(content_type=None)


def assert_throttled(status, headers, body, code: str) -> None:
    assert status == 429, (status, body)
    assert headers["Content-Type"].startswith("application/problem+json")
    assert body["code"] == code
    assert 1 <= int(headers["Retry-After"]) <= 3600


def enterprise() -> dict:
    code = new_org_code()
    return {"code": code, "name": f"青岛{code}有限公司"}


async def test_enterprise_creation_is_throttled_per_account(gw):
    agent, other = await gw.register(), await gw.register()
    for _ in range(BUDGET):
        status, _, body = await post(gw, "/api/v1/me/enterprises", agent, enterprise())
        assert status == 201, body
    assert_throttled(*await post(gw, "/api/v1/me/enterprises", agent, enterprise()), "enterprise.rate_limited")
    # the directory route shares the budget
    assert_throttled(*await post(gw, "/api/v1/enterprises", agent, enterprise()), "enterprise.rate_limited")
    # another account has its own
    status, _, body = await post(gw, "/api/v1/me/enterprises", other, enterprise())
    assert status == 201, body


def booking(org_code: str) -> dict:
    return {"date": TUESDAY, "period": "AM", "contact_name": "李四", "contact_phone": new_phone(),
            "enterprises": [{"org_code": org_code, "businesses": [{"type": "NEW_CARD"}]}]}


async def test_booking_creation_is_throttled_per_account(gw):
    await gw.set_clock(MONDAY)
    agent, other = await gw.register(), await gw.register()
    for _ in range(BUDGET):   # every attempt counts, refused ones included
        status, _, body = await post(gw, "/api/v1/bookings", agent, {})
        assert status == 422, body
    assert_throttled(*await post(gw, "/api/v1/bookings", agent, {}), "booking.rate_limited")
    # a valid booking too (refused by the booking's first statement), and nothing is written
    assert_throttled(*await post(gw, "/api/v1/bookings", agent, booking(new_org_code())), "booking.rate_limited")
    _, page = await gw.call("GET", "/api/v1/bookings", agent=agent, expect=200)
    assert page["items"] == []
    status, _, body = await post(gw, "/api/v1/bookings", other, {})
    assert status == 422, body
    status, _, body = await post(gw, "/api/v1/bookings", other, booking(new_org_code()))
    assert status == 201, body


async def test_booking_sms_to_one_phone_are_capped_per_day(gw, sms_provider):
    """Book, cancel, book, cancel for one contact phone: four booking SMS asked, three sent."""
    await gw.set_clock(MONDAY)
    victim = new_phone()
    agent = await gw.register()
    org = enterprise()
    await gw.call("POST", "/api/v1/me/enterprises", agent=agent, json=org, expect=201)
    body = {"date": TUESDAY, "period": "AM", "contact_name": "李四", "contact_phone": victim,
            "enterprises": [{"org_code": org["code"], "businesses": [{"type": "NEW_CARD"}]}]}
    for round_ in range(2):
        _, booking = await gw.call("POST", "/api/v1/bookings", agent=agent, json=body, expect=201)
        await gw.wait_sms(victim, count=2 * round_ + 1)
        await gw.call("POST", f"/api/v1/bookings/{booking['id']}/cancel", agent=agent, expect=200)
        if round_ == 0:
            await gw.wait_sms(victim, count=2)
    # time for a fourth SMS, were it to be sent
    assert await holds_throughout(lambda: len(sms_provider.state.messages_for(victim)) <= BUDGET, seconds=3)
    assert len(sms_provider.state.messages_for(victim)) == BUDGET
