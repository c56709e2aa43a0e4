"""Verification codes are not kept in clear past their final send (issue 16), on the real
PostgreSQL and RabbitMQ:

- the sweeper's give-up (a lease that expired on the last attempt) masks the code, like the
  sender's final outcome does, and the database refuses a final sensitive row in clear
  (messages_no_code_once_final), whichever path writes it;
- the SQL masker agrees with the Python one on the texts the notifier sends;
- notifier.sms.dead drops what it holds after its TTL, and an existing dead queue declared
  without the TTL is migrated the way docs/security.md tells operators."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import aio_pika
import asyncpg
import pytest

from shared.app import RUNTIME_KEY
from testsupport.infra import create_test_vhost, delete_test_vhost
from notifier.adapters import message_store as store
from notifier.app import create_app
from notifier.domain.masking import CODE_MASK, SQL_CODE_PATTERN, mask_codes
from notifier.domain.templates import EV_VERIFICATION, render
from testsupport.notifier import events as ev
from testsupport.generators import new_phone
from testsupport.notifier.harness import wait_until
from testsupport.waiting import holds_throughout

CODE = "483920"


async def migrated(env) -> None:
    """The test's schema, migrated by a notifier start (then stopped: no sender runs)."""
    client = await env.start()
    await client.close()


async def insert_sending(conn: asyncpg.Connection, *, body: str, sensitive: bool, attempts: int,
                         lease_until: datetime) -> uuid.UUID:
    mid = uuid.uuid4()
    now = datetime.now(timezone.utc)
    await conn.execute(
        "INSERT INTO messages (id, event_id, event_type, template, phone, body, sensitive, status, attempts,"
        " lease_until, created_at, updated_at)"
        " VALUES ($1, $2, 'verification_code.requested', 'verification_code.login', $3, $4, $5, 'sending', $6,"
        " $7, $8, $8)", mid, uuid.uuid4(), new_phone(), body, sensitive, attempts, lease_until, now)
    return mid


async def test_the_sweepers_give_up_masks_the_code(notifier_env):
    env = notifier_env
    await migrated(env)
    conn = await env.connect()
    try:
        past = datetime.now(timezone.utc) - timedelta(minutes=1)
        code_msg = await insert_sending(conn, body=f"验证码{CODE}，5分钟内有效", sensitive=True, attempts=6,
                                        lease_until=past)
        plain = await insert_sending(conn, body=f"预约号{CODE}", sensitive=False, attempts=6, lease_until=past)
        async with conn.transaction():
            gone = await store.fail_expired_exhausted(conn, now=datetime.now(timezone.utc), max_attempts=6,
                                                      limit=10)
        assert {m.id for m in gone} == {code_msg, plain}
        rows = {r["id"]: r for r in await conn.fetch("SELECT id, status, body FROM messages")}
        assert rows[code_msg]["status"] == "failed"
        assert rows[code_msg]["body"] == f"验证码{CODE_MASK}，5分钟内有效"
        assert rows[plain]["body"] == f"预约号{CODE}"     # not a code message: left as it was
    finally:
        await conn.close()


async def test_the_database_refuses_a_final_code_message_in_clear(notifier_env):
    env = notifier_env
    await migrated(env)
    conn = await env.connect()
    try:
        mid = await insert_sending(conn, body=f"验证码{CODE}", sensitive=True, attempts=1,
                                   lease_until=datetime.now(timezone.utc))
        for status in ("delivered", "failed"):
            with pytest.raises(asyncpg.CheckViolationError, match="messages_no_code_once_final"):
                await conn.execute("UPDATE messages SET status = $2 WHERE id = $1", mid, status)
        # Still in flight, the code may stay (the next attempt sends it); masked, final is fine.
        await conn.execute("UPDATE messages SET status = 'retry' WHERE id = $1", mid)
        await conn.execute("UPDATE messages SET status = 'delivered', body = $2 WHERE id = $1", mid,
                           mask_codes(f"验证码{CODE}"))
    finally:
        await conn.close()


async def test_a_code_sent_for_real_ends_masked_and_within_the_constraint(notifier_env):
    env = notifier_env
    await env.start()
    env.fake.state.answer_with(400)                       # failed for good on the first try
    phones = [new_phone(), new_phone()]
    await env.publish(ev.verification_code(phones[0], CODE, purpose="login"),
                      ev.verification_code(phones[1], "902817", purpose="reset_password"))
    # Each phone's own row (the session's queue may carry other suites' events too).
    rows = [r for p in phones for r in await env.wait_final(1, timeout=60, phone=p)]
    assert len(rows) == 2 and {r["status"] for r in rows} <= {"delivered", "failed"}
    assert all(CODE_MASK in r["body"] and CODE not in r["body"] and "902817" not in r["body"] for r in rows)


@pytest.mark.parametrize("text", [
    "验证码为123456，5分钟内有效", "abc123456 not a code", "1.123456 is a fraction", "09:30:00.123456",
    "12345678901 is a phone", "654321", "x654321y", "code 111111 and 222222.", "2027-03-02 的预约号 000123",
])
async def test_the_sql_masker_agrees_with_the_python_one(database_url, text):
    conn = await asyncpg.connect(database_url)
    try:
        masked = await conn.fetchval("SELECT regexp_replace($1::text, $2::text, $3::text, 'g')",
                                     text, SQL_CODE_PATTERN, CODE_MASK)
    finally:
        await conn.close()
    assert masked == mask_codes(text)


async def test_the_sql_masker_agrees_on_every_verification_template(database_url):
    texts = [render(EV_VERIFICATION, {"code": CODE, "purpose": p, "phone": new_phone()}).text
             for p in ("register", "login", "reset_password")]
    conn = await asyncpg.connect(database_url)
    try:
        for text in texts:
            assert CODE in text
            masked = await conn.fetchval("SELECT regexp_replace($1::text, $2::text, $3::text, 'g')",
                                         text, SQL_CODE_PATTERN, CODE_MASK)
            assert masked == mask_codes(text) and CODE not in masked
    finally:
        await conn.close()


async def dead_count(channel, name: str) -> int:
    q = await channel.declare_queue(name, passive=True)
    return q.declaration_result.message_count


async def test_the_sms_dead_letter_queue_forgets_after_its_ttl_and_an_old_one_is_migrated(
        notifier_env, infra_urls, aiohttp_client):
    env = notifier_env
    amqp_url, vhost = create_test_vhost(infra_urls[1])
    if vhost is None:
        pytest.skip("needs a broker this machine can add a vhost to (rabbitmqctl)")
    conn = await aio_pika.connect(amqp_url)
    client = None
    try:
        channel = await conn.channel()
        # The broker as the previous release left it: the dead queue without a TTL.
        await channel.declare_queue("notifier.sms.dead", durable=True, arguments={"x-queue-type": "quorum"})
        app = create_app(env.settings(amqp_url=amqp_url, sms_dead_ttl_hours=2 / 3600))
        client = await aiohttp_client(app)
        runtime = app[RUNTIME_KEY]
        # PRECONDITION_FAILED: retried, not ready, for as long as the old queue stands
        assert await holds_throughout(lambda: not runtime.consumers, seconds=3)
        assert (await client.get("/readyz")).status == 503
        # The operator's step: the dead letters looked at (replay_dead --list), the queue deleted.
        channel = await conn.channel()                     # the refused declare closed nothing of ours
        await channel.queue_delete("notifier.sms.dead")
        assert await wait_until(lambda: runtime.consumers, timeout=20), "the consumer did not start"
        assert (await client.get("/readyz")).status == 200
        # A verification_code.requested the consumer cannot read: dead-lettered at once.
        exchange = await channel.get_exchange(env.exchange)
        await exchange.publish(aio_pika.Message(body=b'{"code": "' + CODE.encode() + b'", "broken": '),
                               routing_key=EV_VERIFICATION)
        assert await wait_until(lambda: _count_is(channel, 1), timeout=10), "not dead-lettered"
        assert await wait_until(lambda: _count_is(channel, 0), timeout=15), "still held past the TTL"
    finally:
        if client is not None:
            await client.close()        # before the vhost goes: its bus would wait for it
        await conn.close()
        delete_test_vhost(vhost)


async def _count_is(channel, n: int) -> bool:
    return await dead_count(channel, "notifier.sms.dead") == n
