"""The demo's logins in the web client (Debian's Chromium), on a system of this module's own
filled by scripts/demo, the clock pinned to Wednesday 2026-11-18 10:00 in Qingdao (the page's
clock follows the services'): an agent printed by the demo signs in with its password and
sees its bookings in 预约查询 (the past day served, the coming days booked); the printed
clerk signs in and sees the past day's queue at the desk, as the demo left it."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from browser_helpers import require_browser  # registered by conftest.py

pw = require_browser()

from tools.demo import in_tests  # noqa: E402

expect = pw.expect
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PAST = "2026-11-17"
STATUS = {"confirmed": "已预约", "allocated": "已分配", "checked_in": "已签到", "completed": "已办结",
          "no_show": "逾期未到"}


@pytest.fixture(scope="module")
async def demo(infra_urls, tmp_path_factory, sms_provider, mint):
    """The system and the logins the demo printed."""
    async with in_tests.demo_system(infra_urls, tmp_path_factory.mktemp("demo-web"), sms_provider, mint, NOW) as s:
        rc, out, err = await in_tests.run_demo(s, sms_provider)
        assert rc == 0, out + err
        logins = in_tests.logins(out)
        # the closing sweep has made the past day's leftover booking a no-show
        assert "allocated" not in await in_tests.past_day_settled(s, logins[0], PAST)
        yield s, logins


async def bookings_of(system, login) -> list[dict]:
    """What the API answers the agent for the page's default range (today ± 30 days)."""
    async with aiohttp.ClientSession() as http:
        async with http.post(system.gateway_url + "/api/v1/sessions",
                             json={"username": login["username"], "password": login["password"]}) as r:
            assert r.status == 200, await r.text()
            token = (await r.json())["access_token"]
        async with http.get(system.gateway_url + "/api/v1/bookings", params={"from": "2026-10-19", "to": "2026-12-18"},
                            headers={"Authorization": f"Bearer {token}"}) as r:
            return (await r.json())["items"]


async def screen_at_system_time(open_screen, system):
    s = await open_screen("desktop", timeout_ms=10_000)
    await s.set_clock(await system.clock_now())
    return s


async def test_a_printed_agent_login_shows_its_bookings(open_screen, demo):
    system, logins = demo
    agent = next(x for x in logins if x["role"] == "agent")
    expected = await bookings_of(system, agent)
    assert {b["date"] for b in expected} >= {PAST, "2026-11-19", "2026-11-20"}, expected
    s = await screen_at_system_time(open_screen, system)
    page = s.page
    await page.goto(f"{system.gateway_url}/")
    await expect(page).to_have_url(re.compile(r"#/login"))
    await s.login_with_password(agent["username"], agent["password"])
    await expect(page).to_have_url(re.compile(r"#/home$"))
    await expect(page.locator("#who")).to_have_text(agent["name"])
    await s.menu("预约查询")
    cards = page.locator("#booking-list article.booking")
    await expect(cards).to_have_count(len(expected))
    for b in expected:
        card = page.locator(f"#booking-list article[data-id='{b['id']}']")
        await expect(card.locator(".badge").first).to_have_text(STATUS[b["status"]])
        await expect(card).to_contain_text(b["enterprises"][0]["name"])
    await s.shot("demo-agent-bookings")
    s.clean()


async def test_the_printed_clerk_login_shows_the_served_past_day_at_the_desk(open_screen, demo):
    system, logins = demo
    clerk = next(x for x in logins if x["role"] == "clerk")
    s = await screen_at_system_time(open_screen, system)
    page = s.page
    await page.goto(f"{system.gateway_url}/#/desk")
    await expect(page).to_have_url(re.compile(r"#/login"))
    await s.login_with_password(clerk["username"], clerk["password"])
    await expect(page).to_have_url(re.compile(r"#/desk"))
    await expect(page.locator("h1")).to_have_text("窗口办理")
    await page.locator("#desk-date").fill(PAST)
    await page.locator("#desk-filter").get_by_role("button", name="刷新").click()
    await expect(page.locator("#queue article.queue-row")).to_have_count(6)
    counts = page.locator("#queue-counts")
    await expect(counts).to_contain_text("共 6 个预约")
    for text in ("已办结 2", "已签到 2", "逾期未到 2"):
        await expect(counts).to_contain_text(text)
    await s.shot("demo-desk")
    s.clean()
