"""POST /api/v1/sms-codes: the event through the outbox to the broker, and the rate limits
(per phone 1/min 5/h 10/day, per client IP), enforced in the database."""
from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime, timedelta, timezone

from shared.app import RUNTIME_KEY
from shared.contracts.identity import VERIFICATION_CODE_REQUESTED
from testsupport.messaging import bound_queue, bus, drain


async def test_the_code_event_is_written_to_the_outbox_and_reaches_the_broker(api, amqp_url):
    async with bus(amqp_url, exchange="cardcenter.events") as probe_bus:
        queue = await bound_queue(probe_bus, VERIFICATION_CODE_REQUESTED)
        phone = api.new_phone()
        r = await api.request_code(phone, "register")
        assert r.status == 202
        assert await r.json() == {"expires_in": 300}
        [event] = await api.sent_events(phone)
        got = await drain(queue, 1, timeout=10, settle=0.2)
    data = event["data"]
    assert event["type"] == VERIFICATION_CODE_REQUESTED and event["producer"] == "identity"
    assert data["phone"] == phone and data["purpose"] == "register" and data["ttl_seconds"] == 300
    assert len(data["code"]) == 6 and data["code"].isdigit()
    assert datetime.fromisoformat(data["expires_at"]) - datetime.fromisoformat(event["occurred_at"]) \
        <= timedelta(minutes=5, seconds=1)
    # The relay published that very envelope (earlier tests' rows may ride along: filter).
    mine = [json.loads(m.body) for m in got if json.loads(m.body)["data"]["phone"] == phone]
    assert [m["id"] for m in mine] == [event["id"]]
    assert mine[0]["data"]["code"] == data["code"]
    # Stored only as a keyed hash: the plain code is nowhere in identity's own table.
    async with api.db.connection() as conn:
        row = await conn.fetchrow("SELECT code_hash FROM verification_codes WHERE id = $1", data["request_id"])
    assert row is not None and data["code"] not in row["code_hash"] and len(row["code_hash"]) == 64


async def test_the_code_event_carries_the_request_and_the_service_clocks_time(api):
    ahead = datetime.now(timezone.utc) + timedelta(days=3)
    await api.set_clock(ahead)
    try:
        phone, request_id = api.new_phone(), f"req-{uuid.uuid4().hex}"
        r = await api.client.post("/api/v1/sms-codes", json={"phone": phone, "purpose": "register"},
                                  headers={"X-Real-IP": api.ip, "X-Request-ID": request_id})
        assert r.status == 202
        [event] = await api.sent_events(phone)
    finally:
        await api.set_clock(None)
    assert (event["correlation_id"], event["causation_id"]) == (request_id, request_id)
    # The moved clock's time, as the code's own expiry: not the wall clock's.
    assert abs(datetime.fromisoformat(event["occurred_at"]) - ahead) < timedelta(minutes=1)
    assert datetime.fromisoformat(event["data"]["expires_at"]) - datetime.fromisoformat(event["occurred_at"]) \
        == timedelta(minutes=5)


async def test_login_and_reset_codes_for_an_unknown_phone_are_answered_alike_but_not_sent(api):
    phone = api.new_phone()
    r = await api.request_code(phone, "login")
    assert r.status == 202 and await r.json() == {"expires_in": 300}
    assert await api.sent_events(phone) == []
    # ...and they still count against the phone's limit, which must not tell either.
    r = await api.request_code(phone, "login")
    assert r.status == 429 and (await r.json())["code"] == "sms.rate_limited"
    r = await api.request_code(phone, "reset_password")   # a budget of its own, not sent either
    assert r.status == 202 and await api.sent_events(phone) == []


async def test_one_code_a_minute_per_phone_with_retry_after(api):
    phone = api.new_phone()
    assert (await api.request_code(phone)).status == 202
    r = await api.request_code(phone)  # the limit is per phone and purpose
    assert r.status == 429
    body = await r.json()
    assert r.content_type == "application/problem+json"
    assert body["code"] == "sms.rate_limited" and body["status"] == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 60 and body["retry_after"] == int(r.headers["Retry-After"])
    await api.move_clock(timedelta(seconds=61))
    assert (await api.request_code(phone)).status == 202


async def test_ten_login_codes_do_not_block_a_reset(api):
    """Each purpose has its own per-phone budget: whoever fills the victim's login budget
    for the day (ten codes) leaves the password reset (and registration) untouched."""
    acc = await api.account(logged_in=False)
    for i in range(10):
        await api.move_clock(timedelta(minutes=12, seconds=1))
        assert (await api.request_code(acc.phone, "login", ip=api.new_ip())).status == 202, i
    r = await api.request_code(acc.phone, "login", ip=api.new_ip())
    assert r.status == 429 and (await r.json())["code"] == "sms.rate_limited"
    assert int(r.headers["Retry-After"]) > 3600
    r = await api.request_code(acc.phone, "reset_password", ip=api.new_ip())
    assert r.status == 202, await r.text()
    assert (await api.sent_events(acc.phone, "reset_password"))[0]["data"]["purpose"] == "reset_password"


async def test_five_an_hour_and_ten_a_day_per_phone(api):
    phone = api.new_phone()
    for _ in range(5):
        assert (await api.request_code(phone)).status == 202
        await api.move_clock(timedelta(minutes=1, seconds=1))
    r = await api.request_code(phone)
    assert r.status == 429
    # The first of the five frees the hour window 55 minutes from now.
    assert 50 * 60 <= int(r.headers["Retry-After"]) <= 3600
    await api.move_clock(timedelta(hours=1))
    for _ in range(5):
        assert (await api.request_code(phone)).status == 202
        await api.move_clock(timedelta(minutes=1, seconds=1))
    await api.move_clock(timedelta(hours=1))
    r = await api.request_code(phone)
    assert r.status == 429 and (await r.json())["code"] == "sms.rate_limited"
    assert int(r.headers["Retry-After"]) > 3600 * 20  # the day is full: about 22 hours to wait
    await api.move_clock(timedelta(days=1))
    assert (await api.request_code(phone)).status == 202


async def test_per_client_ip_limit_counts_every_phone_from_that_address(api):
    ip = api.new_ip()
    for _ in range(20):  # IDENTITY_SMS_IP_PER_HOUR
        assert (await api.request_code(api.new_phone(), ip=ip)).status == 202
    r = await api.request_code(api.new_phone(), ip=ip)
    assert r.status == 429 and (await r.json())["code"] == "sms.rate_limited"
    assert int(r.headers["Retry-After"]) > 0
    # Another address is not held back.
    assert (await api.request_code(api.new_phone(), ip=api.new_ip())).status == 202


async def test_the_gateway_forwarded_address_is_the_client_not_what_the_client_wrote(api):
    ip = api.new_ip()
    for _ in range(20):
        r = await api.client.post("/api/v1/sms-codes", json={"phone": api.new_phone(), "purpose": "register"},
                                  headers={"X-Forwarded-For": f"{api.new_ip()}, {ip}"})
        assert r.status == 202
    # A forged left-most entry does not make a new client: the right-most (added by nginx) counts.
    r = await api.client.post("/api/v1/sms-codes", json={"phone": api.new_phone(), "purpose": "register"},
                              headers={"X-Forwarded-For": f"{api.new_ip()}, {ip}"})
    assert r.status == 429


async def test_concurrent_requests_for_one_phone_send_one_code(api):
    phone = api.new_phone()
    answers = await asyncio.gather(*(api.request_code(phone) for _ in range(5)))
    assert sorted(r.status for r in answers) == [202, 429, 429, 429, 429]
    assert len(await api.sent_events(phone)) == 1


async def test_bad_phone_or_purpose_is_a_validation_error(api):
    for body in ({"phone": "12345", "purpose": "register"}, {"phone": "1380000000x", "purpose": "login"},
                 {"phone": api.new_phone(), "purpose": "hack"}, {"phone": 13800000000, "purpose": "login"},
                 {"purpose": "login"}):
        r = await api.client.post("/api/v1/sms-codes", json=body)
        assert r.status == 422, body
        assert (await r.json())["code"] == "validation_error"


async def test_with_production_settings_no_plain_code_stays_in_the_outbox(aiohttp_client, identity_settings, amqp_url):
    from identity.app import create_app
    from identity.settings import IdentitySettings
    settings = identity_settings(outbox_purge_types=IdentitySettings().outbox_purge_types)
    assert settings.outbox_purge_types == [VERIFICATION_CODE_REQUESTED]
    async with bus(amqp_url, exchange="cardcenter.events") as probe_bus:
        queue = await bound_queue(probe_bus, VERIFICATION_CODE_REQUESTED)
        client = await aiohttp_client(create_app(settings))
        phone = f"139{uuid.uuid4().int % 10**8:08d}"
        r = await client.post("/api/v1/sms-codes", json={"phone": phone, "purpose": "register"},
                              headers={"X-Real-IP": "10.9.8.7"})
        assert r.status == 202
        got = await drain(queue, 1, timeout=10, settle=0.2)
        mine = [json.loads(m.body) for m in got if json.loads(m.body)["data"]["phone"] == phone]
        assert len(mine) == 1 and len(mine[0]["data"]["code"]) == 6
        db = client.server.app[RUNTIME_KEY].db
        for _ in range(50):  # the relay deletes in the transaction that marks the row sent
            async with db.connection() as conn:
                left = await conn.fetchval(
                    "SELECT count(*) FROM outbox WHERE type = $1 AND envelope->'data'->>'phone' = $2",
                    VERIFICATION_CODE_REQUESTED, phone)
            if left == 0:
                break
            await asyncio.sleep(0.1)
        assert left == 0
