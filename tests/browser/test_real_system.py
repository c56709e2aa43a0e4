"""The web client against the real system: headless Chromium on the gateway's `/` (nginx
serving deploy/gateway/static in front of the four services, real PostgreSQL and RabbitMQ,
SMS read from the fake provider's inbox), at phone (360x740) and desktop (1280x800) size.

One agent's whole journey per size, each in a week of its own (the clock starts on Monday
10:00 in Qingdao, when Tuesday and Wednesday are bookable; Tuesday's cutoff is Monday
15:00; no other suite books these weeks): register with the SMS code and the enterprise
look-up, add enterprises, book three of them with their business types, cancel one line,
see the allocation after the cutoff in 预约查询 and 预约详情, resend the SMS, the booking
rights, reset the password by SMS, bind a card in 我的卡片 (its public key pasted; phone: a
second one bound and unbound, desktop: the same card again refused), log in with it (the
challenge signed in the page by WebCrypto from a pasted PKCS#8 key, or a signature made
elsewhere pasted), and a desk clerk checking the agent in on the day in a browser of their
own. The page's clock follows the
services' moved clock, so its "today" is theirs.

Screenshots of each screen at both sizes go to a scratch folder, or to docs/screenshots with
WEB_SCREENSHOTS_DIR=docs/screenshots.
"""
from __future__ import annotations

import base64
import random
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser_helpers import require_browser  # registered by conftest.py

pw = require_browser()

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from shared.testing.journeys import PASSWORD, Agent, org_code, random_phone  # noqa: E402
from shared.testing.messaging import wait_for  # noqa: E402

expect = pw.expect
TZ = ZoneInfo("Asia/Shanghai")
NEW_PASSWORD = "Qd7#new-card-pass"
# Per size: its week (a Monday) and the word that finds its enterprise in the look-up.
WEEKS = {"phone": ("2027-01-11", "黄岛"), "desktop": ("2027-01-18", "崂山")}
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


def pkcs8_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.mark.parametrize("size", ["phone", "desktop"])
async def test_agent_journey_and_desk_check_in(open_screen, gw, mint, size):
    monday_date, tag = WEEKS[size]
    monday = at(monday_date, "10:00")
    tuesday = (monday + timedelta(days=1)).date().isoformat()
    await gw.set_clock(monday)
    s = await open_screen(size, timeout_ms=10_000)
    page = s.page
    await s.set_clock(monday)

    # The directory knows the agent's company already (another agent added it).
    other = mint.agent(monday)
    port_code, port_name = org_code(random.randrange(10**8)), f"青岛{tag}港务物流有限公司"
    await gw.call("POST", "/api/v1/enterprises", agent=other, json={"code": port_code, "name": port_name}, expect=201)

    # ---- 注册: the SMS code from the provider's inbox, the look-up drop-down ----------
    agent = Agent(username=f"web{uuid.uuid4().hex[:8]}", phone=random_phone(), name="张三")
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
    option = form.locator(".lookup .lookup-item")
    await expect(option).to_have_count(1)
    await expect(option).to_contain_text(port_name)
    await s.shot("register")
    await option.click()
    await expect(form.locator("input[name=org_code]")).to_have_value(port_code)
    await form.get_by_role("button", name="注册").click()
    await expect(page).to_have_url(re.compile(r"#/enterprises$"))
    await expect(page.locator(".flash")).to_contain_text("注册成功")
    await expect(page.locator("#who")).to_have_text(agent.name)

    # ---- 信息维护: two more companies; a wrong check character is refused by booking ----
    names = ["青岛海润国际贸易有限公司", "青岛明达报关服务有限公司"]
    codes = [org_code(random.randrange(10**8)) for _ in names]
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
    # The registration's company arrived by the user.registered event.
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
    other_org = org_code(random.randrange(10**8))
    await gw.call("POST", "/api/v1/me/enterprises", agent=other, json={"code": other_org, "name": "青岛远洋船务有限公司"},
                  expect=201)
    await gw.call("POST", "/api/v1/bookings", agent=other, expect=201, json={
        "date": tuesday, "period": "AM", "contact_name": "李四", "contact_phone": random_phone(),
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
    await expect(page).to_have_url(re.compile(r"#/book$"))
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
    await expect(page).to_have_url(re.compile(r"#/book$"))
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
