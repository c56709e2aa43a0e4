"""What one booking costs the database, in statements (each one a round trip on the
connection): the hot path is kept short on purpose, and these tests fail when a statement
creeps back in. The use case runs on a connection whose every statement is logged. The
account's throttle is counted in the first statement (the checks' read), not in one of
its own on a connection of its own."""
from __future__ import annotations

import asyncio
import uuid
from contextlib import asynccontextmanager

from booking.api.booking_request import booking_request
from booking.service.booking_create import CreateBooking, create_booking
from booking.service.context import BookingContext
from booking.service.idempotency import IdempotencyKey
from booking.service.sms import record_sms_outcome, record_sms_outcomes
from shared.db import Database, create_pool


def introspection(query: str) -> bool:
    """asyncpg's look-up of a type a connection meets for the first time (once per
    connection and type; which pool connection a request gets is not ours to choose): not
    one of the request's statements."""
    return "typeinfo_tree" in query or "current_setting('jit')" in query or "set_config('jit'" in query


class CountingDatabase:
    """Hands every use case the same connection, its statements logged (asyncpg's type
    introspection left out)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.statements: list[str] = []
        conn.add_query_logger(self._log)

    def _log(self, record) -> None:
        if not introspection(record.query):
            self.statements.append(" ".join(record.query.split())[:90])

    async def settle(self) -> None:
        await asyncio.sleep(0)   # asyncpg calls the loggers soon after, not during, a statement

    async def stop(self) -> None:
        await self.settle()
        self.conn.remove_query_logger(self._log)   # before the connection goes back to the pool

    @asynccontextmanager
    async def connection(self):
        yield self.conn

    @asynccontextmanager
    async def transaction(self, isolation: str = "read_committed"):
        async with self.conn.transaction(isolation=isolation):
            yield self.conn


class Counted:
    """The app's BookingContext with a counting database."""

    def __init__(self, ctx, db: CountingDatabase) -> None:
        self._ctx, self.db = ctx, db

    # Its units of work open on the counting database (not the app's, as a method of the
    # wrapped context would).
    unit_of_work = BookingContext.unit_of_work

    def __getattr__(self, name):
        return getattr(self._ctx, name)


def command(service, agent_id: str, **kw) -> CreateBooking:
    body = service.body(**kw)
    asked = booking_request(period=body["period"], contact_name=body["contact_name"],
                            contact_phone=body["contact_phone"], enterprises=body["enterprises"])
    return CreateBooking(agent_id=agent_id, center=body["center"], date=service.tuesday, period=asked.period,
                         contact_name=asked.contact_name, contact_phone=asked.contact_phone,
                         enterprises=asked.enterprises)


async def book_counted(service, cmd: CreateBooking, key: IdempotencyKey | None = None) -> list[str]:
    """The statements of booking ``cmd``, on a connection warmed by a booking just before."""
    # The working calendar kept while the two bookings run (1 s by default: a loaded machine
    # could read it again between them, a statement that is not the booking's).
    service.ctx.calendars.ttl = 60
    async with service.db.connection() as conn:
        db = CountingDatabase(conn)
        ctx = Counted(service.ctx, db)
        warm = command(service, f"warm-{cmd.agent_id}", period="PM")
        await create_booking(ctx, warm, IdempotencyKey(warm.agent_id, "warm", "hash") if key else None)
        await db.settle()
        db.statements.clear()
        answer = await create_booking(ctx, cmd, key)
        await db.stop()
        assert answer.status == 201
        return db.statements


async def test_a_booking_is_two_statements(service):
    statements = await book_counted(service, command(service, "agent-rt-1", lines=3))
    assert len(statements) == 2, statements
    assert statements[0].startswith("WITH gone AS (DELETE FROM account_throttles"), statements


async def test_with_an_idempotency_key_it_is_five(service):
    cmd = command(service, "agent-rt-2", lines=2)
    statements = await book_counted(service, cmd, IdempotencyKey("agent-rt-2", "k-1", "hash"))
    assert len(statements) == 5, statements
    assert statements[1].startswith("WITH gone AS (DELETE FROM account_throttles"), statements


async def test_through_the_route_a_booking_takes_one_connection(service, monkeypatch):
    """The whole request through HTTP: one pool connection and two statements, the
    account's throttle included (it counted on a connection of its own before)."""
    db, taken, sent = service.db, [], []
    connection = db.connection

    def logged(record) -> None:
        if not introspection(record.query):
            sent.append(" ".join(record.query.split())[:60])

    @asynccontextmanager
    async def counted():
        async with connection() as conn:
            taken.append(conn)
            conn.add_query_logger(logged)
            try:
                yield conn
            finally:
                await asyncio.sleep(0)   # the loggers run soon after each statement
                conn.remove_query_logger(logged)
    service.ctx.calendars.ttl = 60   # the calendar still cached at the counted booking on a loaded machine
    await service.booked(service.agent(), period="PM")   # warm: the calendar cached, types introspected
    monkeypatch.setattr(db, "connection", counted)
    await service.booked(service.agent(), lines=2)
    assert len(taken) == 1, sent
    assert len(sent) == 2 and sent[0].startswith("WITH gone AS") and sent[1].startswith("WITH booking AS"), sent


async def test_an_sms_report_is_one_statement(service):
    booking, warm = await service.booked(service.agent()), await service.booked(service.agent())
    async with service.db.connection() as conn:
        # Warm: a connection's first use of the statement may introspect its array types.
        await record_sms_outcome(conn, warm["id"], delivered=True, now=service.now)
        db = CountingDatabase(conn)
        await record_sms_outcome(conn, booking["id"], delivered=True, now=service.now)
        await db.stop()
        assert len(db.statements) == 1, db.statements
        assert await conn.fetchval("SELECT sms_status FROM bookings WHERE id = $1::uuid", booking["id"]) == "delivered"


async def test_a_batch_of_sms_reports_is_one_statement_and_each_booking_ends_as_one_by_one(service):
    """The consumer's batch of reports (booking.consumers.notification_events.batch_handler):
    one statement whatever the number of bookings; a booking with several reports ends where
    they would leave it one by one (a failure never replaces a delivery); unknown ids ignored."""
    agent = service.agent()
    late_failure, retried, failed, untouched, delivered_before = (
        await service.booked(agent, period="AM"), await service.booked(agent, period="PM"),
        await service.booked(service.agent()), await service.booked(service.agent()),
        await service.booked(service.agent()))
    async with service.db.connection() as conn:
        await record_sms_outcome(conn, delivered_before["id"], delivered=True, now=service.now)
        db = CountingDatabase(conn)
        await record_sms_outcomes(conn, [(delivered_before["id"], False),
            (late_failure["id"], True), (retried["id"], False), (failed["id"], False), (str(uuid.uuid4()), True),
            ("not-a-uuid", True), (None, True), (late_failure["id"], False), (retried["id"], True)],
            now=service.now)
        await db.stop()
        assert len(db.statements) == 1, db.statements
        status = {r["id"]: r["sms_status"] for r in await conn.fetch("SELECT id::text, sms_status FROM bookings")}
    assert status[late_failure["id"]] == "delivered"
    assert status[retried["id"]] == "delivered"
    assert status[failed["id"]] == "failed"
    assert status[untouched["id"]] == "pending"
    assert status[delivered_before["id"]] == "delivered"


async def test_through_the_pool_a_booking_is_two_statements_and_release_none(service):
    """The whole request, the pool's acquire and release included: the read and the write
    (with BEGIN and COMMIT, which asyncpg's query loggers do not see: 4 round trips), and
    nothing when the connection goes back (no reset query: shared.db; asyncpg's default
    reset would show here as a third statement)."""
    settings = service.runtime.settings
    db = Database(await create_pool(settings.database_url, settings.db_schema, min_size=1, max_size=1),
                  settings.db_schema)
    sent: list[str] = []

    def logged(record) -> None:
        if not introspection(record.query):
            sent.append(" ".join(record.query.split())[:60])
    try:
        async with db.connection() as conn:   # the pool's one connection: every use case gets it
            conn.add_query_logger(logged)
        ctx = Counted(service.ctx, db)
        assert (await create_booking(ctx, command(service, "warm-agent-rt-3", period="PM"))).status == 201
        await asyncio.sleep(0)   # the loggers run soon after each statement
        sent.clear()
        assert (await create_booking(ctx, command(service, "agent-rt-3", lines=2))).status == 201
        await asyncio.sleep(0)
        assert len(sent) == 2 and sent[0].startswith("WITH gone AS") and sent[1].startswith("WITH booking AS"), sent
    finally:
        async with db.connection() as conn:
            conn.remove_query_logger(logged)
        await db.close()
