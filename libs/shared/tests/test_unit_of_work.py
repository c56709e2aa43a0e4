"""The unit of work against the real PostgreSQL: the events go to the outbox in the use
case's own transaction, with the cause and the service clock's time, or not at all."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import asyncpg
import orjson
import pytest

from shared.clock import Clock
from shared.contracts.identity import CARD_BOUND, CardBound
from shared.events import Cause, make_envelope
from shared.logging import bind_context, clear_context
from testsupport.messaging import database
from shared.unit_of_work import UnitOfWork

MOVED = datetime(2031, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
THINGS = "CREATE TABLE IF NOT EXISTS uow_things (id text PRIMARY KEY)"


@dataclass
class Card:
    """A stand-in aggregate: it records what happened in ``events``."""
    user_id: str
    events: list = field(default_factory=list)

    def bind(self, at: datetime) -> None:
        self.events.append(("bound", at))


def translate(card: Card, now: datetime) -> list[CardBound]:
    return [CardBound(user_id=card.user_id, phone="13800000000", card_tail="1234", bound_at=at)
            for _, at in card.events]


def moved_clock() -> Clock:
    clock = Clock()
    clock.set(MOVED)
    return clock


async def outbox(db) -> list[asyncpg.Record]:
    async with db.connection() as conn:
        return await conn.fetch("SELECT type, routing_key, envelope, xmin::text AS tx FROM outbox ORDER BY seq")


@pytest.fixture
def request_context():
    clear_context()
    bind_context(request_id="req-1", correlation_id="req-1")
    yield
    clear_context()


async def test_commit_writes_the_events_with_cause_and_service_time_in_the_same_transaction(
        database_url, request_context):
    async with database(database_url, "uow_commit") as db:
        card = Card("u-1")
        async with UnitOfWork(db, moved_clock(), "identity", translate=translate) as uow:
            await uow.conn.execute(THINGS)
            await uow.conn.execute("INSERT INTO uow_things VALUES ('a')")
            uow.track(card).bind(uow.now)
            uow.add(CardBound(user_id="u-2", phone="13800000001", card_tail="5678", bound_at=uow.now))
        rows = await outbox(db)
        async with db.connection() as conn:
            change_tx = await conn.fetchval("SELECT xmin::text FROM uow_things WHERE id = 'a'")
    # Added events first, then the tracked aggregates'.
    assert [r["envelope"]["data"]["user_id"] for r in rows] == ["u-2", "u-1"]
    for row in rows:
        env = row["envelope"]
        assert (row["type"], row["routing_key"], env["version"], env["producer"]) == (CARD_BOUND, CARD_BOUND, 1,
                                                                                      "identity")
        assert (env["correlation_id"], env["causation_id"]) == ("req-1", "req-1")
        # The service clock's time (moved years ahead, still ticking), not the wall clock's.
        assert timedelta(0) <= datetime.fromisoformat(env["occurred_at"]) - MOVED < timedelta(minutes=1)
        # The very transaction that made the change wrote the events.
        assert row["tx"] == change_tx
    assert card.events == []


async def test_a_commit_that_fails_leaves_no_events(database_url, request_context):
    async with database(database_url, "uow_commit_fails") as db:
        async with db.connection() as conn:
            await conn.execute("CREATE TABLE uow_checked (n int UNIQUE DEFERRABLE INITIALLY DEFERRED)")
        with pytest.raises(asyncpg.UniqueViolationError):
            async with UnitOfWork(db, Clock(), "identity") as uow:
                await uow.conn.execute("INSERT INTO uow_checked VALUES (1), (1)")   # refused at COMMIT
                uow.add(CardBound(user_id="u-1", phone="13800000000", card_tail="1234", bound_at=uow.now))
        assert await outbox(db) == []


async def test_rollback_writes_no_events(database_url, request_context):
    async with database(database_url, "uow_rollback") as db:
        card = Card("u-1")
        async with UnitOfWork(db, Clock(), "identity", translate=translate) as uow:
            await uow.conn.execute(THINGS)
            uow.track(card).bind(uow.now)
            uow.add(CardBound(user_id="u-2", phone="13800000001", card_tail="5678", bound_at=uow.now))
            await uow.rollback()
        assert await outbox(db) == []
        assert card.events == []
        async with db.connection() as conn:
            assert await conn.fetchval("SELECT to_regclass('uow_things')") is None


async def test_an_exception_inside_discards_the_events_and_the_change(database_url, request_context):
    async with database(database_url, "uow_raises") as db:
        card = Card("u-1")
        with pytest.raises(RuntimeError, match="refused"):
            async with UnitOfWork(db, Clock(), "identity", translate=translate) as uow:
                await uow.conn.execute(THINGS)
                uow.track(card).bind(uow.now)
                raise RuntimeError("refused")
        assert await outbox(db) == []
        assert card.events == []
        async with db.connection() as conn:
            assert await conn.fetchval("SELECT to_regclass('uow_things')") is None


async def test_within_a_delivery_the_events_join_its_transaction_caused_by_the_handled_event(database_url):
    handled = make_envelope("booking.confirmed.test", {}, producer="booking", correlation_id="req-9")
    async with database(database_url, "uow_within") as db:
        async with db.transaction() as conn:
            async with UnitOfWork.within(conn, Clock(), "notifier", cause=Cause.of(handled), now=MOVED) as uow:
                uow.add(CardBound(user_id="u-1", phone="13800000000", card_tail="1234", bound_at=MOVED))
            assert conn.is_in_transaction()    # the unit neither commits nor ends it
            mine = await conn.fetchval("SELECT txid_current()::text")
        rows = await outbox(db)
    assert len(rows) == 1
    env = rows[0]["envelope"]
    assert (env["correlation_id"], env["causation_id"]) == ("req-9", str(handled.id))
    assert datetime.fromisoformat(env["occurred_at"]) == MOVED
    assert int(rows[0]["tx"]) == int(mine) % 2 ** 32


async def test_a_unit_without_transaction_refuses_to_end_with_events_left(database_url):
    async with database(database_url, "uow_no_tx") as db:
        with pytest.raises(RuntimeError, match="collect"):
            async with UnitOfWork(db, Clock(), "booking", transaction=False) as uow:
                uow.add(CardBound(user_id="u-1", phone="13800000000", card_tail="1234", bound_at=uow.now))
        async with UnitOfWork(db, Clock(), "booking", transaction=False) as uow:
            uow.add(CardBound(user_id=str(uuid.uuid4()), phone="13800000000", card_tail="1234", bound_at=uow.now))
            taken = uow.collect()   # the writer's own statement takes them
        assert [e.type for e in taken] == [CARD_BOUND]
        assert await outbox(db) == []


def test_the_cause_is_the_request_or_the_handled_event():
    clear_context()
    try:
        bind_context(request_id="req-1", correlation_id="req-1")
        assert Cause.current() == Cause("req-1", "req-1")
        clear_context()
        bind_context(correlation_id="req-1", event_id="ev-1", event_type="booking.confirmed")   # as the consumer does
        assert Cause.current() == Cause("req-1", "ev-1")
    finally:
        clear_context()


class Recording:
    """A connection that keeps every statement sent to it."""
    def __init__(self) -> None:
        self.statements: list[str] = []

    async def execute(self, sql: str, *args) -> None:
        self.statements.append(sql)


async def test_a_unit_without_events_sends_no_statement_of_its_own():
    # The use cases with nothing to publish (a login, a calendar override) open a unit too:
    # it must cost them nothing but their transaction.
    conn = Recording()
    async with UnitOfWork.within(conn, Clock(), "booking", cause=Cause("req-1", "req-1")) as uow:
        await uow.conn.execute("UPDATE things SET n = 1")
    assert conn.statements == ["UPDATE things SET n = 1"]
    async with UnitOfWork.within(conn, Clock(), "booking", cause=Cause("req-1", "req-1")) as uow:
        uow.add(CardBound(user_id="u-1", phone="13800000000", card_tail="1234", bound_at=uow.now))
    assert len(conn.statements) == 2 and "INSERT INTO outbox" in conn.statements[1]


async def test_a_unit_without_events_adds_no_statement_to_its_transaction(database_url, request_context):
    # What the unit's connection is sent from the use case's first statement to the COMMIT
    # (the pool's reset on release comes after; the pool is this test's own).
    async with database(database_url, "uow_statements") as db:
        for events in (0, 1):
            sent: list[str] = []
            async with UnitOfWork(db, Clock(), "identity") as uow:
                uow.conn.add_query_logger(lambda record, sent=sent: sent.append(record.query))
                await uow.conn.execute("SELECT 1")
                for _ in range(events):
                    uow.add(CardBound(user_id="u-1", phone="13800000000", card_tail="1234", bound_at=uow.now))
            in_transaction = sent[:sent.index("COMMIT;") + 1]
            if events:   # (asyncpg may introspect the array types first: not counted)
                assert sum("INSERT INTO outbox" in q for q in in_transaction) == 1
            else:
                assert in_transaction == ["SELECT 1", "COMMIT;"]


async def test_an_encoded_event_gets_the_units_envelope_and_goes_out_with_the_others(database_url, request_context):
    def encode(header) -> str:
        whole = header.model_dump(mode="json")
        whole["data"]["phone"] = "13800000009"     # what the use case writes itself
        return orjson.dumps(whole).decode()

    async with database(database_url, "uow_encoded") as db:
        async with UnitOfWork(db, moved_clock(), "identity") as uow:
            uow.add_encoded(CardBound(user_id="u-1", phone="", card_tail="1234", bound_at=uow.now), encode)
            uow.add(CardBound(user_id="u-2", phone="13800000001", card_tail="5678", bound_at=uow.now))
        rows = await outbox(db)
        async with UnitOfWork(db, Clock(), "identity") as uow:
            uow.add_encoded(CardBound(user_id="u-3", phone="", card_tail="1234", bound_at=uow.now), encode)
            await uow.rollback()
        assert len(await outbox(db)) == 2
        with pytest.raises(RuntimeError, match="collect"):
            async with UnitOfWork(db, Clock(), "identity", transaction=False) as uow:
                uow.add_encoded(CardBound(user_id="u-4", phone="", card_tail="1234", bound_at=uow.now), encode)
    assert [r["envelope"]["data"]["user_id"] for r in rows] == ["u-2", "u-1"]   # encoded ones last
    env = rows[1]["envelope"]
    assert (rows[1]["type"], env["producer"], env["data"]["phone"]) == (CARD_BOUND, "identity", "13800000009")
    assert (env["correlation_id"], env["causation_id"]) == ("req-1", "req-1")
    assert timedelta(0) <= datetime.fromisoformat(env["occurred_at"]) - MOVED < timedelta(minutes=1)
    assert rows[0]["tx"] == rows[1]["tx"]
