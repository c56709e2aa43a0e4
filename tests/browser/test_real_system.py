"""The web client against the real system: headless Chromium on the gateway's `/` (nginx
serving deploy/gateway/static in front of the four services, real PostgreSQL and RabbitMQ,
SMS read from the fake provider's inbox), at phone (360x740) and desktop (1280x800) size.

One agent's whole journey per size, each in a week of its own (the clock starts on Monday
10:00 in Qingdao, when Tuesday and Wednesday are bookable; Tuesday's cutoff is Monday
15:00; no other suite books these weeks): register with the SMS code and a company the
directory does not know yet (the look-up finds nothing, the 注册 link beside it registers
the company), land on 我的工作台, add enterprises, book three of them with their business types, cancel one line,
see the allocation after the cutoff in 预约查询 and 预约详情, resend the SMS, the booking
rights, reset the password by SMS, bind a card in 我的卡片 (its public key pasted; phone: a
second one bound and unbound, desktop: the same card again refused), log in with it (the
challenge signed in the page by WebCrypto from a pasted PKCS#8 key, or a signature made
elsewhere pasted), and a desk clerk checking the agent in on the day in a browser of their
own. The page's clock follows the
services' moved clock, so its "today" is theirs.

And the administrator's journey per size (its own week too): the console's banner about the
unconfirmed year ahead, 2028 imported with its preview, a day overridden with a note, a
period's capacity refused below what is booked and raised, a date's cutoff run early and
re-run with a reason, the day's statistics, an agent suspended by 11 cancellations found by
username and the suspension lifted with a reason, the SMS log with masked phones.

2027 is a year chinese-calendar does not know: its dates are never released until an
administrator loads its official schedule, so every journey here first loads OFFICIAL_2027,
and clears 2027 and 2028 again when it ends (the system is the session's: other suites
expect those years unconfirmed).

Screenshots of each screen at both sizes go to a scratch folder, or to docs/screenshots with
WEB_SCREENSHOTS_DIR=docs/screenshots.
"""
from __future__ import annotations

import base64
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser_helpers import require_browser  # registered by conftest.py

pw = require_browser()

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from testsupport.generators import credit_code_for, new_org_code, new_phone  # noqa: E402
from testsupport.journeys import PASSWORD, Agent  # noqa: E402
from testsupport.messaging import wait_for  # noqa: E402

expect = pw.expect
TZ = ZoneInfo("Asia/Shanghai")
NEW_PASSWORD = "Qd7#new-card-pass"
# Per size: its week (a Monday) and the word that finds its enterprise in the look-up.
WEEKS = {"phone": ("2027-01-11", "黄岛"), "desktop": ("2027-01-18", "崂山")}
# The administrator's weeks (no other suite books them).
ADMIN_WEEKS = {"phone": "2027-01-25", "desktop": "2027-02-22"}
# 2027's schedule as an administrator would paste it from the State Council's notice (the
# dates are this test's: no holiday falls in a week a journey books).
OFFICIAL_2027 = {
    "holidays": ["2027-01-01", *[f"2027-02-{d:02d}" for d in range(5, 12)], "2027-04-05",
                 *[f"2027-05-{d:02d}" for d in range(1, 6)], "2027-06-09", "2027-09-15",
                 *[f"2027-10-{d:02d}" for d in range(1, 8)]],
    "workdays": ["2027-02-13", "2027-05-08", "2027-10-09"],
}
# What the administrator pastes for 2028: ranges and single days, one per line.
PASTE_2028 = ("2028-01-01~2028-01-03\n2028-01-25~2028-01-31\n2028-04-04\n2028-05-01~2028-05-05\n"
              "2028-05-28~2028-05-30\n2028-10-01~2028-10-07", "2028-01-22\n2028-02-06\n2028-10-08")
MSG_OK = "#view .msg-ok:not(.flash)"   # a screen's own message, not the one carried over


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=TZ)


async def sms_code(gw, phone: str, before: int) -> str:
    """The code of the verification SMS that reached ``phone`` after its ``before`` messages."""
    msgs = await gw.wait_sms(phone, "验证码", count=before + 1)
    assert len(msgs) > before, f"no verification SMS reached {phone}"
    return re.search(r"(?<!\d)(\d{6})(?!\d)", msgs[-1].text).group(1)


async def page_agent(page, agent: Agent) -> Agent:
    """``agent`` holding the tokens the page holds now (the gateway's login rate limit is
    for people: the test does not sign in behind the page's back)."""
    agent.tokens = await page.evaluate("JSON.parse(sessionStorage.getItem('cardcenter.session'))")
    assert agent.tokens and agent.tokens["access_token"]
    return agent


@pytest.fixture
async def official_2027(gw):
    """2027's official schedule, loaded by an administrator through the API; 2027 and 2028
    cleared afterwards (back to unconfirmed, as other suites expect them)."""
    admin = await gw.operator("admin")
    await gw.call("PUT", "/api/v1/admin/calendar/years/2027", agent=admin, json=OFFICIAL_2027, expect=200)
    gw.people.remove(admin)      # not refreshed when the test moves the clock by weeks
    yield admin
    await gw.set_clock(None)     # the test moved the clock: its tokens have expired
    await gw.login(admin)
    for year in (2027, 2028):
        await gw.call("DELETE", f"/api/v1/admin/calendar/years/{year}", agent=admin, expect=204)


def pkcs8_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.mark.parametrize("size", ["phone", "desktop"])
async def test_agent_journey_and_desk_check_in(open_screen, gw, mint, official_2027, size):
    monday_date, tag = WEEKS[size]
    monday = at(monday_date, "10:00")
    tuesday = (monday + timedelta(days=1)).date().isoformat()
    await gw.set_clock(monday)
    s = await open_screen(size, timeout_ms=10_000)
    page = s.page
    await s.set_clock(monday)

    # The agent's company is not in the directory yet: registered with the account.
    other = mint.agent(monday)
    port_code, port_name = new_org_code(), f"青岛{tag}港务物流有限公司"
    # phone: typed as an 18-char credit code (characters 9-17 are the organisation code)
    typed_code = credit_code_for(port_code) if size == "phone" else port_code

    # ---- 注册: the SMS code from the provider's inbox, the 注册 link beside the look-up ---
    agent = Agent(username=f"web{uuid.uuid4().hex[:8]}", phone=new_phone(), name="张三")
    await page.goto(f"{gw.url}/")
    await expect(page).to_have_url(re.compile(r"#/login"))
    await page.get_by_role("link", name="立即注册").click()
    form = page.locator("#register-form")
    await form.locator("input[name=phone]").fill(agent.phone)
    await form.get_by_role("button", name="发送验证码").click()
    await expect(form.locator(".sms-btn")).to_have_text(re.compile(r"^\d+ 秒后重发$"))
    code = await sms_code(gw, agent.phone, 0)
    await form.locator("input[name=sms_code]").fill(code)
    await form.locator("input[name=username]").fill(agent.username)
    await form.locator("input[name=password]").fill(agent.password)
    await form.locator("input[name=password2]").fill(agent.password)
    await form.locator("input[name=name]").fill(agent.name)
    await form.locator("input[name=org_code]").press_sequentially(f"{tag}港务")
    await expect(form.locator(".lookup .lookup-empty")).to_contain_text("请点击右侧的“注册”链接")
    await form.get_by_role("link", name="注册", exact=True).click()
    await form.locator("input[name=org_code]").fill(typed_code)
    await form.locator("input[name=ent_name]").fill(port_name)
    await s.shot("register")
    await form.get_by_role("button", name="注册", exact=True).click()

    # ---- 我的工作台: the home after registration -----------------------------------------
    await expect(page).to_have_url(re.compile(r"#/home$"))
    await expect(page.locator(".flash")).to_contain_text(f"企业“{port_name}”已加入企业库和您的企业列表")
    await expect(page.locator("#who")).to_have_text(agent.name)
    await expect(page.locator("#home-next")).to_contain_text("近期没有预约")
    await expect(page.locator("#home-rights")).to_contain_text("您可以正常预约")
    await expect(page.locator("#home-rules")).to_contain_text("每天 15 点后截止次日业务的预约和取消")
    # The company is in the directory now: another agent's look-up finds it.
    _, found = await gw.call("GET", f"/api/v1/enterprises?q={port_code}", expect=200)
    assert [(e["org_code"], e["name"]) for e in found["items"]] == [(port_code, port_name)]
    await s.menu("信息维护")

    # ---- 信息维护: two more companies; a wrong check character is refused by booking ----
    names = ["青岛海润国际贸易有限公司", "青岛明达报关服务有限公司"]
    codes = [new_org_code() for _ in names]
    form = page.locator("#enterprise-form")
    bad = codes[0][:8] + ("1" if codes[0][8] != "1" else "2")
    await form.locator("input[name=code]").fill(bad)
    await form.locator("input[name=name]").fill(names[0])
    await form.get_by_role("button", name="添加企业").click()
    await expect(page.locator(".msg-error .msg-text")).to_contain_text("组织机构代码无效")
    for c, n in zip(codes, names):
        await form.locator("input[name=code]").fill(c)
        await form.locator("input[name=name]").fill(n)
        await form.get_by_role("button", name="添加企业").click()
        await expect(page.locator(MSG_OK)).to_have_text(f"已添加：{n}")
    # The company registered with the account is in the agent's list.
    await expect(page.locator("#enterprise-list tbody tr")).to_have_count(3)
    await expect(page.locator(f"#enterprise-list tr[data-code='{port_code}']")).to_contain_text(port_name)
    await s.shot("enterprises")

    # ---- 制卡预约: Tuesday morning, three companies, their business types --------------
    await s.menu("制卡预约")
    await expect(page.locator("#days .day")).to_have_count(2)
    await page.locator(f"#days .day[data-date='{tuesday}']").click()
    await expect(page.locator("#periods .period[data-period=AM]")).to_contain_text(re.compile(r"剩余 \d+ / 40"))
    await page.locator("#periods .period[data-period=AM]").click()
    for c in (port_code, *codes):
        await page.locator(f"#enterprise-pick input[value='{c}']").check()
    await expect(page.locator("#ent-count")).to_have_text("已选 3 / 10 家企业")

    def box(org: str, t: str):
        return page.locator(f"#t-{org}-{t}")

    await box(port_code, "RENEW_UNLOCK").check()
    await page.locator(f"input[name='count-{port_code}-RENEW_UNLOCK']").fill("2")
    await box(port_code, "BUY_READER").check()
    await expect(box(port_code, "CHANGE_INFO")).to_be_disabled()
    await box(codes[0], "CHANGE_INFO").check()
    await box(codes[0], "DECLARANT_CARD").check()
    await page.locator(f"input[name='count-{codes[0]}-DECLARANT_CARD']").fill("1")
    await box(codes[1], "NEW_CARD").check()
    await expect(box(codes[1], "BUY_READER")).to_be_disabled()
    await expect(page.locator("input[name=contact_name]")).to_have_value(agent.name)
    await expect(page.locator("input[name=contact_phone]")).to_have_value(agent.phone)
    await expect(page.locator("#book-summary")).to_contain_text("3 家企业")
    await s.shot("book")
    await page.locator("#book-submit").click()
    await expect(page).to_have_url(re.compile(r"#/bookings/[0-9a-f-]{36}$"))
    booking_id = page.url.rsplit("/", 1)[1]
    await expect(page.locator(".flash")).to_contain_text("预约成功")
    assert (await gw.wait_sms(agent.phone, "成功预约"))[0].text.count("3家企业") == 1

    # ---- 预约详情: cancel one line before the cutoff ------------------------------------
    lines = page.locator("#lines tbody tr")
    await expect(lines).to_have_count(3)
    await expect(page.locator(f"#lines tr[data-code='{port_code}']")).to_contain_text("卡延期、解锁 ×2")
    line = page.locator(f"#lines tr[data-code='{codes[1]}']")
    await line.get_by_role("button", name="取消该企业").click()
    await line.get_by_role("button", name="确认").click()
    await expect(page.locator(MSG_OK)).to_contain_text(f"已取消：{names[1]}")
    await expect(line).to_contain_text("已取消")
    await expect(page.locator("#allocation")).to_contain_text("待分配")

    # Another agent's booking that morning, so that the desk has a queue.
    other_org = new_org_code()
    await gw.call("POST", "/api/v1/me/enterprises", agent=other, json={"code": other_org, "name": "青岛远洋船务有限公司"},
                  expect=201)
    await gw.call("POST", "/api/v1/bookings", agent=other, expect=201, json={
        "date": tuesday, "period": "AM", "contact_name": "李四", "contact_phone": new_phone(),
        "enterprises": [{"org_code": other_org, "businesses": [{"type": "OPERATOR_CARD", "count": 2}]}]})

    # ---- 15:00 on Monday: Tuesday is frozen and allocated --------------------------------
    cutoff = monday.replace(hour=15, minute=0, second=30)
    await gw.set_clock(cutoff)
    await s.set_clock(cutoff)

    # ---- 预约查询: the allocation, as the agent sees it by asking again; resend the SMS ----
    # (The page's access token is five hours old by the services' clock: one refresh.)
    await s.menu("预约查询")
    card = page.locator(f"#booking-list article[data-id='{booking_id}']")
    refresh = page.locator("#booking-filter").get_by_role("button", name="查询")

    async def allocated() -> bool:
        await refresh.click()
        await card.wait_for()
        return await card.locator("dd.alloc").count() > 0
    assert await wait_for(allocated, timeout=60), "the cutoff did not allocate Tuesday"
    alloc = (await gw.call("GET", f"/api/v1/bookings/{booking_id}", agent=await page_agent(page, agent)))[1]["allocation"]
    alloc_text = f"窗口 {alloc['desk']} · {alloc['start']}-{alloc['end']} · 排队号 {alloc['queue_number']}"
    await expect(card).to_contain_text(alloc_text)
    await expect(card.locator(".badge").first).to_have_text("已分配")
    await expect(card).to_contain_text(f"{names[0]}（2 家）")
    await expect(card.get_by_role("button", name="取消预约")).to_have_count(0)
    await card.get_by_role("button", name="重发短信").click()
    await expect(card.locator(".msg-ok")).to_contain_text(f"短信已重新发送到 {agent.phone}")
    await expect(card.get_by_role("button", name="重发短信")).to_be_disabled()
    assert len(await gw.wait_sms(agent.phone, alloc["queue_number"], count=2)) == 2
    await s.shot("bookings")

    await card.get_by_role("link", name="详情").click()
    ticket = page.locator("#allocation .ticket")
    await expect(ticket).to_contain_text(alloc["queue_number"])
    await expect(ticket).to_contain_text(f"{alloc['start']}-{alloc['end']}")
    await expect(page.locator(f"#lines tr[data-code='{codes[1]}']")).to_contain_text("已取消")
    await expect(page.locator("#lines").get_by_role("button", name="取消该企业")).to_have_count(0)
    await s.shot("booking-detail")

    await s.menu("我的工作台")
    await expect(page.locator(f"#home-next li[data-id='{booking_id}']")).to_contain_text(f"排队号 {alloc['queue_number']}")
    await s.shot("home")

    await s.menu("预约权限")
    await expect(page.locator("#rights-status")).to_contain_text("正常")
    await expect(page.locator("#cancellations")).to_contain_text("1 次")
    await s.shot("rights")

    # ---- 找回密码: a weak password is refused, the code still works for a better one -----
    await page.locator("#logout").click()
    await expect(page).to_have_url(re.compile(r"#/login$"))
    await page.locator("#forgot").click()
    form = page.locator("#reset-form")
    await form.locator("input[name=phone]").fill(agent.phone)
    before = len(await gw.wait_sms(agent.phone, "验证码", count=0))
    await form.get_by_role("button", name="发送验证码").click()
    await expect(page.locator(MSG_OK)).to_contain_text("验证码短信将发送到该手机")
    code = await sms_code(gw, agent.phone, before)
    await form.locator("input[name=sms_code]").fill(code)
    for field in ("new_password", "password2"):
        await form.locator(f"input[name={field}]").fill("12345678")
    await form.get_by_role("button", name="重置密码").click()
    await expect(page.locator(".msg-error .msg-text")).to_contain_text("密码强度不足")
    await s.shot("password-reset")
    for field in ("new_password", "password2"):
        await form.locator(f"input[name={field}]").fill(NEW_PASSWORD)
    await form.get_by_role("button", name="重置密码").click()
    await expect(page).to_have_url(re.compile(r"#/login$"))
    await expect(page.locator(".flash")).to_contain_text("密码已重置")
    if size == "phone":  # (each size spends few of the gateway's login allowance)
        await s.login_with_password(agent.username, PASSWORD)
        await expect(page.locator(".msg-error .msg-text")).to_have_text("用户名、密码或验证码不正确。")
    await s.login_with_password(agent.username, NEW_PASSWORD)
    await expect(page).to_have_url(re.compile(r"#/home$"))
    agent.password = NEW_PASSWORD

    # ---- 我的卡片: a card bound on the screen (its public key pasted) ------------------------
    key = Ed25519PrivateKey.generate()
    card_no = f"QD{uuid.uuid4().hex[:10].upper()}"
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    await s.menu("我的卡片")
    await expect(page.locator("#card-list .empty")).to_contain_text("您还没有绑定卡片")
    form = page.locator("#card-bind-form")
    await form.locator("input[name=card_no]").fill(card_no.lower())
    await form.locator("textarea[name=public_key]").fill(public)
    if size == "desktop":  # a wrong password: identity refuses the binding (a fresh proof is needed)
        await form.locator("input[name=password]").fill("Not-my-password-1")
        await form.get_by_role("button", name="绑定卡片").click()
        await expect(page.locator("#view .msg-error .msg-text")).to_contain_text("登录密码或验证码不正确")
    await form.locator("input[name=password]").fill(agent.password)
    await form.get_by_role("button", name="绑定卡片").click()
    await expect(page.locator(MSG_OK)).to_contain_text(f"已绑定卡片：{card_no}（Ed25519）")
    assert await gw.wait_sms(agent.phone, f"尾号{card_no[-4:]}")   # the account's phone is told
    await expect(page.locator(f"#card-list tr[data-card='{card_no}']")).to_contain_text("Ed25519")
    if size == "desktop":  # the same card again: 409 card.already_bound
        await form.locator("input[name=card_no]").fill(card_no)
        await form.locator("textarea[name=public_key]").fill(public)
        await form.locator("input[name=password]").fill(agent.password)
        await form.get_by_role("button", name="绑定卡片").click()
        await expect(page.locator("#view .msg-error .msg-text")).to_contain_text("该卡号已绑定过")
    else:  # a second card, bound and unbound again
        other = f"QD{uuid.uuid4().hex[:10].upper()}"
        other_key = Ed25519PrivateKey.generate().public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        await form.locator("input[name=card_no]").fill(other)
        await form.locator("textarea[name=public_key]").fill(other_key)
        await form.locator("input[name=password]").fill(agent.password)
        await form.get_by_role("button", name="绑定卡片").click()
        await expect(page.locator("#card-list tbody tr")).to_have_count(2)
        row = page.locator(f"#card-list tr[data-card='{other}']")
        await row.get_by_role("button", name="解绑").click()
        await row.get_by_role("button", name="确认").click()
        await expect(page.locator(MSG_OK)).to_have_text(f"已解绑卡片：{other}")
    await expect(page.locator("#card-list tbody tr")).to_have_count(1)
    await s.shot("cards")
    await page_agent(page, agent)
    _, bound = await gw.call("GET", "/api/v1/me/cards", agent=agent, expect=200)
    assert [c["card_no"] for c in bound["items"]] == [card_no]

    # ---- 持卡登录: the bound card's nonce signed ------------------------------------------
    await page.locator("#logout").click()
    await expect(page).to_have_url(re.compile(r"#/login$"))
    await page.locator("#tab-card").click()
    form = page.locator("#login-card")
    await form.locator("input[name=card_no]").fill(card_no.lower())
    if size == "desktop":
        # A key that is not the card's: refused by identity; a public key: refused here.
        await form.locator("textarea[name=private_key]").fill(pkcs8_pem(Ed25519PrivateKey.generate()))
        await form.get_by_role("button", name="持卡登录").click()
        await expect(page.locator(".msg-error .msg-text")).to_contain_text("持卡登录验证失败")
        await form.locator("textarea[name=private_key]").fill(public)
        await form.get_by_role("button", name="持卡登录").click()
        await expect(page.locator(".msg-error .msg-text")).to_contain_text("这是公钥或证书")
        # A card reader's tool signs the nonce shown; the signature is pasted.
        await form.locator("#card-mode-reader").check()
        await form.get_by_role("button", name="获取挑战码").click()
        nonce = (await form.locator(".nonce-text").text_content()).strip()
        signature = base64.b64encode(key.sign(nonce.encode("ascii"))).decode()
        await form.locator("textarea[name=signature]").fill(signature)
        await s.shot("login-card")
    else:
        await form.locator("textarea[name=private_key]").fill(pkcs8_pem(key))
        await s.shot("login-card")
    await form.get_by_role("button", name="持卡登录").click()
    await expect(page).to_have_url(re.compile(r"#/home$"))
    await expect(page.locator("#who")).to_have_text(agent.name)
    s.clean()

    # ---- Tuesday: the desk clerk, in a browser of their own, checks the agent in ---------
    staff = await gw.operator("staff")
    on_time = at(tuesday, alloc["start"]) + timedelta(minutes=5)
    await gw.set_clock(on_time)
    desk = await open_screen(size, timeout_ms=10_000)
    await desk.set_clock(on_time)
    await desk.page.goto(f"{gw.url}/#/desk")
    await expect(desk.page).to_have_url(re.compile(r"#/login"))
    await desk.login_with_password(staff.username, staff.password)
    await expect(desk.page).to_have_url(re.compile(r"#/desk"))
    await expect(desk.page.locator("h1")).to_have_text("窗口办理")
    await expect(desk.page.locator("#desk-date")).to_have_value(tuesday)
    rows = desk.page.locator("#queue article.queue-row")
    await expect(rows).to_have_count(2)
    mine = desk.page.locator(f"#queue article[data-id='{booking_id}']")
    await expect(mine.locator(".queue-no strong")).to_have_text(alloc["queue_number"])
    await expect(mine).to_contain_text(f"{agent.name} {agent.phone}")
    await expect(mine).to_contain_text(port_name)
    await expect(mine).not_to_contain_text(names[1])
    await mine.get_by_role("button", name="签到").click()
    await expect(mine.locator(".badge")).to_have_text("已签到")
    await expect(mine.locator(".msg-ok")).to_have_text("已签到。")
    await expect(mine.get_by_role("button", name="办结")).to_be_visible()
    await expect(desk.page.locator("#queue-counts")).to_contain_text("共 2 个预约")
    await desk.shot("desk")
    _, schedule = await gw.call("GET", f"/api/v1/desk/schedule?center=qingdao&date={tuesday}", agent=staff, expect=200)
    assert [b["status"] for b in schedule["items"] if b["id"] == booking_id] == ["checked_in"]
    desk.clean()


@pytest.mark.parametrize("size", ["phone", "desktop"])
async def test_admin_console_journey(open_screen, gw, official_2027, size):
    monday = at(ADMIN_WEEKS[size], "10:00")
    tuesday, thursday = ((monday + timedelta(days=n)).date().isoformat() for n in (1, 3))
    wednesday = (monday + timedelta(days=2)).date().isoformat()
    await gw.set_clock(monday)

    # An agent with a booking on Tuesday, then suspended for cancelling 11 times on Wednesday.
    agent = await gw.register()
    org = new_org_code()
    await gw.call("POST", "/api/v1/me/enterprises", agent=agent, json={"code": org, "name": "青岛胶州湾物流有限公司"},
                  expect=201)

    def body(day: str) -> dict:
        return {"date": day, "period": "AM", "contact_name": agent.name, "contact_phone": agent.phone,
                "enterprises": [{"org_code": org, "businesses": [{"type": "RENEW_UNLOCK", "count": 3}]}]}
    await gw.call("POST", "/api/v1/bookings", agent=agent, json=body(tuesday), expect=201)
    for _ in range(11):
        _, b = await gw.call("POST", "/api/v1/bookings", agent=agent, json=body(wednesday), expect=201)
        await gw.call("POST", f"/api/v1/bookings/{b['id']}/cancel", agent=agent, expect=200)
    _, rights = await gw.call("GET", "/api/v1/me/booking-rights", agent=agent, expect=200)
    assert rights["reason"] == "too_many_cancellations" and rights["suspended_until"]

    admin = await gw.operator("admin")
    s = await open_screen(size, timeout_ms=15_000)
    page = s.page
    await s.set_clock(monday)
    await page.goto(f"{gw.url}/#/admin")
    await expect(page).to_have_url(re.compile(r"#/login"))
    await s.login_with_password(admin.username, admin.password)
    await expect(page).to_have_url(re.compile(r"#/admin$"))
    await expect(page.locator("#menu")).not_to_contain_text("制卡预约")
    _, month = await gw.call("GET", f"/api/v1/admin/calendar?center=qingdao&month={monday.date().isoformat()[:7]}",
                             agent=admin, expect=200)
    assert month["first_unconfirmed"]["date"] == "2028-01-01"
    await expect(page.locator("#unconfirmed-banner")).to_contain_text("2028 年的官方节假日安排尚未确认")
    await s.shot("admin-home")

    # ---- 年度日历: 2028 pasted, previewed, saved --------------------------------------------
    await page.locator("#unconfirmed-banner a").click()
    await expect(page).to_have_url(re.compile(r"#/admin/years\?year=2028$"))
    await expect(page.locator("#year")).to_have_value("2028")
    await expect(page.locator("#year-current")).to_contain_text("2028 年：未确认")
    holidays, workdays = PASTE_2028
    await page.locator("#holidays").fill(holidays)
    await page.locator("#workdays").fill(workdays)
    await page.locator("#year-preview-btn").click()
    await expect(page.locator("#year-counts")).to_contain_text("节假日 26 天，调休上班 3 天")
    # Against Monday-Friday: 3 January (a Monday) closes, 22 January (a Saturday) opens.
    await expect(page.locator("#year-changes li[data-date='2028-01-03']")).to_contain_text("节假日")
    await expect(page.locator("#year-changes li[data-date='2028-01-22']")).to_contain_text("调休上班")
    await s.shot("admin-years")
    await page.locator("#year-save").click()
    await expect(page.locator("#view .msg-ok")).to_contain_text("已保存 2028 年官方日历：节假日 26 天，调休上班 3 天")
    _, y2028 = await gw.call("GET", "/api/v1/admin/calendar/years/2028", agent=admin, expect=200)
    assert y2028["source"] == "admin" and "2028-01-03" in y2028["holidays"] and y2028["workdays"] == [
        "2028-01-22", "2028-02-06", "2028-10-08"]

    # ---- 工作日历: Thursday closed by the center, with a note -----------------------------
    await s.menu("工作日历")
    cell = page.locator(f"#cal-grid .cal-day[data-date='{thursday}']")
    await expect(cell).to_contain_text("官方")
    await cell.click()
    form = page.locator("#override-form")
    await form.locator("#ov-working").select_option("false")
    await form.locator("#ov-note").fill("设备检修，暂停办理")
    await form.get_by_role("button", name="保存调整").click()
    await expect(page.locator("#cal-day .msg-ok")).to_contain_text("调整为休息日")
    await expect(page.locator("#ov-current")).to_contain_text("设备检修，暂停办理")
    await expect(cell).to_contain_text("休")
    await s.shot("admin-calendar")
    _, cal = await gw.call("GET", f"/api/v1/calendar?center=qingdao&from={thursday}&to={thursday}", expect=200)
    assert cal["days"][0]["working"] is False and cal["days"][0]["source"] == "override"

    # ---- 容量管理: never below what is booked; raised -----------------------------------------
    await s.menu("容量管理")
    row = page.locator(f"#capacity-list tr[data-date='{tuesday}'][data-period=AM]")
    await expect(row.locator(".cap-booked")).to_have_text("1")
    await row.locator("input[name=capacity]").fill("0")
    await row.get_by_role("button", name="保存").click()
    await expect(row.locator(".msg-error .msg-text")).to_have_text(re.compile("容量不能低于该时间段已预约的企业数"))
    await expect(row.locator(".msg-error")).to_contain_text("已预约 1 家企业")
    await s.shot("admin-capacity")
    await row.locator("input[name=capacity]").fill("60")
    await row.get_by_role("button", name="保存").click()
    await expect(row.locator(".msg-ok")).to_contain_text("已保存：容量 60，已预约 1")
    _, cal = await gw.call("GET", f"/api/v1/calendar?center=qingdao&from={tuesday}&to={tuesday}", expect=200)
    assert [(p["code"], p["capacity"], p["remaining"]) for p in cal["days"][0]["periods"]][0] == ("AM", 60, 59)

    # ---- 截止与分配: Tuesday closed early, allocated, re-run with a reason ------------------------
    await s.menu("截止与分配")
    await page.locator(f"#cutoff-list tr[data-date='{tuesday}']").get_by_role("button", name="详情").click()
    detail = page.locator("#cutoff-detail")
    await expect(detail).to_contain_text("未截止")
    await detail.locator("#cut-reason").fill("系统演练，提前截止")
    await detail.get_by_role("button", name="立即截止并分配").click()
    await expect(detail.locator(".msg-ok")).to_contain_text("已截止")
    list_row = page.locator(f"#cutoff-list tr[data-date='{tuesday}']")

    async def allocated() -> bool:
        await page.locator("#cutoff-filter").get_by_role("button", name="查询").click()
        return "已分配" in await list_row.inner_text()
    assert await wait_for(allocated, timeout=60), "the early cutoff did not allocate Tuesday"
    await list_row.get_by_role("button", name="详情").click()
    await detail.get_by_role("button", name="重新运行截止和分配").click()
    await expect(detail.locator(".field-error")).to_have_text("重新运行须填写原因")
    await detail.locator("#cut-reason").fill("窗口数调整，重新分配")
    await detail.get_by_role("button", name="重新运行截止和分配").click()
    await expect(detail.locator("#cut-runs")).to_contain_text("窗口数调整，重新分配")
    await expect(detail.locator("#cut-runs tbody tr")).to_have_count(2)
    await s.shot("admin-cutoffs")
    _, state = await gw.call("GET", f"/api/v1/admin/cutoffs/qingdao/{tuesday}", agent=admin, expect=200)
    assert [r["reason"] for r in state["runs"]] == ["系统演练，提前截止", "窗口数调整，重新分配"]

    # ---- 日统计: Tuesday and Wednesday ---------------------------------------------------------
    await s.menu("日统计")
    await page.locator("#stats-date").fill(wednesday)
    await page.locator("#stats-filter").get_by_role("button", name="查询").click()
    tiles = page.locator("#stats-totals .stat")
    await expect(tiles.filter(has_text="取消的预约").locator("strong")).to_have_text("11")
    await page.locator("#stats-date").fill(tuesday)
    await page.locator("#stats-filter").get_by_role("button", name="查询").click()
    await expect(tiles.filter(has_text="预约").first.locator("strong")).to_have_text("1")
    await expect(page.locator("#stats-types tr[data-type=RENEW_UNLOCK]")).to_contain_text("卡延期、解锁")
    await expect(page.locator("#stats-types tr[data-type=RENEW_UNLOCK]")).to_contain_text("3")
    await s.shot("admin-stats")

    # ---- 经办人管理: found by username, the suspension lifted with a reason --------------------
    await s.menu("经办人管理")
    await page.locator("#agent-q").fill(agent.username)
    await page.locator("#agent-search").get_by_role("button", name="查找").click()
    await page.locator(f"#agent-list tr[data-id='{agent.user_id}']").get_by_role("button", name="查看").click()
    rights_el = page.locator("#agent-rights")
    await expect(rights_el).to_contain_text("取消预约次数过多")
    await expect(rights_el).to_contain_text("（北京时间）")
    await expect(page.locator("#agent-detail")).not_to_contain_text("too_many_cancellations")
    await page.locator("#lift-reason").fill("经核实，取消系企业变更所致")
    await page.locator("#lift-form").get_by_role("button", name="解除暂停").click()
    await expect(page.locator("#agent-detail .msg-ok")).to_contain_text("已解除")
    await expect(page.locator("#agent-audit")).to_contain_text("解除暂停")
    await expect(page.locator("#agent-audit")).to_contain_text("计入取消")
    await expect(page.locator("#agent-audit")).not_to_contain_text("cancelled booking")
    await expect(page.locator(f"#agent-list tr[data-id='{agent.user_id}']")).to_contain_text("正常")
    await s.shot("admin-agents")
    _, rights = await gw.call("GET", "/api/v1/me/booking-rights", agent=agent, expect=200)
    assert rights["suspended_until"] is None

    # ---- 短信记录: the agent's SMS, phone masked ---------------------------------------------
    await s.menu("短信记录")
    await page.locator("#sms-phone").fill(agent.phone)
    await page.locator("#sms-filter").get_by_role("button", name="查询").click()
    await expect(page.locator("#sms-list .sms-row").first).to_be_visible()
    await expect(page.locator("#sms-list")).to_contain_text(f"{agent.phone[:3]}****{agent.phone[7:]}")
    assert agent.phone not in await page.locator("#sms-list").inner_text()
    await s.shot("admin-sms")
    s.clean()
