"""POST /api/v1/users: the phone proven by an SMS code, the form's rules, uniqueness."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from shared.contracts.identity import USER_REGISTERED


async def user_registered_events(api, user_id: str) -> list[dict]:
    async with api.db.connection() as conn:
        rows = await conn.fetch("SELECT envelope FROM outbox WHERE type = $1 AND envelope->'data'->>'user_id' = $2",
                                USER_REGISTERED, user_id)
    return [r["envelope"] for r in rows]


async def test_registration_creates_an_agent_and_announces_it_with_the_org_code(api):
    phone, username = api.new_phone(), api.new_username()
    r = await api.register(phone=phone, username=username.upper(), name="  阿依古丽·买买提 ",
                           email="Agent@Example.COM", org_code="91350100m000100y43")
    assert r.status == 201, await r.text()
    user = await r.json()
    assert user == {"id": user["id"], "username": username, "name": "阿依古丽·买买提", "phone": phone,
                    "email": "Agent@example.com", "roles": ["agent"]}
    [event] = await user_registered_events(api, user["id"])
    assert event["data"]["org_code"] == "91350100M000100Y43"
    assert event["data"]["roles"] == ["agent"] and event["data"]["phone"] == phone
    async with api.db.connection() as conn:
        stored = await conn.fetchval("SELECT password_hash FROM users WHERE id = $1", user["id"])
    assert stored.startswith("$argon2id$") and api.PASSWORD not in stored


async def test_email_and_org_code_are_optional(api):
    r = await api.register()
    assert r.status == 201
    user = await r.json()
    assert user["email"] is None
    [event] = await user_registered_events(api, user["id"])
    assert event["data"]["org_code"] is None


async def test_a_wrong_code_is_refused(api):
    phone = api.new_phone()
    code = await api.new_code(phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = await api.register(phone=phone, code=wrong)
    assert r.status == 422
    body = await r.json()
    assert body["code"] == "sms.code_invalid" and wrong not in str(body) and code not in str(body)
    assert (await api.register(phone=phone, code=code)).status == 201  # one wrong try leaves the code usable


async def test_no_code_requested_is_refused(api):
    r = await api.register(code="123456")
    assert r.status == 422 and (await r.json())["code"] == "sms.code_invalid"


async def test_an_expired_code_is_refused(api):
    phone = api.new_phone()
    code = await api.new_code(phone)
    await api.move_clock(timedelta(minutes=5, seconds=1))
    r = await api.register(phone=phone, code=code)
    assert r.status == 422 and (await r.json())["code"] == "sms.code_invalid"


async def test_a_code_is_still_good_at_four_minutes_fifty(api):
    phone = api.new_phone()
    code = await api.new_code(phone)
    await api.move_clock(timedelta(minutes=4, seconds=50))
    assert (await api.register(phone=phone, code=code)).status == 201


async def test_five_wrong_tries_burn_the_code_so_the_sixth_fails_even_when_right(api):
    phone = api.new_phone()
    code = await api.new_code(phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        r = await api.register(phone=phone, code=wrong)
        assert r.status == 422 and (await r.json())["code"] == "sms.code_invalid"
    r = await api.register(phone=phone, code=code)
    assert r.status == 422 and (await r.json())["code"] == "sms.code_invalid"
    # A new code (after the 1-minute limit) works again.
    await api.move_clock(timedelta(minutes=1, seconds=1))
    assert (await api.register(phone=phone, code=await api.new_code(phone))).status == 201


async def test_concurrent_wrong_tries_are_each_counted(api):
    phone = api.new_phone()
    code = await api.new_code(phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = await asyncio.gather(*(api.register(phone=phone, code=wrong) for _ in range(8)))
    assert {r.status for r in answers} == {422}
    assert (await api.register(phone=phone, code=code)).status == 422  # burnt: no try was lost


async def test_a_code_is_used_once(api):
    phone = api.new_phone()
    code = await api.new_code(phone)
    assert (await api.register(phone=phone, code=code)).status == 201
    r = await api.register(phone=phone, code=code)  # replay with another username
    assert r.status == 422 and (await r.json())["code"] == "sms.code_invalid"


async def test_a_code_for_another_purpose_or_phone_does_not_register(api):
    phone = api.new_phone()
    await api.account(phone=phone, logged_in=False)
    await api.move_clock(timedelta(minutes=1, seconds=1))
    login_code = await api.new_code(phone, "login")
    other = api.new_phone()
    assert (await api.request_code(other)).status == 202
    r = await api.register(phone=other, code=login_code)
    assert r.status == 422 and (await r.json())["code"] == "sms.code_invalid"


async def test_a_newer_code_supersedes_the_older(api):
    phone = api.new_phone()
    old = await api.new_code(phone)
    await api.move_clock(timedelta(minutes=1, seconds=1))
    new = await api.new_code(phone)
    if old != new:
        assert (await api.register(phone=phone, code=old)).status == 422
    assert (await api.register(phone=phone, code=new)).status == 201


async def test_username_and_phone_are_unique_and_a_conflict_keeps_the_code(api):
    taken = await api.account(logged_in=False)
    phone = api.new_phone()
    code = await api.new_code(phone)
    r = await api.register(phone=phone, code=code, username=taken.username.upper())  # case-insensitive
    assert r.status == 409 and (await r.json())["code"] == "user.username_taken"
    # The code was not spent on the conflict: the holder retries with another username.
    assert (await api.register(phone=phone, code=code)).status == 201

    await api.move_clock(timedelta(minutes=1, seconds=1))
    r = await api.register(phone=taken.phone)
    assert r.status == 409 and (await r.json())["code"] == "user.phone_taken"


async def test_the_phone_owner_question_is_answered_only_to_the_code_holder(api):
    taken = await api.account(logged_in=False)
    await api.move_clock(timedelta(minutes=1, seconds=1))
    code = await api.new_code(taken.phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    r = await api.register(phone=taken.phone, code=wrong)
    # Without the right code nobody learns that the phone is registered.
    assert r.status == 422 and (await r.json())["code"] == "sms.code_invalid"
    r = await api.register(phone=taken.phone, code=code)
    assert r.status == 409 and (await r.json())["code"] == "user.phone_taken"


async def test_weak_passwords_are_refused_before_any_code_is_spent(api):
    phone, username = api.new_phone(), api.new_username()
    code = await api.new_code(phone)
    for weak in ("short1!", "password123!", "12345678", "aaaaaaaaaa", username + "2024", f"x{phone}x"):
        r = await api.register(phone=phone, code=code, username=username, password=weak)
        body = await r.json()
        assert r.status == 422 and body["code"] == "user.password_weak", weak
        assert body["errors"][0]["field"] == "password"
        assert weak not in r.headers.get("Content-Type", "") + str(body)
    assert (await api.register(phone=phone, code=code, username=username)).status == 201


async def test_malformed_fields_are_all_reported_at_once(api):
    r = await api.client.post("/api/v1/users", json={"phone": "123", "sms_code": "1", "username": "a b",
                                                     "password": "x", "name": "", "email": "nope"})
    assert r.status == 422
    body = await r.json()
    assert body["code"] == "validation_error"
    assert {e["field"] for e in body["errors"]} >= {"phone", "username", "name", "email"}
    r = await api.client.post("/api/v1/users", json={"phone": api.new_phone()})
    assert r.status == 422 and (await r.json())["code"] == "validation_error"
    r = await api.client.post("/api/v1/users", data=b"not json", headers={"Content-Type": "application/json"})
    assert r.status == 422


async def test_ten_concurrent_registrations_of_one_username_give_one_account(api):
    username = api.new_username()
    phones = [api.new_phone() for _ in range(10)]
    codes = [await api.new_code(p) for p in phones]
    answers = await asyncio.gather(*(api.register(phone=p, code=c, username=username)
                                     for p, c in zip(phones, codes)))
    statuses = sorted(r.status for r in answers)
    assert statuses == [201] + [409] * 9
    assert {(await r.json())["code"] for r in answers if r.status == 409} == {"user.username_taken"}
    async with api.db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM users WHERE username = $1", username) == 1
