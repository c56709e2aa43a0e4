"""Issue 16's controls in identity, met the way an attacker meets them: through nginx, on
the real PostgreSQL and RabbitMQ, with the SMS arriving at the fake provider.

Separate clients: each test's HTTP clients connect from addresses of their own in
127.0.0.0/8 (all loopback on Linux). nginx sets X-Real-IP to the address it saw, and
identity believes it from nginx (its loopback peer; api/client_ip.py), so every address
here is a client of its own, as the center's agents are behind a real-IP gateway.

One system for this module, with small budgets (the same code as the defaults, smaller
numbers, so that a test reaches them in a few requests). Fixed windows run on the
services' clock: each test first moves it to the start of a minute of its own.
"""
from __future__ import annotations

import base64
import random
import re
import uuid
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from testsupport.generators import new_phone
from testsupport.journeys import PASSWORD
from testsupport.system_fixtures import module_system_fixtures

BUDGETS = {
    "IDENTITY_HASH_PER_ADDRESS_PER_MINUTE": "10",
    "IDENTITY_CARD_CHALLENGES_PER_ADDRESS_PER_MINUTE": "6",
    "IDENTITY_CARD_CHALLENGES_PER_CARD_PER_MINUTE": "3",
    "IDENTITY_REGISTRATIONS_PER_ADDRESS_PER_HOUR": "5",
    "IDENTITY_REGISTRATIONS_PER_PHONE_PER_HOUR": "3",
    "IDENTITY_REFRESHES_PER_ADDRESS_PER_MINUTE": "12",
    "IDENTITY_REFRESHES_PER_USER_PER_MINUTE": "4",
    "IDENTITY_LOGIN_SLOWDOWN_THRESHOLD": "8",
    "IDENTITY_LOGIN_SLOWDOWN_SECONDS": "10",
}


sms_provider, mint, system = module_system_fixtures(**BUDGETS)


def new_address() -> str:
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


class Client:
    """One client of the gateway, connecting from its own address."""

    def __init__(self, gw, http: aiohttp.ClientSession, address: str) -> None:
        self.gw, self.http, self.address = gw, http, address

    async def call(self, method: str, path: str, *, token: str | None = None, json: Any = None,
                   expect: int | None = None) -> tuple[int, Any, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.request(method, self.gw.url + path, json=json, headers=headers) as r:
            body = await r.json(content_type=None) if r.content_length != 0 else None
            if expect is not None:
                assert r.status == expect, (method, path, r.status, body)
            return r.status, body, r.headers


@pytest.fixture
async def client_at(gw):
    """``async with client_at() as c``: a client from a new address of its own."""
    @asynccontextmanager
    async def make(address: str | None = None):
        address = address or new_address()
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0))) as http:
            yield Client(gw, http, address)
    return make


_minutes = iter(range(10**6))


async def fresh_minute(gw) -> datetime:
    """Move every service's clock to the start of a minute no other test used, so that no
    fixed window turns over in the middle of a test."""
    instant = datetime(2031, 1, 1, tzinfo=timezone.utc) + timedelta(hours=3 * next(_minutes)) \
        + timedelta(days=random.randint(0, 3000))
    await gw.set_clock(instant)
    return instant


def assert_throttled(status: int, body: Any, headers: Any, code: str = "rate_limited") -> int:
    assert status == 429, (status, body)
    assert headers["Content-Type"].startswith("application/problem+json")
    assert body["code"] == code and body["status"] == 429
    retry_after = int(headers["Retry-After"])
    assert retry_after >= 1
    return retry_after


# What each purpose's SMS says (notifier templates): SMS arrive asynchronously, so a code is
# read from a message of its own purpose, not merely the latest one.
MARKERS = {"register": "注册验证码", "login": "登录验证码", "reset_password": "您正在重置密码", "bind_card": "绑定登录卡"}


async def code_for(gw, c: Client, phone: str, purpose: str = "register") -> str:
    """An SMS code asked from ``c``'s address (the gateway limits SMS requests per address)."""
    marker = MARKERS[purpose]
    before = len(await gw.wait_sms(phone, marker, timeout=0))
    await c.call("POST", "/api/v1/sms-codes", json={"phone": phone, "purpose": purpose}, expect=202)
    msgs = await gw.wait_sms(phone, marker, count=before + 1)
    assert len(msgs) > before, f"no {purpose} code reached {phone}"
    return re.search(r"\d{6}", msgs[-1].text).group(0)


async def register(gw, c: Client) -> dict:
    """A new agent, registered and signed in from ``c``'s address."""
    phone, username = new_phone(), f"a{uuid.uuid4().hex[:10]}"
    code = await code_for(gw, c, phone)
    _, user, _ = await c.call("POST", "/api/v1/users", expect=201, json={
        "phone": phone, "sms_code": code, "username": username, "password": PASSWORD, "name": "张三"})
    _, tokens, _ = await c.call("POST", "/api/v1/sessions", expect=200,
                                json={"username": username, "password": PASSWORD})
    return {"id": user["id"], "phone": phone, "username": username, "tokens": tokens}


def card() -> tuple[str, Ed25519PrivateKey, str]:
    key = Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return "C" + uuid.uuid4().hex[:11].upper(), key, pem


async def card_login(c: Client, card_no: str, key: Ed25519PrivateKey) -> int:
    _, ch, _ = await c.call("GET", f"/api/v1/card-challenges?card_no={card_no}", expect=200)
    signature = base64.b64encode(key.sign(ch["nonce"].encode())).decode()
    status, _, _ = await c.call("POST", "/api/v1/sessions/card", json={
        "card_no": card_no, "challenge_id": ch["challenge_id"], "signature": signature})
    return status


# ---- cards: step-up, notice, reset ------------------------------------------------------

async def test_binding_a_card_needs_a_fresh_proof_and_the_phone_is_told(gw, client_at):
    await fresh_minute(gw)
    async with client_at() as c:
        agent = await register(gw, c)
        token = agent["tokens"]["access_token"]
        card_no, key, pem = card()
        # A stolen access token alone binds nothing...
        status, err, _ = await c.call("POST", "/api/v1/me/cards", token=token,
                                      json={"card_no": card_no, "public_key": pem})
        assert (status, err["code"]) == (403, "card.proof_required")
        # ...nor with a guessed password...
        status, err, _ = await c.call("POST", "/api/v1/me/cards", token=token,
                                      json={"card_no": card_no, "public_key": pem, "password": "Guess-1-password"})
        assert (status, err["code"]) == (403, "card.proof_invalid")
        _, cards, _ = await c.call("GET", "/api/v1/me/cards", token=token, expect=200)
        assert cards["items"] == []
        assert gw.sms.messages_for(agent["phone"]) and not await gw.wait_sms(agent["phone"], "登录卡", timeout=1)
        # The holder's password binds it, and the account's phone is told.
        _, bound, _ = await c.call("POST", "/api/v1/me/cards", token=token, expect=201,
                                   json={"card_no": card_no, "public_key": pem, "password": PASSWORD})
        assert bound["card_no"] == card_no
        notices = await gw.wait_sms(agent["phone"], "登录卡")
        assert len(notices) == 1 and f"尾号{card_no[-4:]}" in notices[0].text
        assert await card_login(c, card_no, key) == 200


async def test_password_guessing_through_card_binding_is_locked(gw, client_at):
    await fresh_minute(gw)
    async with client_at() as c:
        agent = await register(gw, c)
        token = agent["tokens"]["access_token"]
        card_no, _, pem = card()
        answers = []
        for i in range(6):
            status, err, _ = await c.call("POST", "/api/v1/me/cards", token=token, json={
                "card_no": card_no, "public_key": pem, "password": f"Guess-{i}-password"})
            answers.append((status, err["code"]))
        assert answers[:5] == [(403, "card.proof_invalid")] * 5
        assert answers[5] == (429, "auth.locked")
        # Locked for this address: even the right password waits (the lock is what stops guessing).
        status, err, headers = await c.call("POST", "/api/v1/me/cards", token=token, json={
            "card_no": card_no, "public_key": pem, "password": PASSWORD})
        assert_throttled(status, err, headers, "auth.locked")
        # The login itself is not locked by it.
        await c.call("POST", "/api/v1/sessions", expect=200, json={"username": agent["username"], "password": PASSWORD})


async def test_a_bind_card_code_is_a_proof_for_the_accounts_own_phone_only(gw, client_at):
    await fresh_minute(gw)
    async with client_at() as c:
        agent = await register(gw, c)
        token = agent["tokens"]["access_token"]
        # Not without signing in, not to another phone.
        status, _, _ = await c.call("POST", "/api/v1/sms-codes", json={"phone": agent["phone"], "purpose": "bind_card"})
        assert status == 401
        status, err, _ = await c.call("POST", "/api/v1/sms-codes", token=token,
                                      json={"phone": new_phone(), "purpose": "bind_card"})
        assert (status, err["code"]) == (422, "validation_error")
        await c.call("POST", "/api/v1/sms-codes", token=token, expect=202,
                     json={"phone": agent["phone"], "purpose": "bind_card"})
        msgs = await gw.wait_sms(agent["phone"], MARKERS["bind_card"])
        assert len(msgs) == 1
        code = re.search(r"\d{6}", msgs[0].text).group(0)
        card_no, key, pem = card()
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        status, err, _ = await c.call("POST", "/api/v1/me/cards", token=token,
                                      json={"card_no": card_no, "public_key": pem, "sms_code": wrong})
        assert (status, err["code"]) == (403, "card.proof_invalid")
        await c.call("POST", "/api/v1/me/cards", token=token, expect=201,
                     json={"card_no": card_no, "public_key": pem, "sms_code": code})
        assert await card_login(c, card_no, key) == 200


async def test_a_password_reset_removes_every_binding(gw, client_at):
    await fresh_minute(gw)
    async with client_at() as c:
        agent = await register(gw, c)
        token = agent["tokens"]["access_token"]
        cards = [card(), card()]
        for card_no, _, pem in cards:
            await c.call("POST", "/api/v1/me/cards", token=token, expect=201,
                         json={"card_no": card_no, "public_key": pem, "password": PASSWORD})
        assert await card_login(c, cards[0][0], cards[0][1]) == 200
        code = await code_for(gw, c, agent["phone"], "reset_password")
        await c.call("POST", "/api/v1/password-resets", expect=204,
                     json={"phone": agent["phone"], "sms_code": code, "new_password": "Another-Pass-77"})
        for card_no, key, _ in cards:
            assert await card_login(c, card_no, key) == 401
        _, tokens, _ = await c.call("POST", "/api/v1/sessions", expect=200,
                                    json={"username": agent["username"], "password": "Another-Pass-77"})
        _, mine, _ = await c.call("GET", "/api/v1/me/cards", token=tokens["access_token"], expect=200)
        assert mine["items"] == []


# ---- lockout: per (identifier, address), a global slowdown that never locks out -------

async def test_an_attackers_failed_logins_from_other_addresses_do_not_lock_the_owner_out(gw, client_at):
    await fresh_minute(gw)
    async with client_at() as owner_office:
        owner = await register(gw, owner_office)    # a login from here: the owner's known address
    login = {"username": owner["username"], "password": PASSWORD}

    async def fail(c: Client, n: int) -> None:
        for i in range(n):
            status, err, _ = await c.call("POST", "/api/v1/sessions", json={**login, "password": f"Wrong-{i}-guess"})
            assert (status, err["code"]) == (401, "auth.invalid_credentials"), i

    # The first attacker's five wrong passwords lock that address out, right password or not...
    async with client_at() as attacker:
        await fail(attacker, 5)
        status, err, headers = await attacker.call("POST", "/api/v1/sessions", json=login)
        assert assert_throttled(status, err, headers, "auth.locked") > 60
    async with client_at(owner_office.address) as office:   # not the owner, from the office
        await office.call("POST", "/api/v1/sessions", json=login, expect=200)
    # ...and a second one brings the failures from everywhere to the slowdown threshold (8).
    async with client_at() as attacker:
        await fail(attacker, 3)
    # The owner from the office logs in at once: neither locked nor slowed.
    async with client_at(owner_office.address) as office:
        await office.call("POST", "/api/v1/sessions", json=login, expect=200)
    # From a new address the owner waits seconds (the slowdown), never a lock.
    async with client_at() as travelling:
        status, err, headers = await travelling.call("POST", "/api/v1/sessions", json=login)
        retry_after = assert_throttled(status, err, headers, "auth.locked")
        assert retry_after <= 10
        await gw.set_clock(await gw.system.clock_now() + timedelta(seconds=retry_after))
        await travelling.call("POST", "/api/v1/sessions", json=login, expect=200)


# ---- budgets ------------------------------------------------------------------------

async def test_card_challenges_are_limited_per_card_and_per_address(gw, client_at):
    await fresh_minute(gw)
    async with client_at() as c:
        card_no = card()[0]
        for _ in range(3):
            await c.call("GET", f"/api/v1/card-challenges?card_no={card_no}", expect=200)
        assert_throttled(*await c.call("GET", f"/api/v1/card-challenges?card_no={card_no}"))
        # Other cards from this address: 6 a minute, the refused one above included.
        for _ in range(2):
            await c.call("GET", f"/api/v1/card-challenges?card_no={card()[0]}", expect=200)
        retry_after = assert_throttled(*await c.call("GET", f"/api/v1/card-challenges?card_no={card()[0]}"))
        assert retry_after <= 60
    async with client_at() as other:   # another address is not affected
        await other.call("GET", f"/api/v1/card-challenges?card_no={card()[0]}", expect=200)
    await gw.set_clock(await gw.system.clock_now() + timedelta(seconds=retry_after))
    async with client_at(c.address) as again:   # and the window ends
        await again.call("GET", f"/api/v1/card-challenges?card_no={card_no}", expect=200)


async def test_registration_is_limited_per_phone_and_per_address(gw, client_at):
    await fresh_minute(gw)

    def form(phone: str) -> dict:
        return {"phone": phone, "sms_code": "000000", "username": f"u{uuid.uuid4().hex[:8]}",
                "password": PASSWORD, "name": "张三"}
    async with client_at() as c:
        phone = new_phone()
        for _ in range(3):
            status, err, _ = await c.call("POST", "/api/v1/users", json=form(phone))
            assert (status, err["code"]) == (422, "sms.code_invalid")
        assert_throttled(*await c.call("POST", "/api/v1/users", json=form(phone)))
        status, _, _ = await c.call("POST", "/api/v1/users", json=form(new_phone()))
        assert status == 422   # the 5th of the address's 5 an hour
        retry_after = assert_throttled(*await c.call("POST", "/api/v1/users", json=form(new_phone())))
        assert retry_after > 60


async def test_refresh_is_limited_per_account_and_per_address(gw, client_at):
    await fresh_minute(gw)
    async with client_at() as c:
        agent = await register(gw, c)
        refresh = agent["tokens"]["refresh_token"]
        for _ in range(4):
            _, pair, _ = await c.call("POST", "/api/v1/sessions/refresh", json={"refresh_token": refresh}, expect=200)
            refresh = pair["refresh_token"]
        assert_throttled(*await c.call("POST", "/api/v1/sessions/refresh", json={"refresh_token": refresh}))
    async with client_at() as flood:   # unknown tokens from one address: 12 a minute
        for _ in range(12):
            status, _, _ = await flood.call("POST", "/api/v1/sessions/refresh",
                                            json={"refresh_token": uuid.uuid4().hex})
            assert status == 401
        assert_throttled(*await flood.call("POST", "/api/v1/sessions/refresh",
                                           json={"refresh_token": uuid.uuid4().hex}))


async def test_an_address_has_a_hash_budget_before_any_argon2(gw, client_at):
    """Unknown usernames cost a full argon2 each: one address gets 10 a minute here (60 by
    default), whatever the usernames (the gateway's own login limit lets a burst of 10 through)."""
    await fresh_minute(gw)
    async with client_at() as c:
        for i in range(10):
            status, err, _ = await c.call("POST", "/api/v1/sessions", json={
                "username": f"nobody{uuid.uuid4().hex[:8]}", "password": "Whatever-pass-1"})
            assert (status, err["code"]) == (401, "auth.invalid_credentials"), i
        assert_throttled(*await c.call("POST", "/api/v1/sessions", json={
            "username": f"nobody{uuid.uuid4().hex[:8]}", "password": "Whatever-pass-1"}))
    async with client_at() as other:
        status, _, _ = await other.call("POST", "/api/v1/sessions", json={
            "username": f"nobody{uuid.uuid4().hex[:8]}", "password": "Whatever-pass-1"})
        assert status == 401


async def test_sms_budgets_are_per_purpose(gw, client_at):
    """Whoever asks ten login codes for a victim's phone does not block the victim's reset."""
    start = await fresh_minute(gw)
    async with client_at() as victim:
        agent = await register(gw, victim)
    for i in range(10):
        async with client_at() as attacker:
            await gw.set_clock(start + timedelta(minutes=12, seconds=5) * (i + 1))
            status, body, _ = await attacker.call("POST", "/api/v1/sms-codes",
                                                  json={"phone": agent["phone"], "purpose": "login"})
            assert status == 202, (i, body, await gw.system.clock_now())
    async with client_at() as attacker:
        status, body, headers = await attacker.call("POST", "/api/v1/sms-codes",
                                                    json={"phone": agent["phone"], "purpose": "login"})
    assert assert_throttled(status, body, headers, "sms.rate_limited") > 3600
    async with client_at() as v:
        code = await code_for(gw, v, agent["phone"], "reset_password")
        await v.call("POST", "/api/v1/password-resets", expect=204,
                     json={"phone": agent["phone"], "sms_code": code, "new_password": "Another-Pass-77"})


# ---- sessions -------------------------------------------------------------------------

async def test_a_session_ends_after_its_absolute_lifetime_however_often_refreshed(gw, client_at):
    start = await fresh_minute(gw)
    async with client_at() as c:
        agent = await register(gw, c)
        refresh = agent["tokens"]["refresh_token"]
        for days in (14, 28):   # each refresh well inside the 30-day sliding window
            await gw.set_clock(start + timedelta(days=days))
            _, pair, _ = await c.call("POST", "/api/v1/sessions/refresh", json={"refresh_token": refresh}, expect=200)
            refresh = pair["refresh_token"]
        await gw.set_clock(start + timedelta(days=30, minutes=1))
        status, err, _ = await c.call("POST", "/api/v1/sessions/refresh", json={"refresh_token": refresh})
        assert (status, err["code"]) == (401, "auth.token_expired")
        # Logging in again starts a new session.
        await c.call("POST", "/api/v1/sessions", expect=200, json={"username": agent["username"], "password": PASSWORD})
