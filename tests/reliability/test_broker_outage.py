"""RabbitMQ stopped and started during a stream of 500 bookings: every booking is accepted
(the outbox holds the events) and every booking gets exactly one confirmation SMS."""
from __future__ import annotations

import asyncio
import subprocess
from collections import Counter
from datetime import datetime
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from shared.contracts.booking import BOOKING_CONFIRMED

from testsupport.crowds import book_all, crowd_bookings, raise_capacity
from testsupport.waiting import holds_throughout, wait_for

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=TZ)
SLOTS = [("2026-12-08", "AM"), ("2026-12-08", "PM"), ("2026-12-09", "AM"), ("2026-12-09", "PM")]
TOTAL = 500

pytestmark = pytest.mark.skipif(subprocess.run(["which", "rabbitmqctl"], capture_output=True).returncode != 0,
                                reason="needs rabbitmqctl to stop and start the broker")


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=180)


async def where_they_stopped(gw, phones: list[str]) -> dict:
    """For a failure message: how far each missing confirmation got (booking's outbox row,
    the notifier's message), and what the queues hold."""
    conn = await asyncpg.connect(gw.system.database_url)
    try:
        outbox = await conn.fetch(
            "SELECT envelope->'data'->>'contact_phone' AS phone, sent_at IS NOT NULL AS sent, attempts, last_error"
            " FROM booking.outbox WHERE type = $1 AND envelope->'data'->>'contact_phone' = ANY($2)",
            BOOKING_CONFIRMED, phones)
        messages = await conn.fetch("SELECT phone, status, attempts, last_error FROM notifier.messages"
                                    " WHERE phone = ANY($1)", phones)
        inbox = await conn.fetchval("SELECT count(*) FROM notifier.inbox")
    finally:
        await conn.close()
    vhost = unquote(urlsplit(gw.system.amqp_url).path.lstrip("/"))
    queues = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "messages",
                             "messages_unacknowledged"], capture_output=True, text=True, timeout=60).stdout
    return {"outbox": [dict(r) for r in outbox], "messages": [dict(r) for r in messages],
            "notifier_inbox_rows": inbox, "queues": queues}


async def test_every_booking_gets_one_confirmation_across_a_broker_outage(gw, mint):
    await gw.set_clock(MONDAY)
    await raise_capacity(gw, mint, MONDAY, SLOTS, TOTAL)
    jobs = crowd_bookings(mint, MONDAY, SLOTS, TOTAL)
    statuses: list[int] = []

    async def outage() -> None:
        while len(statuses) < 100:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(rabbitmqctl, "stop_app")
        try:
            while len(statuses) < 300:
                await asyncio.sleep(0.05)
        finally:
            await asyncio.to_thread(rabbitmqctl, "start_app")

    await asyncio.gather(outage(), book_all(gw, jobs, statuses=statuses))
    assert Counter(statuses) == {201: TOTAL}

    phones = {body["contact_phone"] for _, body in jobs}

    def confirmations() -> Counter:
        return Counter(m.phone for m in gw.sms.messages if m.phone in phones and "成功预约" in m.text)

    await wait_for(lambda: len(confirmations()) == TOTAL, timeout=180, every=0.5)
    # anything sent twice (a republish after the outage) would show up within 2 s
    await holds_throughout(lambda: set(confirmations().values()) <= {1}, seconds=2)
    got = confirmations()
    missing = sorted(phones - set(got))
    assert not missing, f"{len(missing)} bookings never got their confirmation: {await where_they_stopped(gw, missing)}"
    assert set(got.values()) == {1}, "some bookings got more than one confirmation"
