"""叫号 in the web client against tools/mock_api (fake.py + calling.py), in headless Chromium:
a clerk takes a desk and calls; the hall display (display.html#token=..., its token made on
the desk page) shows the number within a second, chimes and then speaks "请A010号到3号窗口办理"
in zh-CN (speechSynthesis and WebAudio stubbed by an init script that records them); the
agent's 我的工作台 and 预约详情 follow 当前叫号 / 您前面还有 N 位 live; recall, skip and
complete; the display's network cut while a number is called, and its stream ended as a
restart of booking ends it: once the network is back the display shows the number without a
reload.

Screenshots (desk and agent at phone/desktop size, the display at 1280x800 and 1920x1080)
go where browser_helpers.SHOTS says (docs/screenshots with WEB_SCREENSHOTS_DIR=docs/screenshots).
"""
from __future__ import annotations

import asyncio
import re
import time

import pytest
from browser_helpers import require_browser  # registered by conftest.py

pw = require_browser()
expect = pw.expect

import fake_api  # noqa: E402  (registered by conftest.py)
from testsupport.waiting import holds_throughout  # noqa: E402

# Records what the page would play and say, in order: the chime's tones, then each utterance.
SOUND_STUB = """
(() => {
  window.__sound = [];
  window.__spoken = [];
  const node = () => ({ connect(t) { return t; }, start() { window.__sound.push('tone'); }, stop() {},
    frequency: { value: 0 }, gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, type: 'sine' });
  class FakeAudioContext {
    constructor() { this.state = 'running'; this.currentTime = 0; this.destination = {}; }
    createOscillator() { return node(); }
    createGain() { return node(); }
    resume() { this.state = 'running'; return Promise.resolve(); }
  }
  window.AudioContext = FakeAudioContext;
  window.webkitAudioContext = FakeAudioContext;
  class FakeUtterance { constructor(text) { this.text = text; this.lang = ''; this.onend = null; this.onerror = null; } }
  window.SpeechSynthesisUtterance = FakeUtterance;
  Object.defineProperty(window, 'speechSynthesis', { configurable: true, value: {
    speak(u) {
      window.__spoken.push({ text: u.text, lang: u.lang });
      window.__sound.push('speak:' + u.text);
      setTimeout(() => u.onend && u.onend(), 30);
    },
    getVoices() { return []; }, cancel() {},
  } });
})();
"""

DISPLAY_SIZE = {"phone": "desktop", "desktop": "hall"}   # the display beside each desk/agent size


def seed_desk_three(fake) -> list[dict]:
    """Two other agents' bookings at desk 3 before the agent's A012, all three checked in."""
    other = fake_api.User("u-other3", "zhaoqi", "x", "赵七", "13700000007", ["agent"])
    d = fake.directory
    ahead = [fake._booking(other, fake.today.isoformat(), "AM", "checked_in", [(d[3], [{"type": "PRE_ENTRY"}])],
                           allocation={"desk": 3, "start": "09:00", "end": "09:30", "queue_number": n},
                           contact=("赵七", "13700000007"))
             for n in ("A010", "A011")]
    fake.allocated["status"] = "checked_in"
    return ahead


async def spoken(page) -> list[dict]:
    return await page.evaluate("window.__spoken")


async def until(probe, expected, timeout: float = 3.0):
    """The value of ``await probe()`` once it equals ``expected`` (or the last one seen)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value == expected or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("size", ["phone", "desktop"])
async def test_clerk_calls_display_speaks_agent_follows(site, open_screen, size):
    fake, base = site
    fake.calling.heartbeat_s = 1.0

    # ---- the clerk: a desk for the shift; nobody waits yet ---------------------------
    clerk = await open_screen(size)
    cp = clerk.page
    await cp.goto(f"{base}/#/desk")
    await clerk.login_with_password("desk1", fake.staff.password)
    await expect(cp).to_have_url(re.compile(r"#/desk$"))
    panel = cp.locator("#calling")
    await expect(panel.locator("#shift-desk option")).to_have_count(4)      # the center's desks
    await panel.locator("#shift-desk").select_option("3")
    await panel.get_by_role("button", name="开始值班").click()
    await expect(panel.locator("h2")).to_have_text("叫号 · 3 号窗口")
    await expect(panel.locator("#current-number")).to_have_text("—")
    await expect(panel.get_by_role("button", name="重呼")).to_be_disabled()
    await panel.get_by_role("button", name="叫号").click()
    await expect(panel.locator(".msg-error .msg-text")).to_have_text("暂无等候的号码。")

    # ---- a display token, its link shown once ------------------------------------------
    screens = cp.locator("#display-admin")
    await screens.locator("#display-name").fill("一楼大厅")
    await screens.get_by_role("button", name="创建大屏令牌").click()
    link = await screens.locator("#display-url").input_value()
    assert re.fullmatch(rf"{re.escape(base)}/display\.html#token=[A-Za-z0-9_%-]+", link), link
    await expect(screens.locator("#display-tokens")).to_contain_text("一楼大厅")
    assert all("token" not in t for r in fake.requests if r["path"] == "/api/v1/display-tokens" for t in [r.get("query", {})])

    ahead = seed_desk_three(fake)

    # ---- the hall display ------------------------------------------------------------------
    display = await open_screen(DISPLAY_SIZE[size])
    dp = display.page
    await dp.add_init_script(SOUND_STUB)
    await dp.goto(link)
    await dp.evaluate("window.__loaded = 'same page'")   # gone if the page ever reloads
    await expect(dp.locator("#d-conn")).to_have_attribute("data-state", "live")
    tile = dp.locator(".d-desk[data-desk='3'] .d-number")
    await expect(dp.locator(".d-desk")).to_have_count(4)
    await expect(tile).to_have_text("—")
    await expect(dp.locator("#d-waiting li[data-period=AM] strong")).to_have_text("3")
    # The token stays in the fragment: the stream's URL carries it, the page's request did not.
    assert not any("token" in r["query"] for r in fake.requests if r["path"] == "/display.html")

    # ---- the agent: 我的工作台 and 预约详情 follow the place ------------------------------
    agent = await open_screen(size)
    ap = agent.page
    await ap.goto(f"{base}/")
    await agent.login_with_password("zhangsan", fake.agent.password)
    await expect(ap).to_have_url(re.compile(r"#/home$"))
    home_place = ap.locator(f"#home-next li[data-id='{fake.allocated['id']}'] .live-place")
    await expect(home_place.locator(".place-now")).to_have_text("当前叫号 —")
    await expect(home_place.locator(".place-ahead")).to_have_text("您前面还有 2 位")
    await expect(home_place).to_have_attribute("data-state", "live")
    await ap.goto(f"{base}/#/bookings/{fake.allocated['id']}")
    place = ap.locator("#live-place")
    await expect(place.locator(".place-ahead")).to_have_text("您前面还有 2 位")
    stream_req = [r for r in fake.requests if r["path"].endswith("/place/stream")][-1]
    assert stream_req["headers"]["Authorization"].startswith("Bearer ")
    assert "token" not in stream_req["query"]

    # ---- 叫号: on the display within a second, a chime, then the words in zh-CN -------------
    started = time.monotonic()
    await panel.get_by_role("button", name="叫号").click()
    await expect(tile).to_have_text("A010", timeout=1_000)
    shown_after = time.monotonic() - started
    await expect(panel.locator("#current-number")).to_have_text("A010")
    await expect(panel.locator(".msg-ok")).to_contain_text("请A010号到3号窗口办理")
    assert await until(lambda: spoken(dp), [{"text": "请A010号到3号窗口办理", "lang": "zh-CN"}]) == [
        {"text": "请A010号到3号窗口办理", "lang": "zh-CN"}]
    sound = await dp.evaluate("window.__sound")
    assert sound[:3] == ["tone", "tone", "speak:请A010号到3号窗口办理"], sound   # the chime first
    await expect(dp.locator("#d-recent li").first).to_contain_text("A010 → 3号窗口")
    await expect(dp.locator("#d-waiting li[data-period=AM] strong")).to_have_text("2")   # A011, A012 wait
    await expect(place.locator(".place-now")).to_have_text("当前叫号 A010")
    await expect(place.locator(".place-ahead")).to_have_text("您前面还有 1 位")
    assert shown_after < 1.0, f"the display showed the call after {shown_after:.2f} s"

    # ---- another tab of the clerk's skips A010 behind the page's back: 过号 here is refused
    # with desk.no_call in Chinese and the panel shows what is true now ------------------------
    await cp.evaluate("""async () => {
        const s = JSON.parse(sessionStorage.getItem('cardcenter.session'));
        await fetch('/api/v1/desk/skip', {method: 'POST', headers: {Authorization: 'Bearer ' + s.access_token,
            'Content-Type': 'application/json'}, body: '{}'});
    }""")
    await expect(tile).to_have_text("—")
    await panel.get_by_role("button", name="过号").click()
    await expect(panel.locator(".msg-error .msg-text")).to_have_text("当前没有叫号。")
    await expect(panel.locator("#current-number")).to_have_text("—")
    await panel.get_by_role("button", name="叫号").click()
    await expect(panel.locator("#current-number")).to_have_text("A011")     # A010 went behind the next two
    await expect(tile).to_have_text("A011")
    await expect(place.locator(".place-ahead")).to_have_text("您前面还有 0 位，马上就到您了")

    # ---- 重呼 is spoken again; 完成 closes the call --------------------------------------
    current = await panel.locator("#current-number").text_content()
    await panel.get_by_role("button", name="重呼").click()
    await expect(dp.locator("#d-recent li").first).to_contain_text("（重呼）")
    said = {"text": f"请{current}号到3号窗口办理", "lang": "zh-CN"}
    assert await until(lambda: dp.evaluate("window.__spoken.at(-1)"), said) == said
    await expect(cp.locator(f"#queue article[data-id='{ahead[1]['id']}'] .called-tag")).to_have_text("已叫号")
    await clerk.shot("desk-calling")
    await panel.get_by_role("button", name="完成").click()
    await expect(panel.locator(".msg-ok")).to_contain_text(f"{current} 已办结")
    await expect(cp.locator(f"#queue article[data-id='{ahead[1]['id']}'] .badge")).to_have_text("已办结")

    # ---- the network of the display cut; booking's streams end (a restart) --------------------
    await display.page.context.set_offline(True)
    fake.calling.drop_streams()
    await expect(dp.locator("#d-conn")).not_to_have_attribute("data-state", "live")
    # Called while the display is offline: the stream cannot bring it.
    await panel.get_by_role("button", name="叫号").click()
    await expect(panel.locator("#current-number")).to_have_text("A012")
    await expect(place.locator(".place-ahead")).to_contain_text("请到 3 号窗口办理")
    # the call could only arrive over the stream, which is cut: it does not, for 1.5 s
    async def not_shown() -> bool:
        return "A012" not in (await tile.text_content() or "")
    assert await holds_throughout(not_shown, seconds=1.5)
    await display.page.context.set_offline(False)
    await expect(tile).to_have_text("A012", timeout=10_000)
    await expect(dp.locator("#d-conn")).to_have_attribute("data-state", "live")
    assert await dp.evaluate("window.__loaded") == "same page", "the display reloaded"
    assert fake.calling.stream_opens.count("display") >= 2
    await expect(dp.locator("#d-announce")).to_be_hidden(timeout=5_000)
    await display.shot("display", full_page=False)

    await expect(place).to_have_class(re.compile(r"place-called"))
    await agent.shot("place")
    await ap.goto(f"{base}/#/home")
    await expect(home_place.locator(".place-now")).to_have_text("当前叫号 A012")
    # No names or phones on the hall display, ever.
    body = await dp.locator("body").inner_text()
    for b in [*ahead, fake.allocated]:
        assert b["contact_name"] not in body and b["contact_phone"] not in body

    # ---- the token revoked on the desk page: the display's stream ends and it says why ------------
    row = screens.locator("#display-tokens li").filter(has_text="一楼大厅")
    await row.get_by_role("button", name="撤销").click()
    await row.get_by_role("button", name="确认").click()
    await expect(screens.locator(".msg-ok")).to_have_text("已撤销：一楼大厅")
    await expect(dp.locator("#d-banner")).to_have_text("大屏令牌无效或已过期。", timeout=10_000)
    await expect(dp.locator("#d-conn")).to_have_attribute("data-state", "refused")
    clerk.clean()
    display.clean()
    agent.clean()


async def test_display_comes_back_after_502s_while_booking_restarts(site, open_screen):
    """EventSource gives up for good on an answer other than 200 (nginx's 502 while booking
    restarts): the page itself opens the stream again, backing off, and resyncs."""
    fake, base = site
    token = fake.calling.issue_token("二楼大厅")["token"]
    display = await open_screen("desktop")
    dp = display.page
    await dp.add_init_script(SOUND_STUB)
    await dp.goto(f"{base}/display.html#token={token}")
    await dp.evaluate("window.__loaded = 'same page'")
    await expect(dp.locator("#d-conn")).to_have_attribute("data-state", "live")
    seed_desk_three(fake)
    fake.calling.refuse_streams = 2
    fake.calling.drop_streams()
    await expect(dp.locator("#d-conn")).to_have_attribute("data-state", "offline")
    shift = {"center": "qingdao", "date": fake.today.isoformat(), "desk": 3, "clerk_id": "u-staff", "started_at": "x"}
    fake.calling.shifts["u-staff"] = shift
    b = fake.calling.waiting(3)[0]
    fake.calling.open[3] = fake.calling._record(b, 3, "call", "u-staff")
    fake.calling.served.add(b["id"])
    await expect(dp.locator(".d-desk[data-desk='3'] .d-number")).to_have_text("A010", timeout=15_000)
    await expect(dp.locator("#d-conn")).to_have_attribute("data-state", "live")
    assert fake.calling.refuse_streams == 0
    assert fake.calling.stream_opens.count("display") == 2   # the first, and the one after two 502s
    assert await dp.evaluate("window.__loaded") == "same page"
    display.clean()


async def test_display_refuses_a_bad_token_and_the_desk_shows_calling_errors(site, open_screen):
    fake, base = site
    display = await open_screen("hall")
    dp = display.page
    await dp.add_init_script(SOUND_STUB)
    await dp.goto(f"{base}/display.html#token=not-a-token")
    await expect(dp.locator("#d-banner")).to_have_text("大屏令牌无效或已过期。")
    await expect(dp.locator("#d-conn")).to_have_attribute("data-state", "refused")
    await dp.goto(f"{base}/display.html")
    await expect(dp.locator("#d-banner")).to_contain_text("缺少大屏令牌")

    clerk = await open_screen("desktop")
    cp = clerk.page
    await cp.goto(f"{base}/#/desk")
    await clerk.login_with_password("desk1", fake.staff.password)
    panel = cp.locator("#calling")
    await panel.locator("#shift-desk").select_option("1")
    await panel.get_by_role("button", name="开始值班").click()
    await expect(panel.locator("#current-number")).to_have_text("—")
    # The shift ended behind the page's back (another tab): desk.no_shift in Chinese.
    fake.calling.shifts.clear()
    await panel.get_by_role("button", name="叫号").click()
    await expect(panel.locator(".msg-error .msg-text")).to_have_text("请先选择窗口开始值班。")
    await expect(panel.get_by_role("button", name="开始值班")).to_be_visible()
    clerk.clean()


async def test_agent_place_falls_back_to_polling_when_the_stream_is_refused(site, open_screen):
    """A proxy that will not stream (the stream request fails): 预约详情 asks GET /place
    every 10 s instead, and still follows the calls."""
    fake, base = site
    seed_desk_three(fake)
    agent = await open_screen("phone", timeout_ms=15_000)
    ap = agent.page
    await ap.route("**/place/stream", lambda route: route.abort())
    await ap.goto(f"{base}/")
    await agent.login_with_password("zhangsan", fake.agent.password)
    await expect(ap).to_have_url(re.compile(r"#/home$"))
    await ap.goto(f"{base}/#/bookings/{fake.allocated['id']}")
    place = ap.locator("#live-place")
    await expect(place.locator(".place-ahead")).to_have_text("您前面还有 2 位")
    await expect(place).to_have_attribute("data-state", "polling")
    await expect(place.locator(".place-state")).to_have_text("每 10 秒更新")
    # A call made elsewhere: the next poll (within 10 s) brings it.
    fake.calling.shifts["u-staff"] = {"center": "qingdao", "date": fake.today.isoformat(), "desk": 3,
                                      "clerk_id": "u-staff", "started_at": "2026-01-01T09:00:00+08:00"}
    b = fake.calling.waiting(3)[0]
    fake.calling.open[3] = fake.calling._record(b, 3, "call", "u-staff")
    fake.calling.served.add(b["id"])
    await expect(place.locator(".place-now")).to_have_text("当前叫号 A010", timeout=12_000)
    await expect(place.locator(".place-ahead")).to_have_text("您前面还有 1 位")
    polls = [r for r in fake.requests if r["path"] == f"/api/v1/bookings/{fake.allocated['id']}/place"]
    assert len(polls) == 2, len(polls)      # at once, then 10 s later (not at every retry of the stream)
    agent.clean()
