"""One trace per booking and per cutoff, across every process: the whole system runs (four
service processes behind nginx, the real PostgreSQL and RabbitMQ, the fake SMS provider)
with ``OTEL_EXPORTER_OTLP_ENDPOINT`` pointing at an OTLP/HTTP receiver the test runs, and
the spans every process exported are put back into their trees.

A booking: gateway -> booking's HTTP span -> booking's outbox relay -> notifier's consumer
-> the SMS send and its provider call (the fake provider records the traceparent it got)
-> notifier's outbox relay (notification.delivered) -> booking's consumer. A cutoff:
booking's scheduler -> booking's relay -> allocator -> allocator's relay -> booking's
allocation consumer -> booking's relay -> every allocation SMS, and its delivery back."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from testsupport.notifier.fake_provider import run_fake_provider
from testsupport.generators import new_org_code, new_phone
from testsupport.journeys import Gateway
from testsupport.otlp_receiver import ReceivedSpan, run_otlp_receiver, wait_for_spans
from testsupport.system_fixtures import isolated_system

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
TUESDAY = (MONDAY + timedelta(days=1)).date().isoformat()
SERVER, CLIENT = 2, 3   # opentelemetry.proto SpanKind


@pytest.fixture(scope="module")
async def otlp():
    async with run_otlp_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
async def sms_provider():
    async with run_fake_provider() as fake:
        yield fake


@pytest.fixture(scope="module")
async def traced(infra_urls, tmp_path_factory, sms_provider, mint, otlp):
    async with isolated_system(infra_urls, tmp_path_factory.mktemp("traced"), sms_provider, mint,
                               OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url, OTEL_BSP_SCHEDULE_DELAY="200",
                               TRACING_DB_QUERIES="true") as s:
        yield s


@pytest.fixture
async def gw(traced, sms_provider):
    async with aiohttp.ClientSession() as http:
        yield Gateway(traced, http, sms_provider.state)


def ancestry(spans: list[ReceivedSpan], leaf: ReceivedSpan) -> list[ReceivedSpan]:
    """``leaf`` and its ancestors up to the first one whose parent was not exported."""
    by_id = {s.span_id: s for s in spans}
    chain = [leaf]
    while chain[-1].parent_span_id in by_id:
        chain.append(by_id[chain[-1].parent_span_id])
    return chain


def hops(chain: list[ReceivedSpan]) -> list[str]:
    """The hops a chain (leaf first) went through, root first, as ``service:name``."""
    return [f"{s.service}:{s.name}" for s in reversed(chain)]


def assert_in_order(got: list[str], wanted: list[str]) -> None:
    it = iter(got)
    missing = [w for w in wanted if not any(g == w for g in it)]
    assert not missing, f"hops missing or out of order: {missing}\nchain: {got}"


def relay_of(service: str, event_type: str):
    return lambda s: (s.service == service and s.name == "outbox.relay"
                      and s.attributes.get("messaging.destination.name") == event_type)


async def make_booking(gw: Gateway, phone: str, day: str = TUESDAY) -> tuple[dict, str]:
    agent = await gw.register()
    code = new_org_code()
    await gw.call("POST", "/api/v1/me/enterprises", agent=agent, json={"code": code, "name": f"青岛{code}有限公司"},
                  expect=201)
    body = {"date": day, "period": "AM", "contact_name": "李四", "contact_phone": phone,
            "enterprises": [{"org_code": code, "businesses": [{"type": "NEW_CARD"}]}]}
    async with gw.http.post(gw.url + "/api/v1/bookings", json=body,
                            headers={**agent.auth, "Idempotency-Key": uuid.uuid4().hex}) as r:
        assert r.status == 201, await r.text()
        return await r.json(), r.headers["X-Request-ID"]


def provider_trace_ids(gw: Gateway, phone: str, contains: str) -> list[tuple[str, str]]:
    """(trace id, parent span id) of the traceparent each matching SMS's provider call carried."""
    refs = {m.ref for m in gw.sms.messages_for(phone) if contains in m.text}
    got = []
    for call in gw.sms.calls:
        if call.ref in refs and call.status == 200:
            assert call.traceparent, "the provider call carried no traceparent"
            _, trace_id, parent, _ = call.traceparent.split("-")
            got.append((trace_id, parent))
    return got


async def test_one_booking_is_one_trace_from_the_gateway_to_the_delivery_event(gw, otlp):
    await gw.set_clock(MONDAY)
    phone = new_phone()
    booking, request_id = await make_booking(gw, phone)
    # nginx started the trace: its id is the request id the client got back
    trace_id = request_id

    assert await gw.wait_sms(phone, "成功预约")
    [(sent_trace, provider_parent)] = provider_trace_ids(gw, phone, "成功预约")
    assert sent_trace == trace_id

    back_in_booking = lambda s: s.service == "booking" and s.name == "booking.notification-events process"  # noqa: E731

    def whole(r) -> bool:
        """The last hop arrived and every span above it too (each process exports in its
        own batches, so a later hop can arrive before an earlier one), the provider call too."""
        spans = r.trace(trace_id)
        leaves = [s for s in spans if back_in_booking(s)]
        return bool(leaves) and ancestry(spans, leaves[0])[-1].kind == SERVER \
            and any(s.span_id == provider_parent for s in spans)
    assert await wait_for_spans(otlp, whole), \
        f"the delivery never came back to booking in trace {trace_id}: {hops(otlp.trace(trace_id))}"
    spans = otlp.trace(trace_id)
    chain = ancestry(spans, next(filter(back_in_booking, spans)))
    # the root is booking's HTTP span, whose parent is the span id nginx made up
    assert chain[-1].service == "booking" and chain[-1].kind == SERVER and chain[-1].parent_span_id == request_id[16:]
    assert_in_order(hops(chain), [
        "booking:POST /api/v1/bookings",
        "booking:outbox.relay",
        "notifier:notifier.sms process",
        "notifier:sms.send",
        "notifier:outbox.relay",
        "booking:booking.notification-events process",
    ])
    assert any(map(relay_of("booking", "booking.confirmed"), chain))
    assert any(map(relay_of("notifier", "notification.delivered"), chain))
    # the provider call is a client span under the send, and the traceparent the provider
    # got names it
    call = next(s for s in spans if s.span_id == provider_parent)
    assert call.service == "notifier" and call.kind == CLIENT
    assert "notifier:sms.send" in hops(ancestry(spans, call))
    assert chain[-1] in ancestry(spans, call)
    # the queries of the request (asyncpg's instrumentation) are in it, without BEGIN/COMMIT
    queries = [s for s in spans if s.service == "booking" and s.kind == CLIENT
               and s.attributes.get("db.system") == "postgresql"]
    assert queries and not [q for q in queries if q.name.rstrip(";") in ("BEGIN", "COMMIT")]
    # nothing exported holds the phone number (queries go without their parameters)
    assert not [s for s in otlp.spans if phone in repr(s.attributes)]


async def test_one_cutoff_is_one_trace_down_to_every_allocation_sms(gw, otlp):
    week = MONDAY + timedelta(days=7)   # the booking test's Tuesday stays open
    await gw.set_clock(week)
    tuesday = (week + timedelta(days=1)).date().isoformat()
    phones = [new_phone(), new_phone()]
    for phone in phones:
        await make_booking(gw, phone, tuesday)
    await gw.set_clock(week.replace(hour=15, minute=0, second=30))   # the scheduler closes Tuesday

    for phone in phones:
        assert await gw.wait_sms(phone, "制卡业务已安排", timeout=60), f"no allocation SMS for {phone}"
    def cutoff_roots(r) -> list[ReceivedSpan]:
        return [s for s in r.spans if s.service == "booking" and s.name == "booking.cutoff"
                and s.attributes.get("date") == tuesday]
    # exports come in batches (and a loaded machine delays them)
    assert await wait_for_spans(otlp, cutoff_roots), "booking exported no booking.cutoff span for the date"
    roots = cutoff_roots(otlp)
    assert len(roots) == 1, roots
    trace_id = roots[0].trace_id
    # every allocation SMS went out in the cutoff's trace
    sent = [t for phone in phones for t, _ in provider_trace_ids(gw, phone, "制卡业务已安排")]
    assert sent == [trace_id] * len(phones)

    back = lambda s: s.service == "booking" and s.name == "booking.notification-events process"  # noqa: E731

    def whole(r) -> bool:
        spans = r.trace(trace_id)
        leaves = [s for s in spans if back(s)]
        return len(leaves) >= len(phones) and all(ancestry(spans, leaf)[-1] == roots[0] for leaf in leaves)
    assert await wait_for_spans(otlp, whole), \
        f"not every delivery came back in trace {trace_id}: {hops(otlp.trace(trace_id))}"
    spans = otlp.trace(trace_id)
    for leaf in filter(back, spans):
        chain = ancestry(spans, leaf)
        assert chain[-1] == roots[0], hops(chain)
        assert_in_order(hops(chain), [
            "booking:booking.cutoff",
            "booking:outbox.relay",
            "allocator:allocator.requests process",
            "allocator:outbox.relay",
            "booking:booking.allocations process",
            "booking:outbox.relay",
            "notifier:notifier.sms process",
            "notifier:sms.send",
            "notifier:outbox.relay",
            "booking:booking.notification-events process",
        ])
        for event_type in ("allocation.requested", "booking.allocated"):
            assert any(map(relay_of("booking", event_type), chain)), event_type
        assert any(map(relay_of("allocator", "allocation.completed"), chain))
