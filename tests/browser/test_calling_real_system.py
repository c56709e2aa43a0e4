"""叫号 on the real system (nginx in front of the four services, real PostgreSQL and RabbitMQ),
in headless Chromium: two agents book the same morning; after the cutoff both are checked
in; a clerk takes the agent's desk on the desk page and calls; the hall display (its token
created on the desk page) shows the number within a second and speaks it (speech and the
chime stubbed by an init script that records them, as in test_calling_web.py); the agent's
预约详情 follows 当前叫号 / 您前面还有 N 位 over the fetch-streamed /place/stream; the
display's network is cut while the next number is called and restored: it shows the number;
booking is restarted (every stream ends): the display and the agent's page come back by
themselves and follow the next recall, without a reload.

Needs the calling backend (routes, board, place) and the streams (SSE hub, nginx stream
locations): branches calling-backend and calling-streams merged into this one.

Its own week (2027-04-12, no other suite books it); 2027's official schedule loaded first
and 2027/2028 cleared afterwards (as test_real_system.py does). Screenshots as there.
"""
from __future__ import annotations

import importlib.util
import re
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from browser_helpers import require_browser  # registered by conftest.py

pw = require_browser()

from testsupport.generators import new_org_code  # noqa: E402
from testsupport.messaging import wait_for  # noqa: E402
from testsupport.waiting import holds_throughout  # noqa: E402

expect = pw.expect
TZ = ZoneInfo("Asia/Shanghai")
MONDAY = "2027-04-12"
TUESDAY = "2027-04-13"


def _sibling(name: str):
    """A module beside this one (the suite runs with --import-mode=importlib)."""
    spec = importlib.util.spec_from_file_location(f"_calling_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_web = _sibling("test_calling_web")
SOUND_STUB, until = _web.SOUND_STUB, _web.until
OFFICIAL_2027 = _sibling("test_real_system").OFFICIAL_2027


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=TZ)


@pytest.fixture
async def official_2027(gw):
    admin = await gw.operator("admin")
    await gw.call("PUT", "/api/v1/admin/calendar/years/2027", agent=admin, json=OFFICIAL_2027, expect=200)
    gw.people.remove(admin)
    yield admin
    await gw.set_clock(None)
    await gw.login(admin)
    for year in (2027, 2028):
        await gw.call("DELETE", f"/api/v1/admin/calendar/years/{year}", agent=admin, expect=204)


async def book(gw, agent, name: str) -> str:
    code = new_org_code()
    await gw.call("POST", "/api/v1/me/enterprises", agent=agent, json={"code": code, "name": name}, expect=201)
    _, b = await gw.call("POST", "/api/v1/bookings", agent=agent, expect=201, json={
        "date": TUESDAY, "period": "AM", "contact_name": agent.name, "contact_phone": agent.phone,
        "enterprises": [{"org_code": code, "businesses": [{"type": "RENEW_UNLOCK", "count": 1}]}]})
    return b["id"]


async def test_clerk_calls_display_speaks_agent_follows_on_the_real_system(open_screen, gw, official_2027):
    monday = at(MONDAY, "10:00")
    await gw.set_clock(monday)
    agent = await gw.register()
    other = await gw.register()
    mine = await book(gw, agent, "青岛叫号测试物流有限公司")
    theirs = await book(gw, other, "青岛叫号测试贸易有限公司")

    # ---- Monday 15:00: Tuesday allocated -----------------------------------------------------
    await gw.set_clock(monday.replace(hour=15, second=30))

    async def allocated() -> bool:
        views = [(await gw.call("GET", f"/api/v1/bookings/{b}", agent=a))[1] for a, b in ((agent, mine), (other, theirs))]
        return all(v.get("allocation") for v in views)
    assert await wait_for(allocated, timeout=60), "the cutoff did not allocate Tuesday"
    # The clerk takes the other agent's desk: its number is called first, the agent's next
    # (from the same desk's queue, or as the oldest waiting of another desk).
    theirs_alloc = (await gw.call("GET", f"/api/v1/bookings/{theirs}", agent=other))[1]["allocation"]
    mine_alloc = (await gw.call("GET", f"/api/v1/bookings/{mine}", agent=agent))[1]["allocation"]
    desk_no = theirs_alloc["desk"]
    if mine_alloc["desk"] == desk_no and mine_alloc["queue_number"] < theirs_alloc["queue_number"]:
        mine, theirs, agent, other = theirs, mine, other, agent      # the later number is "the agent"

    # ---- Tuesday: both agents checked in --------------------------------------------------------
    morning = at(TUESDAY, "09:05")
    await gw.set_clock(morning)
    staff = await gw.operator("staff")
    for b in (theirs, mine):
        await gw.call("POST", f"/api/v1/desk/bookings/{b}/check-in", agent=staff, expect=200)

    # ---- the clerk's desk page: the agent's desk for the shift, a display token -----------------
    clerk = await open_screen("desktop", timeout_ms=10_000)
    cp = clerk.page
    await clerk.set_clock(morning)
    await cp.goto(f"{gw.url}/#/desk")
    await clerk.login_with_password(staff.username, staff.password)
    await expect(cp).to_have_url(re.compile(r"#/desk$"))
    panel = cp.locator("#calling")
    await panel.locator("#shift-desk").select_option(str(desk_no))
    await panel.get_by_role("button", name="开始值班").click()
    await expect(panel.locator("h2")).to_have_text(f"叫号 · {desk_no} 号窗口")
    screens = cp.locator("#display-admin")
    await screens.locator("#display-name").fill("一楼大厅")
    await screens.get_by_role("button", name="创建大屏令牌").click()
    link = await screens.locator("#display-url").input_value()
    assert link.startswith(f"{gw.url}/display.html#token=")

    # ---- the hall display ----------------------------------------------------------------------
    display = await open_screen("hall", timeout_ms=10_000)
    dp = display.page
    await display.set_clock(morning)
    await dp.add_init_script(SOUND_STUB)
    await dp.goto(link)
    await dp.evaluate("window.__loaded = 'same page'")
    await expect(dp.locator("#d-conn")).to_have_attribute("data-state", "live")
    tile = dp.locator(f".d-desk[data-desk='{desk_no}'] .d-number")
    await expect(tile).to_have_text("—")
    await expect(dp.locator("#d-waiting li[data-period=AM] strong")).to_have_text("2")

    # ---- the agent's 预约详情 --------------------------------------------------------------------
    person = await open_screen("phone", timeout_ms=10_000)
    ap = person.page
    await person.set_clock(morning)
    await ap.goto(f"{gw.url}/#/login")
    await person.login_with_password(agent.username, agent.password)
    await expect(ap).to_have_url(re.compile(r"#/home$"))
    await ap.goto(f"{gw.url}/#/bookings/{mine}")
    place = ap.locator("#live-place")
    await expect(place).to_have_attribute("data-state", "live")
    _, before = await gw.call("GET", f"/api/v1/bookings/{mine}/place", agent=agent, expect=200)
    await expect(place.locator(".place-ahead")).to_have_text(f"您前面还有 {before['ahead']} 位"
                                                             if before["ahead"] else "您前面还有 0 位，马上就到您了")

    # ---- 叫号 --------------------------------------------------------------------------------------
    started = time.monotonic()
    await panel.get_by_role("button", name="叫号").click()
    await expect(panel.locator("#current-number")).not_to_have_text("—")
    first = (await panel.locator("#current-number").text_content()).strip()
    await expect(tile).to_have_text(first, timeout=1_000)
    shown_after = time.monotonic() - started
    said = [{"text": f"请{first}号到{desk_no}号窗口办理", "lang": "zh-CN"}]
    assert await until(lambda: dp.evaluate("window.__spoken"), said) == said
    assert (await dp.evaluate("window.__sound"))[:1] == ["tone"], "the chime comes before the words"
    _, after = await gw.call("GET", f"/api/v1/bookings/{mine}/place", agent=agent, expect=200)
    assert not after["called"]
    await expect(place.locator(".place-now")).to_have_text(f"当前叫号 {after['now_serving'] or '—'}")
    if after["now_serving"]:          # the same desk: the agent is next
        assert after["now_serving"] == first
        await expect(place.locator(".place-ahead")).to_have_text("您前面还有 0 位，马上就到您了")
    assert shown_after < 1.0, f"the display showed the call after {shown_after:.2f} s"
    await clerk.shot("real-desk-calling")
    await expect(dp.locator("#d-announce")).to_be_hidden()
    await display.shot("real-display", full_page=False)
    await person.shot("real-place")

    # ---- the display's network cut (offline emulation leaves an open connection alone: booking
    # restarted meanwhile ends it), the next number called; back online it resyncs ------------------
    clock = await gw.system.clock_now("identity")
    await dp.context.set_offline(True)
    gw.system.restart("booking", clock=clock)
    await gw.system.wait_ready(60)
    await expect(dp.locator("#d-conn")).not_to_have_attribute("data-state", "live")
    await panel.get_by_role("button", name="完成").click()
    await expect(panel.locator("#current-number")).to_have_text("—")
    await panel.get_by_role("button", name="叫号").click()
    await expect(panel.locator("#current-number")).not_to_have_text("—")
    second = (await panel.locator("#current-number").text_content()).strip()
    assert second != first
    await expect(tile).to_have_text(first)
    # cut off: the call does not reach it, for a second
    async def still_first() -> bool:
        return (await tile.text_content() or "").strip() == first
    assert await holds_throughout(still_first, seconds=1)
    await dp.context.set_offline(False)
    await expect(tile).to_have_text(second, timeout=20_000)

    # ---- booking restarted while the display is online: its stream ends, nginx answers 502 until
    # booking is back; the display finds its way back by itself and follows the next recall ---------
    gw.system.restart("booking", clock=await gw.system.clock_now("identity"))
    await gw.system.wait_ready(60)
    await expect(dp.locator("#d-conn")).to_have_attribute("data-state", "live", timeout=35_000)
    await panel.get_by_role("button", name="重呼").click()
    await expect(dp.locator("#d-recent li").first).to_contain_text(f"{second} → {desk_no}号窗口（重呼）", timeout=5_000)
    said = {"text": f"请{second}号到{desk_no}号窗口办理", "lang": "zh-CN"}
    assert await until(lambda: dp.evaluate("window.__spoken.at(-1)"), said) == said
    assert await dp.evaluate("window.__loaded") == "same page", "the display reloaded"
    _, last = await gw.call("GET", f"/api/v1/bookings/{mine}/place", agent=agent, expect=200)
    assert last["called"] and last["queue_number"] == second, last
    # The desk calling it (called_desk) is named, whichever desk it was allocated to.
    assert last["called_desk"] == desk_no, last
    await expect(place.locator(".place-ahead")).to_contain_text(
        f"请到 {desk_no} 号窗口办理（已叫到您的号码 {second}）", timeout=35_000)
    await expect(place.locator(".place-now")).to_have_text(f"当前叫号 {last['now_serving'] or '—'}")
    body = await dp.locator("body").inner_text()
    assert agent.phone not in body and other.phone not in body
    clerk.clean()
    display.clean()
    person.clean()
