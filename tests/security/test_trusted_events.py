"""Trusted events on the real RabbitMQ, against the whole running system (a broker user per
service, created for the test vhost by the harness): the broker refuses a service publishing
another's routing keys, a consumer dead-letters an event whose publisher may not produce its
type (no SMS goes out), and an over-size message is refused by the publisher and the broker."""
from __future__ import annotations

import asyncio
import subprocess
import uuid
from datetime import date, datetime, timezone

import aio_pika
import pytest
from aiormq.exceptions import ChannelAccessRefused, ChannelPreconditionFailed

from shared.bus import Bus, MessageTooLarge, Topology
from shared.contracts.booking import BOOKING_ALLOCATED, BookingAllocated
from shared.contracts.identity import VERIFICATION_CODE_REQUESTED
from shared.events import make_envelope
from testsupport.generators import new_phone
from testsupport.messaging import wait_for

EXCHANGE = "cardcenter.events"
NOTIFIER_QUEUE = "notifier.sms"


def allocated(contact_phone: str, producer: str) -> bytes:
    data = BookingAllocated(booking_id=str(uuid.uuid4()), agent_id=str(uuid.uuid4()), center="main",
                            date=date(2031, 3, 4), period="AM", contact_phone=contact_phone, desk=7,
                            start="09:00", end="09:10", queue_number="A007")
    return make_envelope(BOOKING_ALLOCATED, data, producer=producer).model_dump_json().encode()


def message(body: bytes, user: str | None) -> aio_pika.Message:
    return aio_pika.Message(body, message_id=str(uuid.uuid4()), content_type="application/json",
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, user_id=user)


def user_of(url: str) -> str:
    from urllib.parse import unquote, urlsplit
    return unquote(urlsplit(url).username)


@pytest.fixture
def urls(system):
    assert set(system.service_amqp_urls) == {"identity", "booking", "allocator", "notifier"}, \
        "the harness gives each service its own broker user"
    return system.service_amqp_urls


async def dead_letters(admin_url: str, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Everything now in ``<queue>.dead`` (taken with no_ack: the test's vhost is thrown away)."""
    got = []
    async with await aio_pika.connect(admin_url) as conn:
        ch = await conn.channel()
        q = await ch.declare_queue(f"{queue}.dead", passive=True)
        while (m := await q.get(no_ack=True, fail=False)) is not None:
            got.append(m)
    return got


async def test_booking_user_is_refused_publishing_identity_events(urls):
    """Topic permissions: booking may publish its own keys only; identity.* closes the channel."""
    async with await aio_pika.connect(urls["booking"]) as conn:
        ch = await conn.channel(publisher_confirms=True)
        ex = await ch.get_exchange(EXCHANGE, ensure=False)
        body = make_envelope(VERIFICATION_CODE_REQUESTED, {"request_id": str(uuid.uuid4()), "phone": new_phone(), "code": "123456", "purpose": "login",
                              "expires_at": datetime.now(timezone.utc).isoformat()},
                             producer="identity").model_dump_json().encode()
        with pytest.raises(ChannelAccessRefused, match="ACCESS_REFUSED"):
            await ex.publish(message(body, user_of(urls["booking"])), routing_key=VERIFICATION_CODE_REQUESTED)
        # its own keys still go through (the refusal is about the key, not the user)
        ch = await conn.channel(publisher_confirms=True)
        ex = await ch.get_exchange(EXCHANGE, ensure=False)
        await ex.publish(message(b"{}", user_of(urls["booking"])), routing_key="booking.no_show")


async def test_a_user_id_of_another_user_is_refused(urls):
    """user_id is checked by the broker: booking cannot sign as identity."""
    async with await aio_pika.connect(urls["booking"]) as conn:
        ch = await conn.channel(publisher_confirms=True)
        ex = await ch.get_exchange(EXCHANGE, ensure=False)
        with pytest.raises(ChannelPreconditionFailed):
            await ex.publish(message(b"{}", user_of(urls["identity"])), routing_key="booking.no_show")


async def test_booking_user_cannot_bind_to_verification_codes(urls):
    """Topic read permission: booking cannot bind a queue of its own to identity's codes."""
    async with await aio_pika.connect(urls["booking"]) as conn:
        ch = await conn.channel()
        q = await ch.declare_queue(f"booking.spy.{uuid.uuid4().hex[:6]}", exclusive=True)
        with pytest.raises(ChannelAccessRefused):
            await q.bind(EXCHANGE, routing_key=VERIFICATION_CODE_REQUESTED)


async def test_forged_producers_are_dead_lettered_with_no_sms(system, urls, sms_provider):
    """booking.allocated means "go to desk N" by SMS. The allocator's user can reach the
    notifier's queue by name (default exchange), so the consumer must check who published:
    an envelope saying ``allocator`` (not an allowed producer of the type) and one lying
    ``booking`` under the allocator's user are both dead-lettered; the honest one from
    booking's user is sent."""
    honest, not_allowed, lying = new_phone(), new_phone(), new_phone()
    async with await aio_pika.connect(urls["allocator"]) as conn:
        ch = await conn.channel(publisher_confirms=True)
        for p, producer in ((not_allowed, "allocator"), (lying, "booking")):
            await ch.default_exchange.publish(message(allocated(p, producer), user_of(urls["allocator"])),
                                              routing_key=NOTIFIER_QUEUE)
    async with await aio_pika.connect(urls["booking"]) as conn:
        ch = await conn.channel(publisher_confirms=True)
        ex = await ch.get_exchange(EXCHANGE, ensure=False)
        await ex.publish(message(allocated(honest, "booking"), user_of(urls["booking"])), routing_key=BOOKING_ALLOCATED)

    assert await wait_for(lambda: asyncio.sleep(0, sms_provider.state.messages_for(honest)), timeout=20)

    async def refused():
        found = {}
        for m in await dead_letters(system.amqp_url, NOTIFIER_QUEUE):
            found[m.body] = (m.headers or {}).get("x-error")
        return found
    seen: dict = {}

    async def both_dead():
        seen.update(await refused())
        return sum(1 for b in seen if not_allowed.encode() in b or lying.encode() in b) == 2
    assert await wait_for(both_dead, timeout=20), seen
    reasons = {("not_allowed" if not_allowed.encode() in b else "lying"): str(r) for b, r in seen.items()
               if not_allowed.encode() in b or lying.encode() in b}
    assert "'allocator' may not publish booking.allocated" in reasons["not_allowed"]
    assert "published an event of producer 'booking'" in reasons["lying"]
    assert not sms_provider.state.messages_for(not_allowed) and not sms_provider.state.messages_for(lying)


async def test_over_size_messages_are_refused(system, urls):
    """Publisher side: the bus refuses a body above its cap before sending. Broker side: a
    body above the broker's max_message_size closes the channel (PRECONDITION_FAILED)."""
    b = Bus(urls["booking"], topology=Topology(EXCHANGE), service="booking", max_message_bytes=1024)
    b.start()
    try:
        await b.wait_ready(15)
        with pytest.raises(MessageTooLarge):
            await b.publish(b"x" * 1025, "booking.no_show", message_id=str(uuid.uuid4()))
        await b.publish(b"x" * 1024, "booking.no_show", message_id=str(uuid.uuid4()))   # at the cap: sent
    finally:
        await b.close()

    limit = broker_max_message_size()
    async with await aio_pika.connect(urls["booking"]) as conn:
        ch = await conn.channel(publisher_confirms=True)
        ex = await ch.get_exchange(EXCHANGE, ensure=False)
        with pytest.raises(ChannelPreconditionFailed, match="max size"):
            await ex.publish(message(b"x" * (limit + 1), user_of(urls["booking"])), routing_key="booking.no_show")


def broker_max_message_size() -> int:
    out = subprocess.run(["rabbitmqctl", "-q", "eval", "application:get_env(rabbit, max_message_size)."],
                         capture_output=True, text=True, timeout=60).stdout
    return int(out.strip().removeprefix("{ok,").removesuffix("}"))
