"""A message row with its kept text and its phone's cap in one statement (draft_store.py, a
draft stored alone; test_batched_drafts.py: many in one statement):
the message goes in only when its text was stored (an allocation only if changed) and the
phone is under its cap; the phone's lock, taken before, makes a concurrent event of the
same phone count the other's message."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

from notifier.adapters.booking_texts import TextToKeep
from notifier.adapters.draft_store import Draft, store_draft
from notifier.adapters.message_store import NewMessage
from notifier.app import MIGRATIONS
from notifier.service.phone_cap import daily_cap, is_capped, lock_phones
from shared.migrations import migrate
from testsupport.generators import new_phone

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)


def message(phone: str, event_type: str = "booking.confirmed", booking_id: str = "bk-1") -> NewMessage:
    return NewMessage(event_id=uuid.uuid4(), event_type=event_type, template=event_type, booking_id=booking_id,
                      phone=phone, body="【制卡中心】您已成功预约。", sensitive=False, resend=False,
                      correlation_id=None)


def text(msg: NewMessage, body: str, *, at: datetime = NOW, only_if_changed: bool = True) -> TextToKeep:
    return TextToKeep(booking_id=msg.booking_id or "", kind="allocated", template=msg.template, phone=msg.phone,
                      body=body, event_id=msg.event_id, occurred_at=at, only_if_changed=only_if_changed)


async def test_an_allocation_goes_in_once_per_change_of_its_text(migrated_conn):
    conn, phone = migrated_conn, new_phone()
    first = message(phone, "booking.allocated")
    stored = await store_draft(conn, Draft(first, text(first, "3号窗口 A012")), now=NOW, sweep_after=NOW)
    assert stored.message_id is not None and not stored.text_unchanged
    same = message(phone, "booking.allocated")
    stored = await store_draft(conn, Draft(same, text(same, "3号窗口 A012")), now=NOW, sweep_after=NOW)
    assert stored.message_id is None and stored.text_unchanged
    changed = message(phone, "booking.allocated")
    stored = await store_draft(conn, Draft(changed, text(changed, "5号窗口 A013")), now=NOW, sweep_after=NOW)
    assert stored.message_id is not None
    # An older confirmation's text is not kept over a newer one, but its SMS still goes.
    late = message(phone)
    stored = await store_draft(conn, Draft(late, text(late, "旧", at=NOW - timedelta(hours=1), only_if_changed=False)),
                               now=NOW, sweep_after=NOW)
    assert stored.message_id is not None and not stored.text_unchanged
    assert await conn.fetchval("SELECT body FROM booking_texts") == "5号窗口 A013"
    assert await conn.fetchval("SELECT count(*) FROM messages") == 3


async def confirmation(conn, phone: str, cap: int):
    """A capped SMS to ``phone`` stored as the consumer does: the phone's lock, then the row."""
    await lock_phones(conn, [phone])
    return await store_draft(conn, Draft(message(phone), capped=True), now=NOW, sweep_after=NOW,
                             cap=daily_cap(cap, now=NOW))


async def test_a_phone_at_its_cap_gets_no_more_booking_sms(migrated_conn):
    conn, phone = migrated_conn, new_phone()
    for _ in range(2):
        async with conn.transaction():
            assert (await confirmation(conn, phone, cap=2)).message_id
    async with conn.transaction():
        stored = await confirmation(conn, phone, cap=2)
    assert stored.message_id is None and stored.capped
    # The center's own SMS (an allocation) is not capped: it still goes, and counts.
    assert not is_capped("booking.allocated", daily_cap(2, now=NOW))
    assert is_capped("booking.confirmed", daily_cap(2, now=NOW)) and not is_capped("booking.confirmed", None)
    # Another phone is not affected.
    async with conn.transaction():
        assert (await confirmation(conn, new_phone(), cap=2)).message_id
    assert await conn.fetchval("SELECT count(*) FROM messages WHERE phone = $1", phone) == 2


async def test_two_events_of_one_phone_at_once_count_each_other(notifier_env):
    """The second transaction waits on the phone's lock until the first commits, so its
    count (in its insert's own statement) sees the first's message."""
    env = notifier_env
    await migrate(env.database_url, env.schema, MIGRATIONS)
    phone = new_phone()
    first, second = await env.connect(), await env.connect()
    try:
        tx1 = first.transaction()
        await tx1.start()
        assert (await confirmation(first, phone, cap=1)).message_id

        async def other_event():
            async with second.transaction():
                return await confirmation(second, phone, cap=1)

        pending = asyncio.create_task(other_event())
        await asyncio.sleep(0.3)   # the other event is waiting for the phone's lock now
        await tx1.commit()
        stored = await pending
        assert stored.message_id is None and stored.capped
        assert await first.fetchval("SELECT count(*) FROM messages WHERE phone = $1", phone) == 1
    finally:
        await first.close()
        await second.close()
