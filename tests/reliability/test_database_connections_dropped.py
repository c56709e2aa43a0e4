"""PostgreSQL connections dropped (pg_terminate_backend) under a booking load: every request
either succeeds or fails cleanly (503 service.unavailable, which the client retries with the
same Idempotency-Key), and the database holds no half-written booking, no capacity counted
twice or lost. A 503 can follow a commit whose acknowledgement was lost; the retry with the
same key then replays the stored booking instead of booking twice."""
from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from testsupport.generators import new_org_code

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2027, 3, 8, 10, 0, tzinfo=TZ)     # a week no other suite books
SLOTS = [("2027-03-09", "AM"), ("2027-03-09", "PM"), ("2027-03-10", "AM"), ("2027-03-10", "PM")]
TOTAL = 240


async def test_dropped_connections_leave_no_half_written_booking(gw, mint, system):
    await gw.set_clock(MONDAY)
    admin = mint.agent(MONDAY, roles=("agent", "admin"))
    for day, period in SLOTS:
        await gw.call("PUT", "/api/v1/admin/capacity", agent=admin, expect=200,
                      json={"center": "qingdao", "date": day, "period": period, "capacity": TOTAL})
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(TOTAL):
        day, period = SLOTS[i % len(SLOTS)]
        orgs = [new_org_code() for _ in range(1 + i % 3)]
        queue.put_nowait((mint.agent(MONDAY), uuid.uuid4().hex, {
            "date": day, "period": period, "contact_name": "赵六", "contact_phone": f"138{i:08d}",
            "enterprises": [{"org_code": o, "businesses": [{"type": "BUY_READER"}]} for o in orgs]}))
    answers: list[tuple[int, str | None]] = []
    to_retry: list[tuple] = []

    async def client() -> None:
        while not queue.empty():
            agent, key, body = job = queue.get_nowait()
            status, answer = await gw.call("POST", "/api/v1/bookings", agent=agent, json=body,
                                           headers={"Idempotency-Key": key})
            answers.append((status, (answer or {}).get("code") if status >= 400 else None))
            if status != 201:
                to_retry.append(job)

    killed = 0
    stop = asyncio.Event()

    async def killer() -> None:
        nonlocal killed
        conn = await asyncpg.connect(system.database_url)
        try:
            while not stop.is_set():
                killed += await conn.fetchval(
                    "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = 'booking'"
                    " AND pid <> pg_backend_pid()) t")
                await asyncio.sleep(0.3)
        finally:
            await conn.close()

    kill_task = asyncio.create_task(killer())
    try:
        await asyncio.gather(*(client() for _ in range(8)))
    finally:
        stop.set()
        await kill_task
    assert killed > 0, "no connection was dropped: the test proved nothing"
    kinds = Counter(status for status, _ in answers)
    assert set(kinds) <= {201, 503}, kinds          # success, or a clean "try again"
    assert all(code == "service.unavailable" for status, code in answers if status == 503)
    assert kinds[201] > 0
    # The clients retry what failed, with the same key, once the database is steady again.
    for agent, key, body in to_retry:
        await gw.call("POST", "/api/v1/bookings", agent=agent, json=body, headers={"Idempotency-Key": key},
                      expect=201)

    conn = await asyncpg.connect(system.database_url, server_settings={"search_path": "booking"})
    try:
        days = sorted({datetime.fromisoformat(d).date() for d, _ in SLOTS})
        lineless = await conn.fetchval(
            "SELECT count(*) FROM bookings b WHERE b.day = ANY($1::date[]) AND NOT EXISTS"
            " (SELECT 1 FROM booking_lines l WHERE l.booking_id = b.id)", days)
        assert lineless == 0, "a booking without its lines"
        stored = await conn.fetchval("SELECT count(*) FROM bookings WHERE day = ANY($1::date[])", days)
        assert stored == TOTAL, "a booking stored twice, or one the client was told about and lost"
        mismatched = await conn.fetch(
            "SELECT c.day, c.period, c.booked, coalesce(sum(x.n), 0) AS lines FROM capacity c"
            " LEFT JOIN (SELECT b.day, b.period, count(*) AS n FROM bookings b JOIN booking_lines l"
            "            ON l.booking_id = b.id AND l.status = 'active' GROUP BY b.day, b.period) x"
            "   ON x.day = c.day AND x.period = c.period"
            " WHERE c.center = 'qingdao' AND c.day = ANY($1::date[])"
            " GROUP BY c.day, c.period, c.booked HAVING c.booked <> coalesce(sum(x.n), 0)", days)
        assert mismatched == [], f"capacity counters disagree with the stored lines: {mismatched}"
        outbox = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE type = 'booking.confirmed'"
            " AND (envelope->'data'->>'date')::date = ANY($1::date[])", days)
        assert outbox == TOTAL, "a booking without its booking.confirmed event (or the other way round)"
    finally:
        await conn.close()
