"""A burst of 1,000 SMS through one, then three real notifier processes (``python -m
notifier``), the real PostgreSQL and RabbitMQ, and the fake provider, with the provider's
rate shared by the fleet. It shows what the autoscaler and the connection budget rely on:

- the backlog gauge ``notifier_sms_pending_messages`` (scraped from each process's
  /metrics) rises with the burst and falls back to 0, and every process reports the same
  backlog (it is read from the database, not from the process);
- the processes together never call the provider faster than its rate (per second, as the
  fake counts the calls), however many there are;
- no process holds more PostgreSQL connections than its share (pool + the relay's LISTEN
  connection; pg_stat_activity by the per-process application_name);
- every event gives one message, delivered, its ref called once (again only after an unanswered call).

Bounded in time: at RATE = 40 SMS/s a burst drains in ~25 s, so the test takes 1-2 minutes
on a busy 2-core machine (a slower rate would stretch it; a faster one would let CPU, not
the rate, pace the processes there). NOTIFIER_BURST_SMS sets a smaller burst for quick runs.
"""
from __future__ import annotations

import asyncio
import bisect
import os
from datetime import datetime
import re
import signal
import uuid

import asyncpg
import pytest

from notifier.settings import NotifierSettings
from testsupport.notifier import events as ev
from testsupport.notifier.fake_provider import run_fake_provider
from testsupport.generators import new_phone
from testsupport.harness import publish_envelope
from testsupport.notifier.harness import wait_until
from testsupport.notifier.process import NotifierProcess
from testsupport.infra import create_test_database, create_test_vhost, delete_test_vhost, drop_test_database
from testsupport.messaging import bus

BURST = int(os.environ.get("NOTIFIER_BURST_SMS", "1000"))
RATE = 40                  # provider calls per second, for the whole fleet
MAX_IN_FLIGHT = 16
POOL_MAX = NotifierSettings.model_fields["db_pool_max"].default
SHARE = POOL_MAX + 1       # the pool + the outbox relay's LISTEN connection
EXCHANGE = "cardcenter.events"
PENDING = re.compile(r"^notifier_sms_pending_messages (\S+)$", re.M)


@pytest.fixture
async def infra(infra_urls):
    database_url = await create_test_database(infra_urls[0])
    amqp_url, vhost = create_test_vhost(infra_urls[1])
    try:
        yield database_url, amqp_url
    finally:
        delete_test_vhost(vhost)
        await drop_test_database(database_url)


class Watch:
    """Samples, every 0.25 s while a burst drains: each process's pending gauge and its
    connections in pg_stat_activity."""

    def __init__(self, db: asyncpg.Connection, processes: list[NotifierProcess]) -> None:
        self.db = db
        self.processes = processes
        self.gauges: dict[int, list[float]] = {p.pid: [] for p in processes}
        self.connections: dict[int, int] = {p.pid: 0 for p in processes}
        self._stop = asyncio.Event()

    async def run(self) -> None:
        try:
            await self._sample()
        finally:
            await self.db.close()

    async def _sample(self) -> None:
        while not self._stop.is_set():
            for p in self.processes:
                found = PENDING.search(await p.metrics())
                assert found, "no notifier_sms_pending_messages on /metrics"
                self.gauges[p.pid].append(float(found.group(1)))
            rows = await self.db.fetch("SELECT application_name, count(*) AS n FROM pg_stat_activity"
                                       " WHERE datname = current_database() GROUP BY application_name")
            for row in rows:
                for p in self.processes:
                    if row["application_name"].endswith(f" {p.pid}") and row["application_name"].startswith("notifier"):
                        self.connections[p.pid] = max(self.connections[p.pid], row["n"])
            await asyncio.sleep(0.25)

    def stop(self) -> None:
        self._stop.set()


def busiest(times: list[float], window: float) -> int:
    """The most calls that arrived within any ``window`` seconds."""
    times = sorted(times)
    return max((bisect.bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)


async def burst(publisher, db: asyncpg.Connection, database_url: str, processes: list[NotifierProcess]) -> Watch:
    """Publish BURST events, watch until every message is final; return what was seen."""
    watch = Watch(await asyncpg.connect(database_url), processes)
    watching = asyncio.create_task(watch.run())
    envelopes = [ev.confirmed(f"bk-{uuid.uuid4().hex[:12]}", new_phone()) for _ in range(BURST)]
    for i in range(0, BURST, 200):
        await asyncio.gather(*(publish_envelope(publisher, e)
                               for e in envelopes[i:i + 200]))
    ids = [e.id for e in envelopes]

    async def all_final() -> bool:
        assert not watching.done(), watching.exception()
        return await db.fetchval("SELECT count(*) FROM messages WHERE event_id = ANY($1::uuid[])"
                                 " AND status IN ('delivered', 'failed')", ids) == BURST
    # At RATE, BURST / RATE seconds; twice that and a minute of slack on a busy machine.
    assert await wait_until(all_final, timeout=2 * BURST / RATE + 60, interval=0.5), "the burst did not drain"
    # the gauges' refresh (every 0.5 s) after the drain: every process reports 0
    await wait_until(lambda: all(g and g[-1] == 0 for g in watch.gauges.values()), timeout=10)
    watch.stop()
    await watching

    rows = await db.fetch("SELECT id, event_id, status FROM messages WHERE event_id = ANY($1::uuid[])", ids)
    assert len(rows) == BURST and {r["event_id"] for r in rows} == set(ids)    # one message per event, none lost
    assert {r["status"] for r in rows} == {"delivered"}
    return watch


async def check_provider(fake, db: asyncpg.Connection, *, expected_refs: set[str]) -> None:
    calls = [c for c in fake.state.calls if c.ref in expected_refs]
    per_ref: dict[str, int] = {}
    for c in calls:
        per_ref[c.ref] = per_ref.get(c.ref, 0) + 1
    assert set(per_ref) == expected_refs
    # Never sent twice by choice: a ref reaches the provider again only after its earlier
    # call went unanswered (the provider timeout or a broken connection: the sender cannot
    # know it arrived, so it calls again with the same ref, which the provider dedupes). On
    # an overloaded machine a 50 ms answer can take longer than the 5 s timeout; a lease
    # lost by a live sender (outcome 'lost') or a second claim would show here as a repeat
    # without such an attempt, and fails.
    twice = {ref: n for ref, n in per_ref.items() if n > 1}
    if twice:
        rows = await db.fetch("SELECT message_id::text AS ref, attempt, outcome, reason FROM message_attempts"
                              " WHERE message_id = ANY($1::uuid[]) ORDER BY message_id, attempt", list(twice))
        attempts: dict[str, list[tuple]] = {}
        for r in rows:
            attempts.setdefault(r["ref"], []).append((r["attempt"], r["outcome"], r["reason"]))
        unexplained = {ref: attempts.get(ref) for ref, n in twice.items()
                       if len(attempts.get(ref, [])) != n
                       or not all(o == "retry" and (reason == "timeout" or (reason or "").startswith("connection"))
                                  for _, o, reason in attempts[ref][:-1])}
        assert not unexplained, f"{len(unexplained)} messages called more than once without an unanswered call: {unexplained}"
        print(f"\n{len(twice)} refs called again after an unanswered call: {list(attempts.values())[:5]}")
    # ... and recorded once: the provider answered every repeat without recording it again.
    assert fake.state.duplicates == sum(n - 1 for n in twice.values())
    # Never past the rate. The slots are spaced exactly 1/RATE apart in the database; the
    # calls arrive a little late, more so on a busy machine (up to a second seen on 2 shared
    # cores while the events are consumed), so a window holds at most its own slots plus
    # what bunched into it: per whole second (the fake's own count; up to 1.25 x RATE seen),
    # per 10 s (one second's worth) and over the whole burst (the tight one). Each process
    # with its own limit instead of the fleet's makes 3 x RATE and fails all three.
    # The first seconds of a phase are left to the 10 s window: processes that have just
    # started (first provider connection, first claims) send the slots they were given late
    # and together, up to ~1.7 x RATE in one second seen in CI on an idle machine, while the
    # seconds around it stay under (27, 13, 67, 40, 40, ...).
    per_second = fake.state.calls_per_second()
    settled = dict(sorted(per_second.items())[3:])
    times = sorted(datetime.fromisoformat(c.at).timestamp() for c in calls)
    assert max(settled.values()) <= RATE * 1.5, sorted(per_second.items())
    assert busiest(times, 10.0) <= RATE * 11, busiest(times, 10.0)
    assert (len(times) - 1) / (times[-1] - times[0] + 1.0) <= RATE, (len(times), times[-1] - times[0])
    # ... and the rate was the bound, not the processes: the fleet ran at it.
    assert busiest(times, 10.0) >= RATE * 10 * 0.6, busiest(times, 10.0)


def check_gauges(watch: Watch) -> None:
    for pid, seen in watch.gauges.items():
        assert max(seen) >= min(BURST / 2, 500), f"process {pid}: the backlog never showed ({max(seen)})"
        assert seen[-1] == 0, f"process {pid}: the backlog did not fall back to 0: {seen[-5:]}"
    # Every process reports the same backlog (read from the database): the autoscaler may
    # read any of them. Samples are taken one process after the other, so allow the drain
    # between two scrapes plus a refresh period.
    peaks = [max(s) for s in watch.gauges.values()]
    assert max(peaks) - min(peaks) <= RATE * 2, peaks


def report(phase: str, watch: Watch, fake) -> None:
    """What the burst showed (pytest -s prints it; the report in benchmarks quotes it)."""
    times = [datetime.fromisoformat(c.at).timestamp() for c in fake.state.calls]
    print(f"\n{phase}: {BURST} SMS in {max(times) - min(times):.1f} s; calls/s max {max(fake.state.calls_per_second().values())},"
          f" busiest 10 s {busiest(times, 10.0)}; gauge peaks {[max(g) for g in watch.gauges.values()]};"
          f" connections {list(watch.connections.values())} (share {SHARE})")


def check_connections(watch: Watch) -> None:
    for pid, most in watch.connections.items():
        assert 0 < most <= SHARE, f"process {pid} held {most} connections (share {SHARE})"


async def test_a_burst_drains_at_the_providers_rate_through_one_then_three_processes(infra, tmp_path):
    database_url, amqp_url = infra
    db = await asyncpg.connect(database_url)
    processes: list[NotifierProcess] = []

    def process() -> NotifierProcess:
        p = NotifierProcess(database_url=database_url, amqp_url=amqp_url, sms_url=fake.url,
                            log_path=tmp_path / f"notifier-{len(processes)}.log",
                            max_in_flight=MAX_IN_FLIGHT, provider_rate_per_second=RATE,
                            backlog_refresh_seconds=0.5, pending_grace_seconds=0.5)
        processes.append(p)
        p.start()
        return p

    try:
        async with run_fake_provider() as fake, bus(amqp_url, exchange=EXCHANGE) as publisher:
            fake.state.set_delay(0.05)     # each call takes 50 ms: a send holds its permit a while
            await process().wait_consuming(60)
            await db.execute("SET search_path TO notifier")

            # One process.
            watch = await burst(publisher, db, database_url, processes[:1])
            refs = {str(r["id"]) for r in await db.fetch("SELECT id FROM messages")}
            report("1 process", watch, fake)
            await check_provider(fake, db, expected_refs=refs)
            check_gauges(watch)
            check_connections(watch)

            # Three processes: the same burst again, the rate still the fleet's.
            fake.state.clear_messages()
            await db.execute("TRUNCATE message_attempts")
            for p in (process(), process()):
                await p.wait_consuming(60)
            watch = await burst(publisher, db, database_url, processes)
            refs = {str(r["id"]) for r in await db.fetch("SELECT id FROM messages")} - refs
            report("3 processes", watch, fake)
            await check_provider(fake, db, expected_refs=refs)
            check_gauges(watch)
            check_connections(watch)
            senders = await db.fetch("SELECT sender, count(*) AS n FROM message_attempts GROUP BY sender")
            assert len(senders) == 3, senders                                  # all three sent
    finally:
        for p in processes:
            p.stop(signal.SIGTERM)
        await db.close()
