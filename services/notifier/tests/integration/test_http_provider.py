"""The http provider against the real fake provider over real loopback HTTP."""
from __future__ import annotations

import asyncio
import random
import socket
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from aiohttp import web

from notifier.adapters.http_provider import HttpSmsProvider, parse_retry_after
from notifier.adapters.sms_provider import PermanentSendError, RetryableSendError, SendResult
from notifier.domain.retry_policy import Outcome, RetryPolicy
from notifier.domain.templates import render
from testsupport.notifier.fake_provider import run_fake_provider
from testsupport.waiting import wait_for

PHONE = "13800000000"


@pytest.fixture
async def fake():
    async with run_fake_provider() as f:
        yield f


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


def verification_text(code: str = "246810") -> str:
    return render("identity.verification_code.requested", {"code": code, "purpose": "register"}).text


# --- the provider's answers -------------------------------------------------------------
async def test_200_returns_provider_id_and_fake_records_message(fake, session):
    provider = HttpSmsProvider(fake.url, session=session, timeout=2.0)
    text = verification_text()
    result = await provider.send(PHONE, text, "msg-1")
    assert isinstance(result, SendResult)
    assert result.provider_id is not None and result.provider_id.startswith("fake-")
    [msg] = fake.state.messages
    assert (msg.phone, msg.text, msg.ref, msg.id) == (PHONE, text, "msg-1", result.provider_id)


async def test_503_is_retryable(fake, session):
    fake.state.answer_with(503)
    provider = HttpSmsProvider(fake.url, session=session, timeout=2.0)
    with pytest.raises(RetryableSendError) as err:
        await provider.send(PHONE, "【制卡中心】hello", "msg-2")
    assert err.value.status == 503
    assert err.value.retry_after is None
    assert fake.state.messages == []
    assert [c.status for c in fake.state.calls] == [503]


async def test_429_with_retry_after_is_retryable_with_that_value(fake, session):
    fake.state.retry_after = "7"
    fake.state.answer_with(429)
    provider = HttpSmsProvider(fake.url, session=session, timeout=2.0)
    with pytest.raises(RetryableSendError) as err:
        await provider.send(PHONE, "【制卡中心】hello", "msg-3")
    assert err.value.status == 429
    assert err.value.retry_after == 7.0


async def test_400_is_permanent(fake, session):
    fake.state.answer_with(400)
    provider = HttpSmsProvider(fake.url, session=session, timeout=2.0)
    with pytest.raises(PermanentSendError) as err:
        await provider.send(PHONE, "【制卡中心】hello", "msg-4")
    assert err.value.status == 400
    assert not err.value.retryable


@pytest.mark.parametrize("status", [401, 403, 404, 422])
async def test_other_4xx_are_permanent(fake, session, status):
    fake.state.answer_with(status)
    with pytest.raises(PermanentSendError):
        await HttpSmsProvider(fake.url, session=session).send(PHONE, "x", f"msg-{status}")


async def test_invalid_request_is_rejected_by_fake_as_permanent(fake, session):
    # The fake validates api.md's body: a bad phone is a 400, which the provider won't retry.
    with pytest.raises(PermanentSendError):
        await HttpSmsProvider(fake.url, session=session).send("12", "x", "msg-bad")
    assert fake.state.messages == []


async def test_slow_provider_beyond_timeout_is_retryable(fake, session):
    fake.state.set_delay(0.5)
    provider = HttpSmsProvider(fake.url, session=session, timeout=0.1)
    started = time.monotonic()
    with pytest.raises(RetryableSendError) as err:
        await provider.send(PHONE, "【制卡中心】hello", "msg-slow")
    elapsed = time.monotonic() - started
    assert err.value.reason == "timeout"
    assert elapsed < 0.45  # gave up at the timeout, did not wait for the answer


async def test_delay_within_timeout_is_fine(fake, session):
    fake.state.set_delay(0.1)
    result = await HttpSmsProvider(fake.url, session=session, timeout=2.0).send(PHONE, "x", "msg-ok")
    assert result.provider_id


async def test_connection_refused_is_retryable(session):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens on that port any more.
    provider = HttpSmsProvider(f"http://127.0.0.1:{port}/sms", session=session, timeout=2.0)
    with pytest.raises(RetryableSendError) as err:
        await provider.send(PHONE, "x", "msg-refused")
    assert err.value.reason.startswith("connection error")


async def test_errors_never_carry_text_or_phone(fake, session):
    code = "135790"
    text = verification_text(code)
    provider = HttpSmsProvider(fake.url, session=session, timeout=0.1)
    fake.state.answer_with(400, 503, 429)
    errors = []
    for _ in range(3):
        with pytest.raises((PermanentSendError, RetryableSendError)) as err:
            await provider.send(PHONE, text, "msg-secret")
        errors.append(err.value)
    fake.state.set_delay(0.3)
    with pytest.raises(RetryableSendError) as err:
        await provider.send(PHONE, text, "msg-secret")
    errors.append(err.value)
    for e in errors:
        for rendered in (str(e), repr(e), e.reason):
            assert code not in rendered
            assert PHONE not in rendered
        assert e.__cause__ is None


# --- ref dedupe on the fake -------------------------------------------------------------
async def test_repeated_ref_answers_same_id_and_is_recorded_once(fake, session):
    provider = HttpSmsProvider(fake.url, session=session)
    first = await provider.send(PHONE, "【制卡中心】one", "msg-dup")
    second = await provider.send(PHONE, "【制卡中心】one", "msg-dup")
    other = await provider.send(PHONE, "【制卡中心】one", "msg-other")
    assert first.provider_id == second.provider_id
    assert other.provider_id != first.provider_id
    assert [m.ref for m in fake.state.messages] == ["msg-dup", "msg-other"]
    assert fake.state.duplicates == 1
    assert len(fake.state.calls) == 3


async def test_timed_out_send_retried_with_same_ref_lands_once(fake, session):
    # The provider got the message but answered too late; the retry carries the same ref
    # and the provider drops the repeat: one SMS on the phone.
    fake.state.set_delay(0.3)
    provider = HttpSmsProvider(fake.url, session=session, timeout=0.1)
    with pytest.raises(RetryableSendError):
        await provider.send(PHONE, "【制卡中心】late", "msg-late")
    assert await wait_for(lambda: [m.ref for m in fake.state.messages] == ["msg-late"], timeout=5)  # the slow handler records it
    fake.state.set_delay(0)
    result = await provider.send(PHONE, "【制卡中心】late", "msg-late")
    assert [m.ref for m in fake.state.messages] == ["msg-late"]
    assert result.provider_id == fake.state.messages[0].id


# --- with the retry policy: 503, 503, 200 -----------------------------------------------
async def test_scripted_outage_then_delivery_with_retry_policy(fake, session):
    fake.state.answer_with(503, 503, 200)
    provider = HttpSmsProvider(fake.url, session=session, timeout=2.0)
    policy = RetryPolicy(base=0.01, cap=0.05, max_attempts=5)
    rng = random.Random(0)
    attempt, outcomes = 1, []
    while True:
        try:
            result = await provider.send(PHONE, "【制卡中心】retry me", "msg-retry")
            decision = policy.decide(attempt, Outcome.DELIVERED)
        except RetryableSendError as e:
            decision = policy.decide(attempt, Outcome.RETRY, retry_after=e.retry_after, rng=rng)
        outcomes.append(decision.outcome)
        if decision.final:
            break
        await asyncio.sleep(decision.delay)
        attempt = decision.next_attempt
    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.DELIVERED]
    assert result.provider_id == fake.state.messages[0].id
    assert [c.status for c in fake.state.calls] == [503, 503, 200]
    assert len(fake.state.messages) == 1


async def test_persistent_outage_exhausts_attempts(fake, session):
    fake.state.answer_with(*([500] * 10))
    provider = HttpSmsProvider(fake.url, session=session, timeout=2.0)
    policy = RetryPolicy(base=0.001, cap=0.01, max_attempts=3)
    attempt = 1
    while True:
        try:
            await provider.send(PHONE, "x", "msg-down")
            raise AssertionError("should not be delivered")
        except RetryableSendError as e:
            decision = policy.decide(attempt, Outcome.RETRY, retry_after=e.retry_after)
        if decision.final:
            break
        await asyncio.sleep(decision.delay)
        attempt = decision.next_attempt
    assert decision.outcome is Outcome.FAILED and decision.reason == "exhausted"
    assert len(fake.state.calls) == 3


# --- 2xx without an id (a provider other than the fake) ---------------------------------
@pytest.mark.parametrize("body, content_type", [('{"status": "ok"}', "application/json"),
                                                ("accepted", "text/plain"),
                                                ("", "application/json")])
async def test_2xx_without_id_is_delivered_with_none(session, body, content_type):
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=202, text=body, content_type=content_type)

    app = web.Application()
    app.router.add_post("/sms", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        result = await HttpSmsProvider(f"http://127.0.0.1:{port}/sms", session=session).send(PHONE, "x", "r")
        assert result == SendResult(provider_id=None)
    finally:
        await runner.cleanup()


# --- session ownership ------------------------------------------------------------------
async def test_owned_session_is_created_and_closed(fake):
    provider = HttpSmsProvider(fake.url)
    result = await provider.send(PHONE, "x", "msg-own")
    assert result.provider_id
    owned = provider._session
    assert owned is not None and not owned.closed
    await provider.aclose()
    assert owned.closed
    await provider.aclose()  # twice is fine


async def test_passed_session_is_not_closed(fake, session):
    provider = HttpSmsProvider(fake.url, session=session)
    await provider.send(PHONE, "x", "msg-shared")
    await provider.aclose()
    assert not session.closed


# --- the fake's HTTP surface ------------------------------------------------------------
async def test_fake_http_endpoints(fake, session):
    provider = HttpSmsProvider(fake.url, session=session)
    await provider.send(PHONE, verification_text("111111"), "m1")
    await provider.send("13900000000", "【制卡中心】other", "m2")
    await provider.send(PHONE, verification_text("222222"), "m3")
    await provider.send(PHONE, "【制卡中心】预约成功", "m4")

    async with session.get(f"{fake.base_url}/messages", params={"phone": PHONE}) as r:
        assert r.status == 200
        items = (await r.json())["items"]
    assert [i["ref"] for i in items] == ["m1", "m3", "m4"]
    assert set(items[0]) >= {"id", "phone", "text", "ref", "received_at"}

    async with session.get(f"{fake.base_url}/codes/latest", params={"phone": PHONE}) as r:
        assert r.status == 200
        doc = await r.json()
    assert doc["code"] == "222222" and doc["ref"] == "m3"
    assert fake.state.latest_code(PHONE) == "222222"

    async with session.get(f"{fake.base_url}/codes/latest", params={"phone": "13900000000"}) as r:
        assert r.status == 404

    async with session.put(f"{fake.base_url}/control",
                           json={"statuses": [503, 200], "delay_ms": 20, "retry_after": 3}) as r:
        assert r.status == 200
        assert await r.json() == {"statuses": [503, 200], "delay_ms": 20, "retry_after": "3"}
    with pytest.raises(RetryableSendError):
        await provider.send(PHONE, "x", "m5")
    async with session.delete(f"{fake.base_url}/control") as r:
        assert r.status == 204
    assert fake.state.delay == 0 and not fake.state.script

    async with session.get(f"{fake.base_url}/calls") as r:
        calls = (await r.json())["items"]
    assert [c["status"] for c in calls] == [200, 200, 200, 200, 503]

    async with session.delete(f"{fake.base_url}/messages") as r:
        assert r.status == 204
    async with session.get(f"{fake.base_url}/messages") as r:
        assert (await r.json())["items"] == []
    assert fake.state.latest_code(PHONE) is None


async def test_fake_control_rejects_bad_input(fake, session):
    async with session.put(f"{fake.base_url}/control", json={"statuses": ["soon"]}) as r:
        assert r.status == 400
    async with session.put(f"{fake.base_url}/control", json={"delay_ms": -5}) as r:
        assert r.status == 400
    assert not fake.state.script and fake.state.delay == 0


# --- Retry-After parsing ----------------------------------------------------------------
def test_parse_retry_after():
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-3") is None
    assert parse_retry_after("soon") is None
    now = datetime(2026, 12, 1, 1, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
