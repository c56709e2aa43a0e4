"""The booking service running for real (PostgreSQL, RabbitMQ, JWKS over HTTP), driven
through its HTTP API. Fixtures rather than importable helpers: pytest runs with
--import-mode=importlib.

Every test gets its own center (a fresh id in BOOKING_CENTERS), so capacity counters,
calendar overrides and the one-per-period/one-per-date rules of one test never meet
another's, although all tests share the session's database. Agents, phones and
enterprise codes are random too (the directory is shared by all centers).
"""
from __future__ import annotations

import asyncio
import random
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from booking.app import create_app
from booking.domain.org_codes import org_code_check_char, uscc_check_char
from booking.settings import BookingSettings
from shared.app import RUNTIME_KEY
from shared.events import make_envelope
from shared.testing.messaging import bus

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A plain week without holidays: Monday 17 November 2025, 10:00 in Qingdao. On that day
# the bookable dates are Tuesday 18 and Wednesday 19 (cutoffs: Mon 15:00, Tue 15:00).
MONDAY_10AM = datetime(2025, 11, 17, 10, 0, tzinfo=SHANGHAI)
TUESDAY = date(2025, 11, 18)
WEDNESDAY = date(2025, 11, 19)


def new_org_code() -> str:
    # 31^8 bodies, so tests sharing the session's enterprise directory do not collide;
    # without I, O, Z, S, V, so that every code also fits in a credit code.
    body = "".join(random.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=8))
    return body + org_code_check_char(body)


def credit_code_for(org_code: str) -> str:
    body = "91370200" + org_code
    return body + uscc_check_char(body)


def new_phone() -> str:
    return f"1{random.choice('3456789')}{random.randrange(10**9):09d}"


class Service:
    """One booking app, its center, its clock, and ways to act as agents and admins."""

    def __init__(self, client, tokens, center: str, amqp_url: str) -> None:
        self.client = client
        self.amqp_url = amqp_url
        self.tokens = tokens
        self.center = center
        self.now = datetime.now(SHANGHAI)
        self.tuesday, self.wednesday = TUESDAY, WEDNESDAY

    @property
    def runtime(self):
        return self.client.app[RUNTIME_KEY]

    @property
    def db(self):
        return self.runtime.db

    async def at(self, instant: datetime) -> None:
        r = await self.client.put("/_test/clock", json={"now": instant.isoformat()})
        assert r.status == 200, await r.text()
        self.now = instant

    # --- events from other services ----------------------------------------------------

    async def publish(self, type_: str, data, **envelope):
        """Publish an event as its producer would, once this app's consumers are bound
        (an event published earlier would find no queue)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while len(self.runtime.consumers) < len(self.runtime.queue_specs):
            assert loop.time() < deadline, "the consumers did not start"
            await asyncio.sleep(0.05)
        env = make_envelope(type_, data, producer=envelope.pop("producer", "test"), **envelope)
        async with bus(self.amqp_url, exchange=self.runtime.settings.events_exchange) as b:
            await b.publish(env.model_dump_json().encode(), env.type, message_id=str(env.id))
        return env

    async def handled(self, env) -> bool:
        """Whether a consumer of this app handled the event (its inbox row commits with the
        handler's effects; a failing handler leaves none)."""
        async with self.db.connection() as conn:
            return bool(await conn.fetchval("SELECT true FROM inbox WHERE event_id = $1", env.id))

    # --- who is asking ------------------------------------------------------------------

    def headers(self, user_id: str, roles=("agent",), **extra: str) -> dict[str, str]:
        # Issued at the service's clock, which checks expiry; valid for a month so that a
        # test can move the clock on and keep acting as the same agent.
        return {**self.tokens.headers(user_id, roles, now=self.now.timestamp(), ttl=30 * 86400), **extra}

    def agent(self, **extra: str) -> dict[str, str]:
        """A new agent each call."""
        return self.headers(str(uuid.uuid4()), **extra)

    def admin(self) -> dict[str, str]:
        return self.headers(str(uuid.uuid4()), ("agent", "admin"))

    # --- bookings -----------------------------------------------------------------------

    def body(self, day: date = TUESDAY, period: str = "AM", *, codes=None, phone: str | None = None,
             lines: int = 1, **overrides) -> dict:
        codes = codes or [new_org_code() for _ in range(lines)]
        body = {"center": self.center, "date": day.isoformat(), "period": period, "contact_name": "张三",
                "contact_phone": phone or new_phone(),
                "enterprises": [{"org_code": c, "businesses": [{"type": "RENEW_UNLOCK", "count": 2}]}
                                for c in codes]}
        body.update(overrides)
        return body

    async def book(self, headers: dict[str, str], body: dict | None = None, **kw):
        return await self.client.post("/api/v1/bookings", json=body or self.body(**kw), headers=headers)

    async def booked(self, headers: dict[str, str], body: dict | None = None, **kw) -> dict:
        r = await self.book(headers, body, **kw)
        assert r.status == 201, await r.text()
        return await r.json()

    async def set_capacity(self, day: date, period: str, capacity: int) -> None:
        r = await self.client.put("/api/v1/admin/capacity", headers=self.admin(), json={
            "center": self.center, "date": day.isoformat(), "period": period, "capacity": capacity})
        assert r.status == 200, await r.text()

    async def calendar_day(self, day: date) -> dict:
        r = await self.client.get("/api/v1/calendar", params={
            "center": self.center, "from": day.isoformat(), "to": day.isoformat()})
        assert r.status == 200, await r.text()
        [found] = (await r.json())["days"]
        return found

    async def remaining(self, day: date, period: str) -> int:
        found = await self.calendar_day(day)
        return next(p["remaining"] for p in found["periods"] if p["code"] == period)


@pytest.fixture
async def service(aiohttp_client, settings_for, token_factory, amqp_url):
    center = f"t{uuid.uuid4().hex[:10]}"
    settings = settings_for(BookingSettings, jwks_url=token_factory.jwks_url,
                            centers=[{"id": center}])
    client = await aiohttp_client(create_app(settings))
    svc = Service(client, token_factory, center, amqp_url)
    await svc.at(MONDAY_10AM)
    yield svc


async def problem(response, status: int) -> dict:
    """The problem document of a refusal, after checking its status and media type."""
    assert response.status == status, await response.text()
    assert response.content_type == "application/problem+json"
    return await response.json()


@pytest.fixture
def refused():
    return problem


async def _eventually(check, timeout: float = 15.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if result or loop.time() > deadline:
            return result
        await asyncio.sleep(0.05)


@pytest.fixture
def eventually():
    """``await eventually(async_check)``: the check's first truthy result, polled."""
    return _eventually


@pytest.fixture
def org_codes():
    return lambda n=1: [new_org_code() for _ in range(n)]


@pytest.fixture
def phones():
    return new_phone


@pytest.fixture
def credit_code():
    return credit_code_for
