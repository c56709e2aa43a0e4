"""The allocator against the real PostgreSQL and RabbitMQ: the app (API + consumer) on the
session's database and vhost, a bus to publish ``allocation.requested`` at it, a probe
queue bound to ``allocation.completed``, and a fake booking serving the snapshot documents
the requests name (its internal route, with the services' token). Test modules cannot
import this file (--import-mode=importlib): everything is handed out through fixtures."""
from __future__ import annotations

import asyncio
import random
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import orjson
import pytest

from shared.contracts.booking import (ALLOCATION_REQUESTED, AllocationRequested)
from shared.events import make_envelope
from testsupport.booking_snapshots import SnapshotRoute, document
from testsupport.harness import ServiceHarness
from testsupport.messaging import bound_queue, bus

from allocator.app import create_app
from allocator.consumers.requests import QUEUE
from allocator.settings import AllocatorSettings

SHANGHAI = timezone(timedelta(hours=8))
OPENED = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)
AM = {"code": "AM", "start": "09:00", "end": "11:30", "queue_prefix": "A"}
PM = {"code": "PM", "start": "13:30", "end": "17:00", "queue_prefix": "B"}
TINY_CENTER = "t-tiny"   # one desk (ALLOCATOR_CENTERS): a day that does not fit is easy to make
COUNTED = ["RENEW_UNLOCK", "DECLARANT_CARD", "OPERATOR_CARD", "REISSUE_CARD"]


# ---- snapshots ---------------------------------------------------------------------------

def booking(booking_id: str, *, period: str = "AM", minute: int = 0, lines: int = 1,
            businesses: list[dict] | None = None) -> dict:
    """A booking created ``minute`` minutes after bookings opened, with ``lines`` enterprises
    each carrying ``businesses`` (one RENEW_UNLOCK of 2 cards by default: 3 + 3 + 2 = 8 min)."""
    return {"id": booking_id, "period": period,
            "created_at": (OPENED + timedelta(minutes=minute)).isoformat(),
            "enterprises": [{"org_code": f"{n:02d}{zlib.crc32(booking_id.encode()) % 10**6:06d}X",
                             "name": f"企业{n}", "status": "active",
                             "businesses": businesses or [{"type": "RENEW_UNLOCK", "count": 2}]}
                            for n in range(lines)]}


def snapshot(center: str, day: str, bookings: list[dict], *, cutoff_id: str | None = None,
             closed_at: datetime | None = None, periods: list[dict] | None = None) -> dict:
    """The ``data`` of allocation.requested, as booking writes it."""
    return {"center": center, "date": day, "cutoff_id": cutoff_id or f"cutoff-{uuid.uuid4().hex[:8]}",
            "closed_at": (closed_at or datetime(2026, 11, 30, 7, 0, tzinfo=timezone.utc)).isoformat(),
            "periods": periods or [AM, PM], "bookings": bookings}


def busy_day(center: str, day: str, count: int, seed: int = 7) -> dict:
    """``count`` bookings of 1-10 enterprises each (seeded), business types as booking allows."""
    rng = random.Random(seed)
    items = []
    for i in range(count):
        lines = []
        for _ in range(rng.randint(1, 10)):
            roll = rng.random()
            if roll < 0.1:
                businesses = [{"type": "PRE_ENTRY"}]
            elif roll < 0.25:
                businesses = [{"type": "NEW_CARD"}]
            else:
                picked = rng.sample(COUNTED + ["BUY_READER"], rng.randint(1, 3))
                businesses = [{"type": t, "count": rng.randint(1, 5)} if t in COUNTED else {"type": t}
                              for t in picked]
            lines.append({"org_code": f"{rng.randrange(10**8):08d}X", "name": "", "status": "active",
                          "businesses": businesses})
        items.append({"id": f"bk-{i:06d}", "period": rng.choice(("AM", "PM")),
                      "created_at": (OPENED + timedelta(seconds=rng.randrange(172800))).isoformat(),
                      "enterprises": lines})
    return snapshot(center, day, items)


@dataclass
class FakeBooking(SnapshotRoute):
    """Booking's internal route as the allocator sees it (testsupport.booking_snapshots: the
    documents, ``request(day)``, ``down``, ``calls``), at ``url``."""
    url: str = ""


def envelope_of(fake: FakeBooking):
    def envelope(data: dict, *, event_id: uuid.UUID | None = None):
        return make_envelope(ALLOCATION_REQUESTED, AllocationRequested.model_validate(fake.request(data)),
                             producer="booking", version=AllocationRequested.event_version,
                             correlation_id=f"test-{uuid.uuid4().hex[:8]}", event_id=event_id)
    return envelope


def raw_envelope_of(fake: FakeBooking):
    def raw_envelope(data: dict) -> tuple[uuid.UUID, bytes]:
        """The envelope as bytes without pydantic (20,000 bookings validate slowly in a test)."""
        event_id = uuid.uuid4()
        body = orjson.dumps({"id": str(event_id), "type": ALLOCATION_REQUESTED,
                             "version": AllocationRequested.event_version,
                             "occurred_at": datetime.now(timezone.utc).isoformat(), "producer": "booking",
                             "correlation_id": f"test-{event_id.hex[:8]}", "causation_id": None,
                             "data": fake.request(data)})
        return event_id, body
    return raw_envelope


# ---- the service and the broker ------------------------------------------------------------

@dataclass
class Probe:
    """``allocation.completed`` events as they arrive, by the request (causation) they answer."""
    queue: object
    seen: dict[str, list[dict]] = field(default_factory=dict)

    async def _pull(self) -> bool:
        msg = await self.queue.get(fail=False, no_ack=True)
        if msg is None:
            return False
        event = orjson.loads(msg.body)
        self.seen.setdefault(event.get("causation_id"), []).append(event)
        return True

    async def completed(self, request_id: uuid.UUID, timeout: float = 30.0) -> dict:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        key = str(request_id)
        while not self.seen.get(key):
            if loop.time() > deadline:
                raise AssertionError(f"no allocation.completed for request {key} in {timeout} s")
            if not await self._pull():
                await asyncio.sleep(0.05)
        return self.seen[key][0]

    async def all_for(self, request_id: uuid.UUID, settle: float = 1.0) -> list[dict]:
        """Everything answering ``request_id`` once nothing more came for ``settle`` seconds."""
        loop = asyncio.get_running_loop()
        quiet_until = loop.time() + settle
        while loop.time() < quiet_until:
            if await self._pull():
                quiet_until = loop.time() + settle
            else:
                await asyncio.sleep(0.05)
        return self.seen.get(str(request_id), [])


class Allocator(ServiceHarness):
    """The allocator app (the common verbs, ``fetch`` and ``fetchval`` among them:
    testsupport.harness) with a bus to publish requests on and a probe of what it answers."""

    def __init__(self, client, tokens, bus, probe: Probe) -> None:
        super().__init__(client, tokens)
        self.bus = bus
        self.probe = probe

    async def publish(self, env) -> uuid.UUID:   # a made envelope: kit.envelope
        await self.send(env, via=self.bus)
        return env.id

    async def publish_raw(self, event_id: uuid.UUID, body: bytes) -> uuid.UUID:
        await self.bus.publish(body, ALLOCATION_REQUESTED, message_id=str(event_id))
        return event_id


@pytest.fixture
async def fake_booking(aiohttp_server) -> FakeBooking:
    fake = FakeBooking()
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
def allocator_settings(settings_for, token_factory, fake_booking) -> AllocatorSettings:
    return settings_for(AllocatorSettings, jwks_url=token_factory.jwks_url, consumer_max_attempts=3,
                        centers=[{"id": TINY_CENTER, "desks": 1}], booking_url=fake_booking.url,
                        internal_api_token=fake_booking.token)


@pytest.fixture
async def allocator(start_service, allocator_settings):
    """The allocator app (HTTP API and consumer) running, plus a publishing bus and a probe."""
    async with bus(allocator_settings.amqp_url, exchange=allocator_settings.events_exchange) as b:
        probe = Probe(await bound_queue(b, "allocation.completed"))
        yield await start_service(create_app, allocator_settings, consumers=True,
                                  harness=lambda client, tokens: Allocator(client, tokens, b, probe))


@pytest.fixture
def kit(fake_booking):
    return SimpleNamespace(booking=booking, snapshot=snapshot, busy_day=busy_day, envelope=envelope_of(fake_booking),
                           raw_envelope=raw_envelope_of(fake_booking), document=document, QUEUE=QUEUE,
                           TINY_CENTER=TINY_CENTER, AM=AM, PM=PM)
