"""A batch's events recorded together (record_messages, what the consumer's batch handler
calls): the capped phones' locks in one statement, the rows in one statement a round, and
every guarantee of the one-event path kept inside the batch (an allocation once per change
of its text, a phone's cap, the order of the locks)."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone

from notifier.app import MIGRATIONS
from notifier.service.phone_cap import lock_phones
from notifier.service.record_message import Incoming, record_messages
from shared.events import parse_envelope
from shared.migrations import migrate
from testsupport.generators import new_phone
from testsupport.notifier import events as ev
from testsupport.waiting import wait_for

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc)


def booking() -> str:
    return f"bk-{uuid.uuid4().hex[:10]}"


async def recorded(conn, envelopes, *, cap: int = 0, statements: list[str] | None = None):
    """record_messages in a transaction of its own, as the consumer's batch does; the
    statements it ran appended to ``statements``."""
    seen: list[str] = []

    def logged(query) -> None:
        # asyncpg's look-up of a type it meets first on this connection (once) is not ours.
        if "typeinfo_tree" not in query.query and "'jit'" not in query.query:
            seen.append(query.query)

    async with conn.transaction():
        conn.add_query_logger(logged)
        try:
            ids = await record_messages(conn, [Incoming(*parse_envelope(e.model_dump_json().encode())) for e in envelopes], now=NOW, pending_grace=0.5,
                                        tz="Asia/Shanghai", phone_cap_per_day=cap)
        finally:
            conn.remove_query_logger(logged)
    if statements is not None:
        statements.extend(seen)
    return ids


async def test_a_burst_of_allocations_is_stored_in_one_statement(migrated_conn):
    conn = migrated_conn
    statements: list[str] = []
    events = [ev.allocated(booking(), new_phone(), queue_number=f"A{i:03}") for i in range(16)]
    ids = await recorded(conn, events, cap=20, statements=statements)
    assert len(statements) == 1, statements           # no capped type: no lock statement either
    assert None not in ids and len(set(ids)) == 16
    assert await conn.fetchval("SELECT count(*) FROM messages") == 16
    assert await conn.fetchval("SELECT count(*) FROM booking_texts") == 16
    # Capped ones add the locks' one statement, whatever their number.
    statements.clear()
    events = [ev.confirmed(booking(), new_phone()) for _ in range(8)]
    ids = await recorded(conn, events, cap=20, statements=statements)
    assert len(statements) == 2 and "pg_advisory_xact_lock" in statements[0], statements
    assert None not in ids


async def test_an_allocation_in_a_batch_goes_once_per_change_of_its_text(migrated_conn):
    conn = migrated_conn
    bk, phone, other = booking(), new_phone(), booking()
    same = [ev.allocated(bk, phone, queue_number="A003") for _ in range(2)]
    changed = [ev.allocated(bk, phone, queue_number="A004") for _ in range(2)]
    ids = await recorded(conn, [same[0], same[1], ev.allocated(other, new_phone()), changed[0], changed[1]])
    assert [i is not None for i in ids] == [True, False, True, True, False]
    # Across batches: the kept text is the latest, a repeat of it sends nothing.
    ids = await recorded(conn, [ev.allocated(bk, phone, queue_number="A004"),
                                ev.allocated(bk, phone, queue_number="A005")])
    assert [i is not None for i in ids] == [False, True]
    bodies = [r["body"] for r in await conn.fetch(
        "SELECT body FROM messages WHERE booking_id = $1 ORDER BY created_at, body", bk)]
    assert len(bodies) == 3 and [b for b in bodies if "A003" in b] and [b for b in bodies if "A005" in b]
    assert "A005" in await conn.fetchval("SELECT body FROM booking_texts WHERE booking_id = $1", bk)


async def test_a_phone_at_its_cap_gets_no_more_capped_sms_within_one_batch(migrated_conn):
    conn = migrated_conn
    phone, other = new_phone(), new_phone()
    events = [ev.confirmed(booking(), phone), ev.confirmed(booking(), phone),
              ev.allocated(booking(), phone),        # the center's own: not capped, but counts
              ev.cancelled(booking(), phone), ev.confirmed(booking(), other), ev.confirmed(booking(), phone)]
    ids = await recorded(conn, events, cap=3)
    assert [i is not None for i in ids] == [True, True, True, False, True, False]
    assert await conn.fetchval("SELECT count(*) FROM messages WHERE phone = $1", phone) == 3
    # A resend is capped too (its text kept by the batch before).
    [resent] = await recorded(conn, [ev.resend_requested(events[0].data["booking_id"], phone)], cap=3)
    assert resent is None


async def test_a_batchs_phone_locks_are_taken_in_order(notifier_env):
    """Two replicas' batches lock the phones they share in the same (sorted) order, so they
    wait for each other but never deadlock: a batch waiting for a phone holds none of the
    phones after it, whatever the order the batch gave them in."""
    env = notifier_env
    await migrate(env.database_url, env.schema, MIGRATIONS)
    holder, batch = await env.connect(), await env.connect()
    first, second = sorted([new_phone(), new_phone()])
    try:
        held_by_other = holder.transaction()
        await held_by_other.start()
        await lock_phones(holder, [first])
        in_batch = batch.transaction()
        await in_batch.start()
        waiting = asyncio.create_task(lock_phones(batch, [second, first]))
        pid = batch.get_server_pid()
        assert await wait_for(lambda: holder.fetchval(
            "SELECT true FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND NOT granted", pid))
        held = await holder.fetchval(
            "SELECT count(*) FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND granted", pid)
        assert held == 0        # it did not take ``second`` before waiting for ``first``
        await held_by_other.commit()
        await waiting
        await in_batch.commit()
    finally:
        await holder.close()
        await batch.close()
