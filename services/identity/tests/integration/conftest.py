"""Fixtures for identity's integration tests: the real app on the session's PostgreSQL
database and RabbitMQ vhost, with cheap argon2, and an ``Api`` helper that drives it over
HTTP. Tests share one database, so every phone, username, card and client IP is random."""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient

from shared.contracts.identity import VERIFICATION_CODE_REQUESTED
from testsupport.generators import new_phone
from testsupport.harness import ServiceHarness

from identity.app import create_app
from identity.settings import IdentitySettings

CHEAP_ARGON2 = dict(argon2_time_cost=1, argon2_memory_cost=8, argon2_parallelism=1)
# Tests share one database and many call from loopback: the request budgets are raised out
# of the way here; the tests of the budgets (test_throttles.py) set their own.
ROOMY_BUDGETS = dict(hash_per_address_per_minute=100000, hash_per_address_per_hour=100000,
                     card_challenges_per_address_per_minute=100000, card_challenges_per_address_per_hour=100000,
                     registrations_per_address_per_hour=100000, refreshes_per_address_per_minute=100000)
PASSWORD = "Correct-Horse-Battery-9"


def random_username() -> str:
    return "u" + uuid.uuid4().hex[:12]


def random_ip() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


@dataclass
class Account:
    id: str
    username: str
    phone: str
    password: str
    name: str
    tokens: dict = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['access_token']}"}


class Api(ServiceHarness):
    """Drives one identity app (the common verbs: testsupport.harness). Requests for SMS
    codes come through the (loopback, hence trusted) test peer with an X-Real-IP of this
    test's own, so per-IP limits never mix."""

    # Test modules cannot import conftest (importlib mode): they reach these through ``api``.
    new_phone = staticmethod(new_phone)
    new_username = staticmethod(random_username)
    new_ip = staticmethod(random_ip)
    PASSWORD = PASSWORD

    def __init__(self, client: TestClient, tokens=None) -> None:
        super().__init__(client, tokens)
        self.ip = random_ip()

    # --- clock -------------------------------------------------------------------------
    async def now(self) -> datetime:
        return await self.read_clock()

    async def set_clock(self, instant: datetime | None) -> None:
        await self.put_clock(instant)

    async def move_clock(self, delta: timedelta) -> None:
        await self.set_clock(await self.now() + delta)

    # --- SMS codes ---------------------------------------------------------------------
    async def request_code(self, phone: str, purpose: str = "register", *, ip: str | None = None):
        return await self.client.post("/api/v1/sms-codes", json={"phone": phone, "purpose": purpose},
                                      headers={"X-Real-IP": ip or self.ip})

    async def sent_events(self, phone: str, purpose: str | None = None) -> list[dict]:
        """The verification-code events in identity's outbox for this phone, newest first."""
        return await self.outbox_events(VERIFICATION_CODE_REQUESTED, newest_first=True, phone=phone, purpose=purpose)

    async def new_code(self, phone: str, purpose: str = "register") -> str:
        """Ask for a code and read it where the notifier would: from the event."""
        r = await self.request_code(phone, purpose)
        assert r.status == 202, await r.text()
        return (await self.sent_events(phone, purpose))[0]["data"]["code"]

    # --- accounts ----------------------------------------------------------------------
    async def register(self, *, phone: str | None = None, username: str | None = None,
                       password: str = PASSWORD, name: str = "张三", code: str | None = None, **extra):
        phone = phone or new_phone()
        code = code or await self.new_code(phone)
        body = {"phone": phone, "sms_code": code, "username": username or random_username(),
                "password": password, "name": name, **extra}
        return await self.client.post("/api/v1/users", json=body)

    async def account(self, *, logged_in: bool = True, **kw) -> Account:
        password = kw.pop("password", PASSWORD)
        r = await self.register(password=password, **kw)
        assert r.status == 201, await r.text()
        user = await r.json()
        acc = Account(user["id"], user["username"], user["phone"], password, user["name"])
        if logged_in:
            acc.tokens = await (await self.login(acc.username, password)).json()
        return acc

    async def login(self, username: str, password: str):
        return await self.client.post("/api/v1/sessions", json={"username": username, "password": password})

    async def refresh(self, token: str):
        return await self.client.post("/api/v1/sessions/refresh", json={"refresh_token": token})

    async def me(self, token: str):
        return await self.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def identity_settings(settings_for):
    def build(**overrides) -> IdentitySettings:
        # Tests read codes from the outbox as the notifier would get them: keep the rows here
        # (production purges them once confirmed; test_sms_codes checks that separately).
        return settings_for(IdentitySettings, **{**CHEAP_ARGON2, **ROOMY_BUDGETS, "outbox_purge_types": [],
                                                 **overrides})
    return build


@pytest.fixture
async def api(start_service, identity_settings) -> Api:
    return await start_service(create_app, identity_settings(), harness=Api)


@pytest.fixture
def api_for():
    """An ``Api`` over another client (another app, e.g. a second replica)."""
    return Api
