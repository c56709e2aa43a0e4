"""POST /api/v1/sessions: username + password, phone + SMS code, and the lockout."""
from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import jwt

from identity.api.context import IDENTITY_KEY
from identity.app import create_app


async def test_password_login_answers_a_token_pair_and_the_user(api):
    acc = await api.account(logged_in=False)
    r = await api.login(acc.username.upper(), acc.password)  # usernames are case-insensitive
    assert r.status == 200, await r.text()
    assert r.headers["Cache-Control"] == "no-store"
    body = await r.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "user"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert body["user"] == {"id": acc.id, "username": acc.username, "name": acc.name, "phone": acc.phone,
                            "email": None, "roles": ["agent"]}
    header = jwt.get_unverified_header(body["access_token"])
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert header["alg"] == "EdDSA" and header["kid"]
    assert claims["sub"] == acc.id and claims["roles"] == ["agent"] and claims["name"] == acc.name
    assert claims["exp"] - claims["iat"] == 900 and claims["sid"]


async def test_wrong_password_and_unknown_username_get_the_same_answer(api):
    acc = await api.account(logged_in=False)
    wrong = await api.login(acc.username, acc.password + "x")
    unknown = await api.login(api.new_username(), acc.password)
    assert wrong.status == unknown.status == 401
    a, b = await wrong.json(), await unknown.json()
    assert a == b and a["code"] == "auth.invalid_credentials"


async def test_login_with_phone_and_sms_code(api):
    acc = await api.account(logged_in=False)
    await api.move_clock(timedelta(minutes=1, seconds=1))
    code = await api.new_code(acc.phone, "login")
    r = await api.client.post("/api/v1/sessions", json={"phone": acc.phone, "sms_code": code})
    assert r.status == 200, await r.text()
    assert (await r.json())["user"]["id"] == acc.id
    # One use.
    r = await api.client.post("/api/v1/sessions", json={"phone": acc.phone, "sms_code": code})
    assert r.status == 401 and (await r.json())["code"] == "auth.invalid_credentials"


async def test_sms_login_refuses_a_wrong_code_or_a_register_code(api):
    acc = await api.account(logged_in=False)
    await api.move_clock(timedelta(minutes=1, seconds=1))
    code = await api.new_code(acc.phone, "register")  # not a login code
    for candidate in (code, "12345x", ""):
        r = await api.client.post("/api/v1/sessions", json={"phone": acc.phone, "sms_code": candidate})
        assert r.status == 401 and (await r.json())["code"] == "auth.invalid_credentials"
    r = await api.client.post("/api/v1/sessions", json={"phone": "not-a-phone", "sms_code": "123456"})
    assert r.status == 401


async def test_a_login_body_needs_one_complete_pair(api):
    for body in ({}, {"username": "someone"}, {"phone": api.new_phone()}, {"password": "x", "sms_code": "1"}):
        r = await api.client.post("/api/v1/sessions", json=body)
        assert r.status == 422 and (await r.json())["code"] == "validation_error"


async def test_repeated_failures_lock_the_login_for_a_while(api):
    acc = await api.account(logged_in=False)
    for _ in range(5):
        assert (await api.login(acc.username, "wrong-password-1")).status == 401
    r = await api.login(acc.username, acc.password)  # even the right password
    assert r.status == 429
    body = await r.json()
    assert body["code"] == "auth.locked" and r.content_type == "application/problem+json"
    assert 800 <= int(r.headers["Retry-After"]) <= 900
    await api.move_clock(timedelta(minutes=14))
    assert (await api.login(acc.username, acc.password)).status == 429  # locked attempts do not extend it
    await api.move_clock(timedelta(minutes=1, seconds=1))
    assert (await api.login(acc.username, acc.password)).status == 200


async def test_an_unknown_username_locks_alike(api):
    ghost = api.new_username()
    for _ in range(5):
        assert (await api.login(ghost, "whatever-pass-1")).status == 401
    r = await api.login(ghost, "whatever-pass-1")
    assert r.status == 429 and (await r.json())["code"] == "auth.locked"


async def test_a_success_clears_the_failures(api):
    acc = await api.account(logged_in=False)
    for _ in range(4):
        assert (await api.login(acc.username, "wrong-password-1")).status == 401
    assert (await api.login(acc.username, acc.password)).status == 200
    for _ in range(4):
        assert (await api.login(acc.username, "wrong-password-1")).status == 401
    assert (await api.login(acc.username, acc.password)).status == 200


async def test_parallel_guesses_cannot_slip_past_the_lock(api):
    acc = await api.account(logged_in=False)
    answers = await asyncio.gather(*(api.login(acc.username, f"wrong-password-{i}") for i in range(12)))
    statuses = sorted(r.status for r in answers)
    assert statuses == [401] * 5 + [429] * 7


async def test_sms_code_logins_lock_per_phone(api):
    acc = await api.account(logged_in=False)
    await api.move_clock(timedelta(minutes=1, seconds=1))
    code = await api.new_code(acc.phone, "login")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        r = await api.client.post("/api/v1/sessions", json={"phone": acc.phone, "sms_code": wrong})
        assert r.status == 401
    r = await api.client.post("/api/v1/sessions", json={"phone": acc.phone, "sms_code": code})
    assert r.status == 429 and (await r.json())["code"] == "auth.locked"


async def test_a_hash_made_with_older_parameters_is_upgraded_at_login(aiohttp_client, identity_settings, api):
    acc = await api.account(logged_in=False)
    async with api.db.connection() as conn:
        before = await conn.fetchval("SELECT password_hash FROM users WHERE id = $1", acc.id)
    stronger = await aiohttp_client(create_app(identity_settings(argon2_time_cost=2)))
    r = await stronger.post("/api/v1/sessions", json={"username": acc.username, "password": acc.password})
    assert r.status == 200
    async with api.db.connection() as conn:
        after = await conn.fetchval("SELECT password_hash FROM users WHERE id = $1", acc.id)
    assert before != after and "t=1" in before and "t=2" in after


class CountingHashing:
    """The app's argon2, watched: how many hashes ran at once (each is 64 MiB in production)."""

    def __init__(self, real, seconds: float = 0.05) -> None:
        self.real, self.seconds = real, seconds
        self.running = self.most = self.calls = 0
        self._lock = threading.Lock()

    def _watch(self, fn, *args):
        with self._lock:
            self.running += 1
            self.calls += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(self.seconds)   # long enough for the sign-ins to overlap
            return fn(*args)
        finally:
            with self._lock:
                self.running -= 1

    def hash(self, password):
        return self._watch(self.real.hash, password)

    def verify(self, password_hash, password):
        return self._watch(self.real.verify, password_hash, password)

    def verify_nothing(self, password):
        return self._watch(self.real.verify_nothing, password)

    def needs_rehash(self, password_hash):
        return self.real.needs_rehash(password_hash)


async def test_sign_ins_at_once_queue_for_the_argon2_slots_and_all_succeed(aiohttp_client, identity_settings, api_for):
    app = create_app(identity_settings(argon2_max_concurrent=2))
    api = api_for(await aiohttp_client(app))
    accounts = [await api.account(logged_in=False) for _ in range(5)]
    watched = app[IDENTITY_KEY].hashing = CountingHashing(app[IDENTITY_KEY].hashing)

    answers = await asyncio.gather(*(api.login(acc.username, acc.password) for acc in accounts),
                                   api.login(api.new_username(), "no-such-user-pass-1"))

    assert [r.status for r in answers] == [200] * 5 + [401]
    assert watched.calls == 6           # the unknown username spent its hash too
    assert watched.most == 2


async def test_a_sign_in_that_waits_too_long_for_a_slot_gets_503(aiohttp_client, identity_settings, api_for):
    app = create_app(identity_settings(argon2_max_concurrent=1, argon2_wait_seconds=0.1))
    api = api_for(await aiohttp_client(app))
    first, second = await api.account(logged_in=False), await api.account(logged_in=False)
    app[IDENTITY_KEY].hashing = CountingHashing(app[IDENTITY_KEY].hashing, seconds=0.5)

    answers = await asyncio.gather(api.login(first.username, first.password),
                                   api.login(second.username, second.password))

    assert sorted(r.status for r in answers) == [200, 503]
    busy = next(r for r in answers if r.status == 503)
    assert busy.content_type == "application/problem+json" and busy.headers["Retry-After"] == "1"
    assert (await busy.json())["code"] == "service.unavailable"
