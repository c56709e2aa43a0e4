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
import hashlib
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
import pytest

from booking.app import CONTEXT_KEY, create_app
from booking.settings import BookingSettings
from shared.contracts.allocator import ALLOCATION_COMPLETED, AllocationCompleted, Assignment
from testsupport.generators import credit_code_for, new_org_code, new_phone
from testsupport.harness import ServiceHarness
from testsupport.messaging import bound_queue, bus, wait_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A plain week without holidays: Monday 17 November 2025, 10:00 in Qingdao. On that day
# the bookable dates are Tuesday 18 and Wednesday 19 (cutoffs: Mon 15:00, Tue 15:00).
MONDAY_10AM = datetime(2025, 11, 17, 10, 0, tzinfo=SHANGHAI)
INTERNAL_TOKEN = "booking-tests-internal-token"   # INTERNAL_API_TOKEN of these apps (and their allocator)
TUESDAY = date(2025, 11, 18)
WEDNESDAY = date(2025, 11, 19)


class Service(ServiceHarness):
    """One booking app, its center, its clock, and ways to act as agents and admins (the
    common verbs: testsupport.harness)."""

    context_key = CONTEXT_KEY   # ``ctx``: the app's BookingContext, to call a use case directly

    def __init__(self, client, tokens, center: str, now: datetime = MONDAY_10AM) -> None:
        super().__init__(client, tokens)
        self.center = center
        self.now = now
        self.tuesday, self.wednesday = TUESDAY, WEDNESDAY

    async def at(self, instant: datetime) -> None:
        await self.put_clock(instant)
        self.now = instant

    def set_clock(self, instant: datetime) -> None:
        """Move the clock without a request (several apps at the same moment)."""
        self.hold_clock(instant)
        self.now = instant

    # --- who is asking ------------------------------------------------------------------

    def headers(self, user_id: str, roles=("agent",), **extra: str) -> dict[str, str]:
        # Issued at the service's clock, which checks expiry; valid for a month so that a
        # test can move the clock on and keep acting as the same agent.
        return {**self.bearer(user_id, roles, now=self.now.timestamp(), ttl=30 * 86400), **extra}

    def agent(self, **extra: str) -> dict[str, str]:
        """A new agent each call."""
        return self.headers(str(uuid.uuid4()), **extra)

    def admin(self) -> dict[str, str]:
        return self.headers(str(uuid.uuid4()), ("agent", "admin"))

    def staff(self) -> dict[str, str]:
        return self.headers(str(uuid.uuid4()), ("agent", "staff"))

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

    async def get_booking(self, headers: dict[str, str], booking_id: str) -> dict:
        r = await self.client.get(f"/api/v1/bookings/{booking_id}", headers=headers)
        assert r.status == 200, await r.text()
        return await r.json()

    # --- the cutoff and the desk --------------------------------------------------------

    async def cutoff(self, day: date) -> dict:
        r = await self.client.get(f"/api/v1/admin/cutoffs/{self.center}/{day.isoformat()}", headers=self.admin())
        assert r.status == 200, await r.text()
        return await r.json()

    async def cutoff_reaches(self, day: date, status: str, requests: int = 1, timeout: float = 20.0) -> dict:
        """The date's cutoff state once it is ``status`` after ``requests`` requests."""
        async def check():
            state = await self.cutoff(day)
            return state if (state["status"], state["requests"]) == (status, requests) else None
        state = await wait_for(check, timeout)
        assert state, f"{day} never became {status} after {requests} request(s): {await self.cutoff(day)}"
        return state

    async def run_cutoff(self, day: date):
        return await self.client.post("/api/v1/admin/cutoffs", headers=self.admin(),
                                      json={"center": self.center, "date": day.isoformat()})

    async def allocation_completed(self, day: date, cutoff_id: str, assignments: list[dict],
                                   center: str | None = None):
        """Answer a cutoff as the allocator would, and wait until it is handled. An
        assignment: ``{booking_id, period, desk, start, end, queue_number}``."""
        env = await self.publish(ALLOCATION_COMPLETED, AllocationCompleted(
            center=center or self.center, date=day, cutoff_id=cutoff_id, run_id=str(uuid.uuid4()),
            snapshot_fingerprint="test", changed=True, assignments=[Assignment(**a) for a in assignments],
            overflow_count=0, completed_at=self.now), producer="allocator")
        assert await wait_for(lambda: self.handled(env)), "allocation.completed was not handled"
        return env

    async def snapshot(self, requested: dict) -> dict:
        """The day an ``allocation.requested`` names, fetched as the allocator fetches it
        (booking's internal route, the services' token) and checked against the event: the
        header's fields and ``bookings``."""
        r = await self.client.get(requested["snapshot_path"], headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"})
        assert r.status == 200, await r.text()
        body = await r.read()
        assert (hashlib.sha256(body).hexdigest(), len(body)) == (requested["snapshot_sha256"],
                                                                requested["snapshot_bytes"])
        header, *bookings = [orjson.loads(line) for line in body.splitlines()]
        return {**header, "bookings": bookings}

    async def desk(self, action: str, booking_id: str, headers: dict[str, str] | None = None):
        return await self.client.post(f"/api/v1/desk/bookings/{booking_id}/{action}",
                                      headers=headers or self.staff())

    async def rights_of(self, headers: dict[str, str]) -> dict:
        r = await self.client.get("/api/v1/me/booking-rights", headers=headers)
        assert r.status == 200, await r.text()
        return await r.json()

    async def outbox(self, type_: str, booking_ids) -> list[dict]:
        """The ``data`` of this app's outbox rows of ``type_`` about ``booking_ids``."""
        return [e["data"] for e in await self.outbox_events(type_, booking_id=list(booking_ids))]


@pytest.fixture
def start_booking(start_service):
    """``await start_booking(center, now)``: a booking app serving ``center`` whose clock
    reads ``now`` from before it starts (its scheduler's first pass included). Two calls
    with one center are two replicas on the same database and broker."""
    async def start(center: str | None = None, now: datetime = MONDAY_10AM, **overrides) -> Service:
        center = center or f"t{uuid.uuid4().hex[:10]}"
        return await start_service(create_app, BookingSettings, now=now, centers=[{"id": center}],
                                   harness=lambda client, tokens: Service(client, tokens, center, now),
                                   **{"internal_api_token": INTERNAL_TOKEN, **overrides})
    return start


@pytest.fixture
async def service(start_booking):
    svc = await start_booking()
    await svc.at(MONDAY_10AM)
    yield svc


@pytest.fixture
async def allocator(start_service, service):
    """The allocator app (another service, used as it is) on the same database and broker,
    fetching each requested day from ``service``'s internal route; its consumer bound
    before the test goes on."""
    from allocator.app import create_app as create_allocator
    from allocator.settings import AllocatorSettings
    booking_url = str(service.client.make_url("")).rstrip("/")
    started = await start_service(create_allocator, AllocatorSettings, consumers=True, booking_url=booking_url,
                                  internal_api_token=INTERNAL_TOKEN)
    return started.client


@pytest.fixture
async def probe(settings_for, amqp_url):
    """``await probe(*routing_keys)``: an exclusive queue on the events exchange that
    collects what is published from now on (read it with testsupport.messaging.drain)."""
    exchange = settings_for(BookingSettings).events_exchange
    async with bus(amqp_url, exchange=exchange) as b:
        async def bind(*keys: str):
            return await bound_queue(b, *keys)
        yield bind


async def problem(response, status: int) -> dict:
    """The problem document of a refusal, after checking its status and media type."""
    assert response.status == status, await response.text()
    assert response.content_type == "application/problem+json"
    return await response.json()


@pytest.fixture
def refused():
    return problem


@pytest.fixture
def eventually():
    """``await eventually(async_check)``: the check's first truthy result, polled."""
    return wait_for


@pytest.fixture
def org_codes():
    return lambda n=1: [new_org_code() for _ in range(n)]


@pytest.fixture
def phones():
    return new_phone


@pytest.fixture
def credit_code():
    return credit_code_for


async def _collect(queue, done, timeout: float = 20.0, settle: float = 0.5) -> list[dict]:
    """Envelopes (decoded) from a probe queue until ``done(envelopes)`` holds, then for a
    quiet ``settle`` more, so a duplicate arriving just after would be caught too."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    got: list[dict] = []
    quiet_until = None
    while loop.time() < deadline:
        msg = await queue.get(fail=False, no_ack=True)
        if msg is not None:
            got.append(orjson.loads(msg.body))
            if quiet_until is not None:
                quiet_until = loop.time() + settle
            continue
        if quiet_until is None and done(got):
            quiet_until = loop.time() + settle
        if quiet_until is not None and loop.time() >= quiet_until:
            return got
        await asyncio.sleep(0.05)
    return got


@pytest.fixture
def collect():
    """``await collect(queue, done)``: see _collect."""
    return _collect


# --- 叫号 (issue 18) ---------------------------------------------------------------------

TUESDAY_0850 = datetime(2025, 11, 18, 8, 50, tzinfo=SHANGHAI)


@pytest.fixture
def calling_day():
    """``await calling_day(service, [(desk, "A001"), ...])``: Tuesday bookings allocated by
    hand to these desks and numbers (AM for A.., PM for B..), then the clock at 08:50 on
    Tuesday and every one checked in, ten seconds apart in the order given. Returns the
    bookings (with ``agent``: the agent's headers), in that order."""
    async def make(service, places: list[tuple[int, str]], *, check_in: bool = True) -> list[dict]:
        agents = [service.agent() for _ in places]
        made = [await service.booked(agent, period="AM" if number.startswith("A") else "PM")
                for agent, (_, number) in zip(agents, places)]
        r = await service.run_cutoff(service.tuesday)
        assert r.status in (200, 201, 202), await r.text()
        await service.allocation_completed(service.tuesday, (await r.json())["cutoff_id"], [
            {"booking_id": b["id"], "period": b["period"], "desk": desk, "start": "09:00" if b["period"] == "AM"
             else "13:30", "end": "09:30" if b["period"] == "AM" else "14:00", "queue_number": number}
            for b, (desk, number) in zip(made, places)])
        await service.at(TUESDAY_0850)
        if check_in:
            clerk = service.staff()
            for i, b in enumerate(made):
                service.set_clock(TUESDAY_0850 + timedelta(seconds=10 * i))
                r = await service.desk("check-in", b["id"], clerk)
                assert r.status == 200, await r.text()
        return [{**b, "agent": agent, "number": number, "desk": desk}
                for b, agent, (desk, number) in zip(made, agents, places)]
    return make


async def _desk_call(service, clerk: dict[str, str], action: str):
    return await service.client.post(f"/api/v1/desk/{action}", json={"center": service.center}, headers=clerk)


@pytest.fixture
def desk_call():
    """``await desk_call(service, clerk, "call" | "recall" | "skip")``: the response."""
    return _desk_call


@pytest.fixture
def take_desk():
    """``await take_desk(service, desk)``: a new clerk's headers, at that desk."""
    async def take(service, desk: int) -> dict[str, str]:
        clerk = service.staff()
        r = await service.client.post("/api/v1/desk/shift", json={"center": service.center, "desk": desk},
                                      headers=clerk)
        assert r.status == 200, await r.text()
        return clerk
    return take
