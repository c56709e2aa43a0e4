"""The administration console and the agent's new screens (我的工作台, the 注册 link for a new
enterprise, the center's published rules) in headless Chromium at phone and desktop size,
against tools/mock_api/fake.py: the states the real system does not produce on demand (a
suspension ending at a month's end, a center publishing other rules than Qingdao's, a
capacity raced below what is booked, an unconfirmed year ahead, malformed year lists).
"""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from browser_helpers import require_browser  # registered by conftest.py

pw = require_browser()
expect = pw.expect

import fake_api  # noqa: E402  (registered by conftest.py)

# A valid 18-char credit code (GB 32100) whose characters 9-17 are the organisation code.
NEW_USCC, NEW_ORG = "91370212MA7QXR2BXD", "MA7QXR2BX"


def calls(fake, method: str, path: str) -> list[dict]:
    return [r for r in fake.requests if r["method"] == method and r["path"] == path]


async def admin_login(s, base: str, fake) -> None:
    await s.page.goto(f"{base}/#/login")
    await s.login_with_password("admin1", fake.admin.password)
    await expect(s.page).to_have_url(re.compile(r"#/admin$"))


@pytest.mark.parametrize("size", ["phone", "desktop"])
async def test_admin_console(site, open_screen, size):
    fake, base = site
    fake.expire_next_token = False
    s = await open_screen(size)
    page = s.page
    next_year = fake.today.year + 1
    await admin_login(s, base, fake)

    # The console's menu only, and the banner: next year is not confirmed.
    menu = page.locator("#menu")
    for item in ("管理首页", "工作日历", "年度日历", "容量管理", "截止与分配", "日统计", "经办人管理", "短信记录"):
        await expect(menu.get_by_role("link", name=item, exact=True)).to_be_visible()
    await expect(menu).not_to_contain_text("制卡预约")
    banner = page.locator("#unconfirmed-banner")
    await expect(banner).to_contain_text(f"{next_year} 年的官方节假日安排尚未确认")
    await s.fits()

    # ---- 年度日历: malformed lists are refused in the page, the preview lists the changes ----
    await s.menu("年度日历")
    await expect(page.locator("#year")).to_have_value(str(next_year))
    await expect(page.locator("#year-current")).to_contain_text("未确认")
    saturday = next(f"{next_year}-02-{d:02d}" for d in range(1, 29) if date(next_year, 2, d).weekday() == 5)
    monday = next(f"{next_year}-02-{d:02d}" for d in range(1, 29) if date(next_year, 2, d).weekday() == 0)
    await page.locator("#holidays").fill(f"{next_year}-01-01\n{next_year - 1}-12-31\n{next_year}-10-01~{next_year}-10-03")
    await page.locator("#workdays").fill(monday)
    await page.locator("#year-preview-btn").click()
    problems = page.locator("#view .msg-error")
    await expect(problems).to_contain_text(f"{next_year - 1}-12-31 不在 {next_year} 年内")
    await expect(problems).to_contain_text(f"{monday} 是周一至周五")
    await expect(page.locator("#year-preview")).to_be_hidden()
    # An uploaded JSON file (the API's own shape) replaces both lists.
    await page.locator("#year-file").set_input_files(files=[{
        "name": "official.json", "mimeType": "application/json",
        "buffer": json.dumps({"year": next_year, "holidays": [f"{next_year}-01-01", f"{next_year}-10-01~{next_year}-10-03"],
                              "workdays": [saturday]}).encode()}])
    await expect(page.locator("#workdays")).to_have_value(saturday)
    await page.locator("#year-preview-btn").click()
    changes = page.locator("#year-changes li")
    await expect(page.locator("#year-counts")).to_contain_text("节假日 4 天，调休上班 1 天")
    await expect(page.locator(f"#year-changes li[data-date='{saturday}']")).to_contain_text("调休上班")
    await expect(page.locator(f"#year-changes li[data-date='{next_year}-01-01']")).to_contain_text("节假日")
    n = await changes.count()
    assert 2 <= n <= 5
    assert calls(fake, "PUT", f"/api/v1/admin/calendar/years/{next_year}") == []
    # Editing after the preview makes it stale: nothing is saved unseen.
    await page.locator("#workdays").fill(saturday + "\n")
    await expect(page.locator("#year-preview")).to_be_hidden()
    await page.locator("#year-preview-btn").click()
    await page.locator("#year-save").click()
    await expect(page.locator("#view .msg-ok")).to_contain_text(f"已保存 {next_year} 年官方日历")
    await expect(page.locator("#year-current")).to_contain_text("管理员导入")
    put = calls(fake, "PUT", f"/api/v1/admin/calendar/years/{next_year}")
    assert put[-1]["body"] == {"holidays": [f"{next_year}-01-01", f"{next_year}-10-01", f"{next_year}-10-02",
                                            f"{next_year}-10-03"], "workdays": [saturday]}
    await s.fits()

    # ---- 工作日历: a day's source, an override with its note ------------------------------
    await s.menu("工作日历")
    day = fake.bookable[0]
    cell = page.locator(f"#cal-grid .cal-day[data-date='{day}']")
    await expect(cell).to_contain_text("可约")
    await cell.click()
    form = page.locator("#override-form")
    await form.locator("#ov-working").select_option("false")
    await form.locator("#ov-note").fill("系统维护，暂停办理")
    await form.get_by_role("button", name="保存调整").click()
    await expect(page.locator("#cal-day .msg-ok")).to_contain_text("调整为休息日")
    await expect(page.locator("#ov-current")).to_contain_text("系统维护，暂停办理")
    await expect(cell).to_contain_text("休")
    await expect(cell).to_contain_text("中心")
    assert calls(fake, "PUT", f"/api/v1/admin/calendar/{day}")[-1]["body"] == {
        "center": "qingdao", "working": False, "note": "系统维护，暂停办理"}
    await s.fits()

    # ---- 容量管理: below what is booked -> the 409 in Chinese; above it -> saved -----------
    await s.menu("容量管理")
    row = page.locator(f"#capacity-list tr[data-date='{day}'][data-period=AM]")
    await expect(row.locator(".cap-booked")).to_have_text("28")
    fake.booked[(day, "AM")] = 30        # someone books meanwhile: the page still says 28
    await row.locator("input[name=capacity]").fill("29")
    await row.get_by_role("button", name="保存").click()
    await expect(row.locator(".msg-error .msg-text")).to_have_text(re.compile("容量不能低于该时间段已预约的企业数"))
    await expect(row.locator(".msg-error")).to_contain_text("已预约 30 家企业")
    await expect(row.locator(".cap-booked")).to_have_text("30")
    await row.locator("input[name=capacity]").fill("45")
    await row.get_by_role("button", name="保存").click()
    await expect(row.locator(".msg-ok")).to_contain_text("已保存：容量 45，已预约 30")
    assert fake.capacity[(day, "AM")] == 45
    await s.fits()

    # ---- 截止与分配: close a date early, re-run only with a reason ---------------------------
    await s.menu("截止与分配")
    await page.locator(f"#cutoff-list tr[data-date='{day}']").get_by_role("button", name="详情").click()
    detail = page.locator("#cutoff-detail")
    await expect(detail).to_contain_text("未截止")
    await detail.get_by_role("button", name="立即截止并分配").click()
    await expect(detail.locator(".msg-ok")).to_contain_text("已截止")
    await detail.get_by_role("button", name="重新运行截止和分配").click()
    await expect(detail.locator(".field-error")).to_have_text("重新运行须填写原因")
    assert len(calls(fake, "POST", "/api/v1/admin/cutoffs")) == 1
    await detail.locator("#cut-reason").fill("分配未完成，重新运行")
    await detail.get_by_role("button", name="重新运行截止和分配").click()
    await expect(detail.locator("#cut-runs tbody tr")).to_have_count(2)
    await expect(detail.locator("#cut-runs")).to_contain_text("分配未完成，重新运行")
    assert calls(fake, "POST", "/api/v1/admin/cutoffs")[-1]["body"] == {
        "center": "qingdao", "date": day, "reason": "分配未完成，重新运行"}
    await s.fits()

    # ---- 日统计 -------------------------------------------------------------------------
    await s.menu("日统计")
    await expect(page.locator("#stats-totals")).to_contain_text("预约")
    await expect(page.locator("#stats-types")).to_contain_text("卡延期、解锁")
    await expect(page.locator("#stats-periods tr[data-period=AM]")).to_contain_text("上午")
    await s.fits()

    # ---- 经办人管理: the suspension's end in center time, the reason in Chinese, lifted -----
    await s.menu("经办人管理")
    await page.locator("#agent-q").fill("zhao")
    await page.locator("#agent-search").get_by_role("button", name="查找").click()
    await page.locator("#agent-list tr[data-id='u-susp']").get_by_role("button", name="查看").click()
    rights = page.locator("#agent-rights")
    await expect(rights).to_contain_text("暂停至 2027年2月28日 00:00（北京时间）")
    await expect(rights).to_contain_text("逾期未到次数过多")
    await expect(page.locator("#agent-detail")).not_to_contain_text("too_many_no_shows")
    await page.locator("#lift-form").get_by_role("button", name="解除暂停").click()
    await expect(page.locator("#lift-form .field-error")).to_have_text("请填写原因")
    await page.locator("#lift-reason").fill("经核实，逾期系窗口系统故障所致")
    await page.locator("#lift-form").get_by_role("button", name="解除暂停").click()
    await expect(page.locator("#agent-detail .msg-ok")).to_contain_text("已解除")
    await expect(rights).to_contain_text("正常")
    await expect(page.locator("#agent-audit")).to_contain_text("解除暂停")
    await expect(page.locator("#agent-list tr[data-id='u-susp']")).to_contain_text("正常")
    assert fake.lifted == [("u-susp", "经核实，逾期系窗口系统故障所致")]
    await s.fits()

    # ---- 短信记录: masked phones, status, attempts ----------------------------------------
    await s.menu("短信记录")
    rows = page.locator("#sms-list .sms-row")
    await expect(rows.first).to_be_visible()
    await expect(page.locator("#sms-list")).to_contain_text("138****0001")
    await expect(page.locator("#sms-list")).to_contain_text("发送失败")
    assert fake.agent.phone not in await page.locator("#sms-list").inner_text()
    await s.fits()
    s.clean()


async def test_agent_screens_follow_the_center(site, open_screen):
    """Another center's rules (cutoff 16:30, 3 working days, 12 minutes) show wherever the
    manual's rules are written; a suspension ending at the start of 28 February (Qingdao)
    shows as that date, with its reason in Chinese; the manual's notices and guidance."""
    fake, base = site
    fake.expire_next_token = False
    fake.center_doc.update(cutoff_time="16:30", release_working_days=3, late_minutes=12)
    fake.rights_answer = {"suspended_until": "2027-02-27T16:00:00Z", "reason": "too_many_no_shows",
                          "no_shows": 0, "cancellations": 1}
    for size in ("phone", "desktop"):
        s = await open_screen(size)
        page = s.page
        await page.goto(f"{base}/#/login")
        await s.login_with_password("zhangsan", fake.agent.password)
        await expect(page).to_have_url(re.compile(r"#/home$"))
        await expect(page.locator("#home-rights")).to_contain_text("暂停至 2027年2月28日 00:00（北京时间）")
        await expect(page.locator("#home-rights")).to_contain_text("原因：逾期未到次数过多")
        rules = page.locator("#home-rules")
        for text in ("每天 16:30后截止", "提前 3 个工作日", "12 分钟"):
            await expect(rules).to_contain_text(text)
        await expect(page.locator("#home-fee")).to_contain_text("无任何附加费用")
        await expect(page.locator("#shortcuts").get_by_role("link", name=re.compile("制卡预约"))).to_be_visible()
        await s.shot("home-suspended")

        await s.menu("制卡预约")
        await expect(page.locator("#book-rules")).to_have_text(
            "系统提前 3 个工作日开放预约，当日业务不预约。每天 16:30后截止次日业务的预约和取消。")
        await expect(page.locator("#type-guide")).to_contain_text("预录入：青岛地区企业首次到电子口岸录入信息时选择")
        await expect(page.locator("#type-guide")).to_contain_text("新制卡：新企业完成质监、工商、国税审批后办理制卡时选择")
        await expect(page.locator("#truth-notice")).to_contain_text("否则窗口工作人员不予办理")
        await expect(page.locator("#fee-notice")).to_contain_text("无任何附加费用")
        await expect(page.locator("#rights-notice")).to_contain_text("2027年2月28日 00:00")

        await s.menu("预约权限")
        await expect(page.locator("#rights-status")).to_contain_text("原因：逾期未到次数过多")
        await expect(page.locator("#view")).not_to_contain_text("too_many_no_shows")
        await expect(page.locator("#rights-rules")).to_contain_text("12 分钟")
        await expect(page.locator("#view")).not_to_contain_text("15 点")
        await s.fits()
        await page.locator("#logout").click()
        s.clean()


@pytest.mark.parametrize("size", ["phone", "desktop"])
async def test_register_with_an_enterprise_not_in_the_directory(site, open_screen, size):
    fake, base = site
    s = await open_screen(size)
    page = s.page
    await page.goto(f"{base}/#/register")
    form = page.locator("#register-form")
    await form.locator("input[name=phone]").fill("13600000010")
    await form.locator("input[name=sms_code]").fill(fake_api.SMS_CODE)
    await form.locator("input[name=username]").fill("wangqiang")
    await form.locator("input[name=password]").fill("Wang-qiang-2026")
    await form.locator("input[name=password2]").fill("Wang-qiang-2026")
    await form.locator("input[name=name]").fill("王强")
    await form.locator("input[name=org_code]").press_sequentially("9137020")
    await expect(form.locator(".lookup-empty")).to_contain_text("请点击右侧的“注册”链接")
    await form.get_by_role("link", name="注册", exact=True).click()
    new = page.locator("#new-enterprise")
    await expect(new).to_be_visible()
    # A wrong check character is refused in the page: no account is made.
    await form.locator("input[name=org_code]").fill(NEW_USCC[:-1] + "J")
    long_name = "青岛" + "国际物流供应链管理" * 12 + "有限公司"   # > 100 characters, within 200
    assert 100 < len(long_name) <= 200
    await new.locator("input[name=ent_name]").fill(long_name)
    await form.get_by_role("button", name="注册", exact=True).click()
    await expect(form.locator("#reg-org-err")).to_have_text("代码的校验位不正确，请核对后重新填写")
    assert calls(fake, "POST", "/api/v1/users") == []
    await s.shot("register-enterprise")

    await form.locator("input[name=org_code]").fill(NEW_USCC)
    await form.get_by_role("button", name="注册", exact=True).click()
    await expect(page).to_have_url(re.compile(r"#/home$"))
    await expect(page.locator(".flash")).to_contain_text(f"企业“{long_name}”已加入企业库和您的企业列表")
    assert "org_code" not in calls(fake, "POST", "/api/v1/users")[-1]["body"]
    assert calls(fake, "POST", "/api/v1/enterprises")[-1]["body"] == {"code": NEW_ORG, "name": long_name}
    assert {"org_code": NEW_ORG, "name": long_name} in fake.directory
    await s.menu("信息维护")
    await expect(page.locator(f"#enterprise-list tr[data-code='{NEW_ORG}']")).to_contain_text(long_name)
    s.clean()


async def test_desk_no_show_refused_before_the_agent_is_late(site, open_screen):
    """窗口办理: a no-show marked too early is refused (409 booking.not_late_yet) with the
    time after which it is allowed, in the center's time; the booking stays allocated."""
    fake, base = site
    fake.expire_next_token = False
    first = fake.queue[0]
    fake.not_late_yet[first["id"]] = f"{fake.today.isoformat()}T09:10:00+08:00"
    s = await open_screen("phone")
    page = s.page
    await page.goto(f"{base}/#/login")
    await s.login_with_password("desk1", fake.staff.password)
    await expect(page).to_have_url(re.compile(r"#/desk$"))
    await expect(page.locator("h1")).to_have_text("窗口办理")
    row = page.locator(f"article[data-id='{first['id']}']")
    await row.get_by_role("button", name="逾期未到").click()
    await row.get_by_role("button", name="确认").click()
    await expect(row.locator(".msg-error .msg-text")).to_have_text(
        re.compile(r"经办人尚未超过迟到时限：\d+月\d+日 09:10 之后才能标记为逾期未到。"))
    await expect(row.locator(".badge")).to_have_text("已分配")
    assert first["status"] == "allocated"
    s.clean()
