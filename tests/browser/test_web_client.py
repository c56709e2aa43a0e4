"""The web client (deploy/gateway/static) in headless Chromium, at phone (360x740) and desktop
(1280x800) size, against tools/mock_api/fake.py: the static files and canned API answers
shaped as api.md says, on one port. Walks registration, the agent's journey (login with a
refresh on 401, 信息维护, 制卡预约, 预约详情, 预约查询, 预约权限) and a desk clerk's day with
the cases the real system does not produce on demand (a full period, a 502, a late check-in,
names carrying markup), and checks that no screen scrolls sideways on a phone.

Screenshots: only of what the real-system walk (test_real_system.py) does not show: 登录
(password and SMS tabs) and the capacity-exhausted refusal. Needs Debian's chromium at
/usr/bin/chromium (or $CHROMIUM_BIN) and the PyPI playwright package (browser_helpers.py);
skipped with the reason when either is missing.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from browser_helpers import require_browser  # registered by conftest.py

pw = require_browser()

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

expect = pw.expect

import fake_api  # noqa: E402  (registered by conftest.py, which also serves it: the ``site`` fixture)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def pem_public(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def pem_private(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def api_calls(fake, method: str, path: str) -> list[dict]:
    return [r for r in fake.requests if r["method"] == method and r["path"] == path]


# ---- registration --------------------------------------------------------------------

@pytest.mark.parametrize("size", ["phone", "desktop"])
async def test_register_with_sms_code_and_enterprise_lookup(site, open_screen, size):
    fake, base = site
    s = await open_screen(size)
    page = s.page
    await page.goto(f"{base}/#/register")
    form = page.locator("#register-form")
    await form.locator("input[name=phone]").fill("13600000009")
    send = form.get_by_role("button", name="发送验证码")
    await send.click()
    await expect(form.locator(".sms-btn")).to_have_text(re.compile(r"^\d+ 秒后重发$"))
    await expect(form.locator(".sms-btn")).to_be_disabled()
    assert fake.sms_sent == [{"phone": "13600000009", "purpose": "register"}]
    await form.locator("input[name=sms_code]").fill("000000")
    await form.locator("input[name=username]").fill("lisi")
    await form.locator("input[name=password]").fill("Li-si-card-2026")
    await form.locator("input[name=password2]").fill("Li-si-card-2026")
    await form.locator("input[name=name]").fill("李四")
    await form.locator("input[name=email]").fill("lisi@example.com")

    # The manual's drop-down: 2+ characters of a code or a name list the directory's matches.
    await form.locator("input[name=org_code]").press_sequentially("港航")
    option = form.locator(".lookup .lookup-item")
    await expect(option).to_have_count(1)
    await expect(option).to_contain_text("青岛港航物流有限公司")
    await s.fits()
    await option.click()
    await expect(form.locator("input[name=org_code]")).to_have_value(fake_api.org_code("37020001"))
    await expect(form.locator(".picked")).to_have_text("已选择：青岛港航物流有限公司")

    # A wrong code: the API's sms.code_invalid in Chinese, with the request id for support.
    await form.get_by_role("button", name="注册").click()
    await expect(page.locator(".msg-error .msg-text")).to_have_text(re.compile("验证码不正确或已过期"))
    await expect(page.locator(".msg-error .msg-rid")).to_contain_text("请求编号：web-")

    await form.locator("input[name=sms_code]").fill(fake_api.SMS_CODE)
    await form.get_by_role("button", name="注册").click()
    await expect(page).to_have_url(re.compile(r"#/home$"))
    await expect(page.locator(".flash")).to_contain_text("注册成功")
    await s.menu("信息维护")
    await expect(page.locator("#enterprise-list")).to_contain_text("青岛港航物流有限公司")
    body = api_calls(fake, "POST", "/api/v1/users")[-1]["body"]
    assert body == {"phone": "13600000009", "sms_code": fake_api.SMS_CODE, "username": "lisi",
                    "password": "Li-si-card-2026", "name": "李四", "email": "lisi@example.com",
                    "org_code": fake_api.org_code("37020001")}
    await expect(page.locator("#who")).to_have_text("李四")
    s.clean()


# ---- the agent's journey and the desk --------------------------------------------------

@pytest.mark.parametrize("size", ["phone", "desktop"])
async def test_agent_journey_and_desk(site, open_screen, size):
    fake, base = site
    s = await open_screen(size)
    page = s.page
    d = fake.directory
    a_code, inj_code, new_code = d[0]["org_code"], d[2]["org_code"], d[3]["org_code"]

    # ---- 登录 ------------------------------------------------------------------------
    await page.goto(f"{base}/")
    await expect(page).to_have_url(re.compile(r"#/login"))
    await expect(page.locator("#menu a")).to_have_count(0)
    await s.shot("login")
    await s.login_with_password("zhangsan", "wrong-password")
    await expect(page.locator(".msg-error .msg-text")).to_have_text("用户名、密码或验证码不正确。")
    await expect(page.locator(".msg-error .msg-rid")).to_contain_text("请求编号：")

    await page.locator("#tab-sms").click()
    sms = page.locator("#login-sms")
    await sms.locator("input[name=phone]").fill(fake.agent.phone)
    await sms.get_by_role("button", name="发送验证码").click()
    await expect(sms.locator(".sms-btn")).to_have_text(re.compile(r"^\d+ 秒后重发$"))
    assert fake.sms_sent[-1] == {"phone": fake.agent.phone, "purpose": "login"}
    await sms.locator("input[name=sms_code]").fill(fake_api.SMS_CODE)
    await s.shot("login-sms")
    if size == "phone":
        await sms.get_by_role("button", name="登录").click()
        assert_login = {"phone": fake.agent.phone, "sms_code": fake_api.SMS_CODE}
    else:
        await page.locator("#tab-password").click()
        await s.login_with_password("zhangsan", fake.agent.password)
        assert_login = {"username": "zhangsan", "password": fake.agent.password}

    # The first access token answers 401 auth.token_expired: one refresh, then the retry.
    # An agent lands on 我的工作台: today's allocated booking, the right to book.
    await expect(page).to_have_url(re.compile(r"#/home$"))
    await expect(page.locator(f"#home-next li[data-id='{fake.allocated['id']}']")).to_contain_text("排队号 A012")
    await expect(page.locator("#home-rights")).to_contain_text("您可以正常预约")
    await s.menu("制卡预约")
    await expect(page.locator("#enterprise-pick input[name=enterprise]")).to_have_count(3)
    assert api_calls(fake, "POST", "/api/v1/sessions")[-1]["body"] == assert_login
    assert fake.refreshes == 1
    await expect(page.locator("#who")).to_have_text("张三")
    await expect(page.locator("#menu")).not_to_contain_text("窗口")

    # ---- 信息维护 --------------------------------------------------------------------
    await s.menu("信息维护")
    rows = page.locator("#enterprise-list tbody tr")
    await expect(rows).to_have_count(3)
    # An injected name is text: the markup shows, no element is made, no script runs.
    await expect(page.locator("#enterprise-list")).to_contain_text('<script>alert("x")</script>')
    assert await page.locator("#view img, #view script").count() == 0

    form = page.locator("#enterprise-form")
    await form.locator("input[name=code]").fill("12345678")
    await form.locator("input[name=name]").fill("某某公司")
    await form.get_by_role("button", name="添加企业").click()
    await expect(form.locator(".field-error").first).to_contain_text("9 位组织机构代码")
    assert api_calls(fake, "POST", "/api/v1/me/enterprises") == []
    good = fake_api.org_code("37020009")
    bad = good[:8] + ("1" if good[8] != "1" else "2")
    await form.locator("input[name=code]").fill(bad)
    await form.get_by_role("button", name="添加企业").click()
    await expect(page.locator(".msg-error .msg-text")).to_contain_text("组织机构代码无效")

    await form.locator("input[name=code]").fill("")
    await form.locator("input[name=code]").press_sequentially("新开发")
    await form.locator(".lookup-item").filter(has_text="青岛新开发贸易有限公司").click()
    await expect(form.locator("input[name=code]")).to_have_value(new_code)
    await expect(form.locator("input[name=name]")).to_have_value("青岛新开发贸易有限公司")
    await form.get_by_role("button", name="添加企业").click()
    await expect(page.locator(".msg-ok")).to_have_text("已添加：青岛新开发贸易有限公司")
    await expect(rows).to_have_count(4)
    row = page.locator(f"#enterprise-list tr[data-code='{d[1]['org_code']}']")
    await row.get_by_role("button", name="删除").click()
    await row.get_by_role("button", name="确认").click()
    await expect(page.locator(".msg-ok")).to_contain_text("已删除")
    await expect(rows).to_have_count(3)
    await s.fits()

    # ---- 制卡预约 --------------------------------------------------------------------
    await s.menu("制卡预约")
    await expect(page.locator("#days .day:not([disabled])")).to_have_count(2)
    await page.locator(f"#days .day[data-date='{fake.bookable[0]}']").click()
    await expect(page.locator("#periods .period[data-period=PM]")).to_be_disabled()
    await expect(page.locator("#periods .period[data-period=PM]")).to_contain_text("已约满")
    await expect(page.locator("#periods .period[data-period=AM]")).to_contain_text("剩余 12 / 40")
    await page.locator("#periods .period[data-period=AM]").click()
    for code in (a_code, new_code, inj_code):
        await page.locator(f"#enterprise-pick input[value='{code}']").check()
    await expect(page.locator("#ent-count")).to_have_text("已选 3 / 10 家企业")

    def box(org: str, t: str):
        return page.locator(f"#t-{org}-{t}")

    # PRE_ENTRY is exclusive: every other box of that enterprise is disabled.
    await box(a_code, "PRE_ENTRY").check()
    for t in ("NEW_CARD", "CHANGE_INFO", "RENEW_UNLOCK", "DECLARANT_CARD", "OPERATOR_CARD", "REISSUE_CARD", "BUY_READER"):
        await expect(box(a_code, t)).to_be_disabled()
    # CHANGE_INFO rules out RENEW_UNLOCK only.
    await box(new_code, "CHANGE_INFO").check()
    await expect(box(new_code, "RENEW_UNLOCK")).to_be_disabled()
    await expect(box(new_code, "PRE_ENTRY")).to_be_disabled()
    await expect(box(new_code, "DECLARANT_CARD")).to_be_enabled()
    await box(new_code, "DECLARANT_CARD").check()
    await box(new_code, "BUY_READER").check()
    await expect(page.locator(f"input[name='count-{new_code}-BUY_READER']")).to_have_value("1")
    # ...and RENEW_UNLOCK rules out CHANGE_INFO; it needs a count.
    await box(inj_code, "RENEW_UNLOCK").check()
    await expect(box(inj_code, "CHANGE_INFO")).to_be_disabled()
    await page.locator(f"input[name='count-{inj_code}-RENEW_UNLOCK']").fill("2")
    await expect(page.locator(f"fieldset[data-org='{inj_code}'] legend")).to_contain_text("<script>")
    # Contact prefilled from GET /me.
    await expect(page.locator("input[name=contact_name]")).to_have_value("张三")
    await expect(page.locator("input[name=contact_phone]")).to_have_value(fake.agent.phone)

    # The form refuses a missing count before anything is sent.
    submit = page.locator("#book-submit")
    await submit.click()
    await expect(page.locator("#book-form .msg-error")).to_contain_text("增加、更换报关员卡需要填写张数")
    assert api_calls(fake, "POST", "/api/v1/bookings") == []
    await page.locator(f"input[name='count-{new_code}-DECLARANT_CARD']").fill("3")
    await expect(page.locator("#book-summary")).to_contain_text("3 家企业")
    await s.fits()

    # A 409 from the API shows its Chinese message and the request id.
    fake.next_booking_error = (409, "booking.capacity_exhausted")
    await submit.click()
    msg = page.locator("#book-form .msg-error")
    await expect(msg.locator(".msg-text")).to_have_text(re.compile("该时间段的预约名额已满"))
    await expect(msg.locator(".msg-rid")).to_contain_text("请求编号：web-")
    await msg.scroll_into_view_if_needed()
    await s.shot("book-error", full_page=False)

    await submit.click()
    await expect(page).to_have_url(re.compile(r"#/bookings/bk-"))
    posts = api_calls(fake, "POST", "/api/v1/bookings")
    assert len(posts) == 2
    keys = [p["headers"].get("Idempotency-Key") for p in posts]
    assert all(k and UUID.match(k) for k in keys) and keys[0] != keys[1], keys
    assert posts[1]["body"] == {
        "center": "qingdao", "date": fake.bookable[0], "period": "AM", "contact_name": "张三",
        "contact_phone": fake.agent.phone,
        "enterprises": [
            {"org_code": a_code, "businesses": [{"type": "PRE_ENTRY"}]},
            {"org_code": new_code, "businesses": [{"type": "CHANGE_INFO"}, {"type": "DECLARANT_CARD", "count": 3},
                                                  {"type": "BUY_READER", "count": 1}]},
            {"org_code": inj_code, "businesses": [{"type": "RENEW_UNLOCK", "count": 2}]},
        ]}
    new_id = page.url.rsplit("/", 1)[1]

    # ---- 预约详情 --------------------------------------------------------------------
    await expect(page.locator(".flash")).to_contain_text("预约成功")
    lines = page.locator("#lines tbody tr")
    await expect(lines).to_have_count(3)
    await expect(page.locator("#allocation")).to_contain_text("待分配")
    await expect(page.locator(f"#lines tr[data-code='{new_code}']")).to_contain_text("增加、更换报关员卡 ×3")
    line = page.locator(f"#lines tr[data-code='{a_code}']")
    await line.get_by_role("button", name="取消该企业").click()
    await line.get_by_role("button", name="确认").click()
    await expect(line).to_contain_text("已取消")
    await expect(page.locator(".booking-head .badge").first).to_have_text("已预约")
    await s.fits()

    # ---- 预约查询 --------------------------------------------------------------------
    await s.menu("预约查询")
    cards = page.locator("#booking-list article.booking")
    await expect(cards).to_have_count(3)
    q = api_calls(fake, "GET", "/api/v1/bookings")[-1]["query"]
    assert set(q) == {"from", "to"}
    alloc = page.locator(f"article[data-id='{fake.allocated['id']}']")
    await expect(alloc).to_contain_text("窗口 3 · 09:30-10:00 · 排队号 A012")
    await expect(alloc).to_contain_text("发送失败")
    resend = alloc.get_by_role("button", name="重发短信")
    await resend.click()
    await expect(alloc.locator(".msg-ok")).to_contain_text("短信已重新发送")
    await expect(alloc.get_by_role("button", name="重发短信")).to_be_disabled()
    await expect(alloc).to_contain_text("发送中")
    await s.fits()
    mine = page.locator(f"article[data-id='{new_id}']")
    await mine.get_by_role("button", name="取消预约").click()
    await mine.get_by_role("button", name="确认").click()
    await expect(mine.locator(".badge").first).to_have_text("已取消")

    # ---- 预约权限 --------------------------------------------------------------------
    await s.menu("预约权限")
    await expect(page.locator("#rights-status")).to_contain_text("正常")
    await expect(page.locator("#no-shows")).to_contain_text("1 次")
    await expect(page.locator("#cancellations")).to_contain_text("2 次")
    await s.fits()

    # ---- 我的卡片: bind (a private key is refused before sending), list, unbind ------------
    fake.bind(fake.staff, "QD0000000001", pem_public(Ed25519PrivateKey.generate()))  # someone else's card
    await s.menu("我的卡片")
    await expect(page.locator("#card-list .empty")).to_contain_text("您还没有绑定卡片")
    form = page.locator("#card-bind-form")
    key = Ed25519PrivateKey.generate()
    await form.locator("input[name=card_no]").fill("qd-2026 0001")
    await form.locator("textarea[name=public_key]").fill(pem_private(key))
    await form.get_by_role("button", name="绑定卡片").click()
    await expect(page.locator(".msg-error .msg-text")).to_contain_text("这是私钥，不是公钥")
    await form.locator("textarea[name=public_key]").fill(pem_public(ec.generate_private_key(ec.SECP384R1())))
    await form.get_by_role("button", name="绑定卡片").click()
    await expect(page.locator(".msg-error .msg-text")).to_contain_text("仅支持 Ed25519 和 ECDSA P-256")
    assert api_calls(fake, "POST", "/api/v1/me/cards") == []
    await form.locator("input[name=card_no]").fill("qd0000000001")
    await form.locator("textarea[name=public_key]").fill(pem_public(key))
    await form.get_by_role("button", name="绑定卡片").click()   # no password: refused before sending
    await expect(page.locator(".msg-error")).to_contain_text("登录密码为必填")
    assert api_calls(fake, "POST", "/api/v1/me/cards") == []
    await form.locator("input[name=password]").fill("not-the-password")
    await form.get_by_role("button", name="绑定卡片").click()
    await expect(page.locator(".msg-error .msg-text")).to_contain_text("登录密码或验证码不正确")
    await form.locator("input[name=password]").fill(fake.agent.password)
    await form.get_by_role("button", name="绑定卡片").click()
    await expect(page.locator(".msg-error .msg-text")).to_contain_text("该卡号已绑定过")
    await form.locator("input[name=card_no]").fill("qd-2026 0001")
    await form.get_by_role("button", name="绑定卡片").click()
    await expect(page.locator(".msg-ok")).to_contain_text("已绑定卡片：QD20260001（Ed25519）")
    assert api_calls(fake, "POST", "/api/v1/me/cards")[-1]["body"] == {
        "card_no": "QD20260001", "public_key": pem_public(key), "password": fake.agent.password}
    await form.locator("input[name=card_no]").fill("QD20260002")
    await form.locator("textarea[name=public_key]").fill(pem_public(ec.generate_private_key(ec.SECP256R1())))
    await form.locator("input[name=password]").fill(fake.agent.password)
    await form.get_by_role("button", name="绑定卡片").click()
    card_rows = page.locator("#card-list tbody tr")
    await expect(card_rows).to_have_count(2)
    await expect(page.locator("#card-list tr[data-card=QD20260002]")).to_contain_text("ECDSA P-256")
    await s.fits()
    row = page.locator("#card-list tr[data-card=QD20260001]")
    await row.get_by_role("button", name="解绑").click()
    await row.get_by_role("button", name="确认").click()
    await expect(page.locator(".msg-ok")).to_have_text("已解绑卡片：QD20260001")
    await expect(card_rows).to_have_count(1)
    assert "QD20260001" not in fake.cards

    # ---- 窗口 is for staff ------------------------------------------------------------
    await page.goto(f"{base}/#/desk")
    await expect(page.locator("#view .msg-error")).to_contain_text("仅供窗口工作人员使用")
    assert api_calls(fake, "GET", "/api/v1/desk/schedule") == []
    await page.locator("#logout").click()
    await expect(page).to_have_url(re.compile(r"#/login$"))
    await expect(page.locator(".flash")).to_contain_text("您已安全退出")
    assert len(api_calls(fake, "DELETE", "/api/v1/sessions/current")) == 1

    await s.login_with_password("desk1", fake.staff.password)
    await expect(page).to_have_url(re.compile(r"#/desk$"))
    numbers = page.locator("#queue .queue-no strong")
    await expect(numbers).to_have_text(["A001", "A002", "A003", "A012"])
    await expect(page.locator("#queue")).to_contain_text('<script>alert("desk")</script>赵六')
    first, late, absent = (page.locator(f"article[data-id='{b['id']}']") for b in fake.queue)
    await first.get_by_role("button", name="签到").click()
    await expect(first.locator(".badge")).to_have_text("已签到")
    await first.get_by_role("button", name="办结").click()
    await expect(first.locator(".badge")).to_have_text("已办结")
    fake.late_ids.add(fake.queue[1]["id"])
    await late.get_by_role("button", name="签到").click()
    await expect(late.locator(".msg-error .msg-text")).to_have_text(re.compile("已超过办理时间段开始时间的迟到时限"))
    await expect(late.locator(".badge")).to_have_text("逾期未到")
    await absent.get_by_role("button", name="逾期未到").click()
    await absent.get_by_role("button", name="确认").click()
    await expect(absent.locator(".badge")).to_have_text("逾期未到")
    await page.locator("#desk-no").select_option("1")
    await expect(numbers).to_have_text(["A001", "A002"])
    await page.locator("#desk-no").select_option("")
    await expect(page.locator("#queue-counts")).to_contain_text("共 4 个预约")
    await s.fits()

    # Another day's booking cannot be checked in today: booking.wrong_day.
    yesterday = (fake.today - timedelta(days=1)).isoformat()
    await page.locator("#desk-date").fill(yesterday)
    await page.locator("#desk-filter").get_by_role("button", name="刷新").click()
    await expect(numbers).to_have_text(["B001"])
    await page.locator("#queue").get_by_role("button", name="签到").click()
    await expect(page.locator("#queue .msg-error .msg-text")).to_have_text("该预约不是今天的，不能签到。")
    s.clean()


async def test_suspended_agent_and_a_service_outage(site, open_screen):
    """A suspension is shown before booking and the 403 says until when; a 502 from the
    gateway (problem+json) is a Chinese message too; the next load works again."""
    fake, base = site
    fake.expire_next_token = False
    fake.rights_answer = {"suspended_until": "2027-05-20T00:00:00+08:00", "reason": "逾期未到 3 次",
                          "no_shows": 0, "cancellations": 0}
    fake.calendar_down = True
    s = await open_screen("desktop")
    page = s.page
    await page.goto(f"{base}/#/login")
    await s.login_with_password("zhangsan", fake.agent.password)
    await expect(page).to_have_url(re.compile(r"#/home$"))
    await s.menu("制卡预约")
    await expect(page.locator("#rights-notice")).to_contain_text("暂停至 2027年5月20日")
    await expect(page.locator("#book-form .msg-error .msg-text")).to_have_text("服务暂时不可用，请稍后再试。")

    fake.calendar_down = False
    await s.menu("预约权限")
    await expect(page.locator("#rights-status")).to_contain_text("已暂停")
    await expect(page.locator("#rights-status")).to_contain_text("原因：逾期未到 3 次")
    await s.menu("制卡预约")
    await page.locator("#days .day").first.click()
    await page.locator("#periods .period:not([disabled])").first.click()
    await page.locator("#enterprise-pick input[name=enterprise]").first.check()
    await page.locator("#lines input[type=checkbox]").first.check()
    await page.locator("#book-submit").click()
    await expect(page.locator("#book-form .msg-error .msg-text")).to_contain_text("您的预约权限已被暂停至 2027年5月20日")
    s.clean()
