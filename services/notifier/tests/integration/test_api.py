"""GET /api/v1/notifications: the SMS log for staff and admins, with status and attempts,
filtered by phone or booking, paged by cursor, verification codes masked."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from notifier.api.models import SmsLogPage
from testsupport.notifier import events as ev
from testsupport.generators import new_phone

URL = "/api/v1/notifications"


async def test_staff_read_the_sms_log_with_attempts_and_codes_masked(notifier_env, token_factory):
    env = notifier_env
    client = await env.start()
    env.fake.state.answer_with(503, 200)
    booking, phone, code_phone = f"bk-{uuid.uuid4().hex[:10]}", new_phone(), new_phone()
    await env.publish(ev.confirmed(booking, phone))
    await env.wait_final(1, booking_id=booking)
    await env.publish(ev.verification_code(code_phone, "864209"))
    await env.wait_final(1, phone=code_phone)

    r = await client.get(URL, params={"booking_id": booking}, headers=token_factory.headers(roles=("staff",)))
    assert r.status == 200
    page = await r.json()
    SmsLogPage.model_validate(page)          # the answer is what the OpenAPI document says
    assert page["next_cursor"] is None
    [item] = page["items"]
    assert item["booking_id"] == booking and item["phone"] == phone and item["status"] == "delivered"
    assert item["kind"] == "booking.confirmed" and "成功预约" in item["text"]
    assert item["attempt_count"] == 2
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in item["attempts"]] == [
        (1, "retry", 503), (2, "delivered", None)]

    r = await client.get(URL, params={"phone": code_phone}, headers=token_factory.headers(roles=("admin",)))
    [item] = (await r.json())["items"]
    assert "864209" not in item["text"] and "验证码为******" in item["text"]


async def test_a_code_in_flight_is_masked_too(notifier_env, token_factory):
    env = notifier_env
    client = await env.start()
    phone, now = new_phone(), datetime.now(timezone.utc)
    conn = await env.connect()
    try:   # a verification SMS waiting for a retry still holds its code; the log never shows it
        await conn.execute(
            "INSERT INTO messages (id, event_id, event_type, template, phone, body, sensitive, status, attempts,"
            " next_attempt_at, created_at, updated_at) VALUES ($1, $2, 'identity.verification_code.requested',"
            " 'verification_code.login', $3, '【制卡中心】您的登录验证码为531864，5分钟内有效。', true, 'retry', 1, $4, $5, $5)",
            uuid.uuid4(), uuid.uuid4(), phone, now + timedelta(hours=1), now)
    finally:
        await conn.close()
    r = await client.get(URL, params={"phone": phone}, headers=token_factory.headers(roles=("staff",)))
    [item] = (await r.json())["items"]
    assert item["status"] == "retry" and "531864" not in item["text"]


async def test_pages_follow_the_cursor_newest_first(notifier_env, token_factory):
    env = notifier_env
    client = await env.start()
    phone = new_phone()
    bookings = [f"bk-{uuid.uuid4().hex[:10]}" for _ in range(5)]
    for b in bookings:     # one at a time: creation order is the order published
        await env.publish(ev.confirmed(b, phone))
        await env.wait_final(1, booking_id=b)
    headers = token_factory.headers(roles=("staff",))
    seen, cursor = [], None
    while True:
        params = {"phone": phone, "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await (await client.get(URL, params=params, headers=headers)).json()
        seen.append([i["booking_id"] for i in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [bookings[4:2:-1], bookings[2:0:-1], bookings[0:1]]


async def test_agents_and_anonymous_callers_are_refused_and_bad_queries_are_422(notifier_env, token_factory):
    env = notifier_env
    client = await env.start()
    r = await client.get(URL)
    assert r.status == 401 and r.content_type == "application/problem+json"
    r = await client.get(URL, headers=token_factory.headers(roles=("agent",)))
    assert r.status == 403 and (await r.json())["code"] == "auth.forbidden"
    staff = token_factory.headers(roles=("staff",))
    for params in ({"phone": "12345"}, {"limit": "0"}, {"cursor": "not-a-cursor"}):
        r = await client.get(URL, params=params, headers=staff)
        assert r.status == 422, params
        assert (await r.json())["code"] == "validation_error"
    r = await client.get(URL, params={"phone": "", "booking_id": ""}, headers=staff)   # empty = no filter
    assert r.status == 200 and (await r.json())["items"] == []


async def test_the_service_serves_its_openapi_document(notifier_env):
    client = await notifier_env.start()
    r = await client.get("/openapi.json")
    spec = await r.json()
    op = spec["paths"]["/api/v1/notifications"]["get"]
    assert op["x-roles"] == ["staff", "admin"]
    assert {p["name"] for p in op["parameters"]} == {"phone", "booking_id", "cursor", "limit"}
    assert "SmsLogPage" in spec["components"]["schemas"]
