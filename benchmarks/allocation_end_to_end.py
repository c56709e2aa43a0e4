"""End-to-end allocation benchmark: one 20,000-booking day through the broker and the real
allocator process.

Starts ``python -m allocator`` as its own process on a database and a RabbitMQ vhost created
for the run (both removed at the end) and a free port, then, for each run (a different
service date each time): stores the snapshot document of N bookings with 1-10 enterprises
each (the seeded day of ``allocation_inprocess.py``) in a small fake of booking's internal
route (``GET /internal/cutoff-snapshots/{id}``, served from this process with the services'
token), publishes the ``allocation.requested`` naming it (a claim check) and times publish
-> ``allocation.completed`` received on a probe queue bound to the events exchange.
Meanwhile it polls the process's ``/healthz`` and keeps the slowest answer, and reads the
process's resident and peak memory (VmRSS, VmHWM) after each run. The allocator's own log
lines (``allocation_request_received``, ``allocation_recorded``) split the time into
phases. Writes benchmarks/reports/allocation_end_to_end.md (overwritten each run).

Run: .venv/bin/python benchmarks/allocation_end_to_end.py [--bookings N] [--runs R] [--timeout S]
PostgreSQL and RabbitMQ come from DATABASE_URL / AMQP_URL (default: the local ones) and must
be on the loopback interface. Bounded: the whole benchmark gives up after --timeout seconds.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import aio_pika
import aiohttp
import orjson
from aiohttp import web

from testsupport.fixtures import free_port
from testsupport.infra import (LOCAL_AMQP, LOCAL_PG, create_test_database, create_test_vhost,
                                  delete_test_vhost, drop_test_database)
from testsupport.booking_snapshots import SnapshotRoute
from testsupport.waiting import until_answers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from allocation_inprocess import SEED, cpu_model, make_day, nproc

REPO = Path(__file__).resolve().parents[1]
REPORT = Path(__file__).resolve().parent / "reports" / "allocation_end_to_end.md"
QUEUE = "allocator.requests"
FIRST_DATE = date(2026, 12, 1)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def loopback_only(url: str) -> str:
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"refusing a non-loopback server: {host!r} (this benchmark stays on this machine)")
    return url


def load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
        return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"
    except OSError:
        return "unknown"


class FakeBooking(SnapshotRoute):
    """Booking's internal route, as the allocator calls it (testsupport.booking_snapshots), on
    a port of its own."""

    def __init__(self) -> None:
        super().__init__(token=secrets.token_urlsafe(24))
        self.port = free_port()
        self.runner: web.AppRunner | None = None

    async def start(self) -> None:
        self.runner = web.AppRunner(self.app(), access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def request_body(data: dict) -> tuple[uuid.UUID, bytes]:
    event_id = uuid.uuid4()
    return event_id, orjson.dumps({
        "id": str(event_id), "type": "allocation.requested", "version": 2,
        "occurred_at": datetime.now(timezone.utc).isoformat(), "producer": "booking",
        "correlation_id": f"bench-{event_id.hex[:12]}", "causation_id": None, "data": data})


def log_lines(path: Path, event_id: uuid.UUID) -> dict[str, dict]:
    """The allocator's JSON log lines about one request, by event name."""
    found = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if entry.get("event_id") == str(event_id):
            found[entry.get("event")] = entry
    return found


def memory_mb(pid: int) -> dict[str, float]:
    """The process's resident set now (VmRSS) and its peak since it started (VmHWM), in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) * 1024 / 1e6
    return found


def stamp(entry: dict | None) -> float | None:
    if not entry or "timestamp" not in entry:
        return None
    return datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00")).timestamp()


class Allocator:
    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        self.env, self.port, self.log_path = env, port, log_path
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "allocator"], env=self.env, cwd=REPO,
                                         stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def tail(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]


async def wait_ready(svc: Allocator, amqp_url: str, deadline: float) -> None:
    """/readyz answers 200 and the consumer is attached to its queue."""
    loop = asyncio.get_running_loop()
    await until_answers(f"{svc.url}/readyz", svc.proc, timeout=deadline - loop.time(), what="the allocator",
                        log=lambda: "\n" + svc.tail())
    connection = await aio_pika.connect(amqp_url)
    try:
        while True:
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(QUEUE, passive=True)
                if queue.declaration_result.consumer_count >= 1:
                    return
            except aio_pika.exceptions.ChannelNotFoundEntity:
                pass
            finally:
                if not channel.is_closed:
                    await channel.close()
            if loop.time() > deadline:
                raise TimeoutError("the allocator's consumer never attached to its queue")
            await asyncio.sleep(0.2)
    finally:
        await connection.close()


async def poll_health(url: str, stop: asyncio.Event, samples: list[float]) -> None:
    """GET /healthz every 50 ms; record each answer's latency (a timeout counts as 10 s)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                async with http.get(f"{url}/healthz") as r:
                    await r.read()
                samples.append(time.perf_counter() - t0)
            except (aiohttp.ClientError, asyncio.TimeoutError):
                samples.append(10.0)
            try:
                await asyncio.wait_for(stop.wait(), 0.05)
            except asyncio.TimeoutError:
                pass


async def one_run(i: int, args, svc: Allocator, booking: FakeBooking, channel, exchange, probe,
                  deadline: float) -> dict:
    loop = asyncio.get_running_loop()
    day = FIRST_DATE + timedelta(days=i)
    data = make_day(args.bookings)
    data.update(date=day.isoformat(), cutoff_id=f"bench-cutoff-{i + 1}",
                closed_at=datetime.now(timezone.utc).isoformat())
    lines = sum(len(b["enterprises"]) for b in data["bookings"])
    requested = booking.request(data)
    event_id, body = request_body(requested)
    del data

    health: list[float] = []
    stop = asyncio.Event()
    poller = asyncio.create_task(poll_health(svc.url, stop, health))
    await asyncio.sleep(0.2)  # a few samples before the request: the idle baseline
    published_wall = time.time()
    t0 = time.perf_counter()
    await exchange.publish(aio_pika.Message(body, message_id=str(event_id), content_type="application/json",
                                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                           routing_key="allocation.requested", mandatory=True)
    t_confirmed = time.perf_counter()
    completed = None
    run_deadline = min(deadline, loop.time() + args.run_timeout)
    try:
        while completed is None:
            if loop.time() > run_deadline:
                raise TimeoutError(f"run {i + 1}: no allocation.completed before the deadline")
            if svc.proc is not None and svc.proc.poll() is not None:
                raise RuntimeError(f"the allocator exited:\n{svc.tail()}")
            try:
                msg = await probe.get(no_ack=True, fail=False, timeout=1)
            except asyncio.TimeoutError:
                msg = None
            if msg is None:
                await asyncio.sleep(0.01)
                continue
            event = orjson.loads(msg.body)
            if event.get("causation_id") == str(event_id):
                completed, t1, size = event, time.perf_counter(), len(msg.body)
    finally:
        stop.set()
        await poller

    await asyncio.sleep(0.3)  # let the service's log line reach the file
    memory = memory_mb(svc.proc.pid) if svc.proc is not None else {}
    logs = log_lines(svc.log_path, event_id)
    received, recorded = logs.get("allocation_request_received"), logs.get("allocation_recorded") or {}
    data_out = completed["data"]
    return {
        "run": i + 1, "date": day.isoformat(), "bookings": args.bookings, "lines": lines,
        "request_bytes": len(body), "snapshot_bytes": requested["snapshot_bytes"], "completed_bytes": size,
        "assignments": len(data_out["assignments"]), "overflow": data_out["overflow_count"],
        "changed": data_out["changed"],
        "seconds": t1 - t0, "publish_confirm": t_confirmed - t0,
        "to_handler": (stamp(received) - published_wall) if received else None,
        "compute": recorded.get("compute_seconds"), "store": recorded.get("store_seconds"),
        "handler_to_probe": (published_wall + (t1 - t0) - stamp(received)) if received else None,
        "health_max": max(health) if health else None, "health_n": len(health),
        "health_median": statistics.median(health) if health else None,
        "rss_after_mb": memory.get("VmRSS"), "peak_rss_mb": memory.get("VmHWM"),
    }


async def bench(args) -> tuple[list[dict], dict]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.timeout
    pg = loopback_only(os.environ.get("DATABASE_URL") or LOCAL_PG)
    amqp_base = loopback_only(os.environ.get("AMQP_URL") or LOCAL_AMQP)
    info = {"load_before": load()}
    database_url = await create_test_database(pg)
    amqp_url, vhost = create_test_vhost(amqp_base)
    exchange_name = "cardcenter.events" if vhost else f"bench.{uuid.uuid4().hex[:8]}.events"
    info.update(vhost="fresh" if vhost else "the base URL's vhost, with an exchange of its own",
                exchange=exchange_name)
    workdir = Path(tempfile.mkdtemp(prefix="alloc-e2e-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALLOCATOR_", "PYTEST"))}
    env.update(DATABASE_URL=database_url, AMQP_URL=amqp_url, APP_ENV="dev", LOG_LEVEL="INFO", EVENTS_VERIFY_PUBLISHER="false",
               EVENTS_EXCHANGE=exchange_name, ALLOCATOR_HOST="127.0.0.1", ALLOCATOR_PORT=str(port),
               PYTHONUNBUFFERED="1")
    booking = FakeBooking()
    await booking.start()
    env.update(ALLOCATOR_BOOKING_URL=f"http://127.0.0.1:{booking.port}", INTERNAL_API_TOKEN=booking.token)
    svc = Allocator(env, port, workdir / "allocator.log")
    results: list[dict] = []
    try:
        svc.start()
        await wait_ready(svc, amqp_url, min(deadline, loop.time() + 90))
        info["idle_rss_mb"] = memory_mb(svc.proc.pid).get("VmRSS")
        connection = await aio_pika.connect(amqp_url)
        try:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(exchange_name, ensure=True)
            probe = await channel.declare_queue(f"bench.probe.{uuid.uuid4().hex[:8]}", exclusive=True)
            await probe.bind(exchange, routing_key="allocation.completed")
            for i in range(args.runs):
                result = await one_run(i, args, svc, booking, channel, exchange, probe, deadline)
                results.append(result)
                print(f"run {i + 1}: {result['seconds']:.2f} s publish -> completed", flush=True)
        finally:
            await connection.close()
    finally:
        svc.stop()
        await booking.stop()
        info["exit_code"] = svc.proc.returncode if svc.proc else None
        info["load_after"] = load()
        await drop_test_database(database_url)
        delete_test_vhost(vhost)
    return results, info


def fmt(value, unit: str = " s", digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def report(results: list[dict], info: dict, args) -> str:
    totals = [r["seconds"] for r in results]
    first = results[0]
    out = [
        "# Allocation benchmark, end to end through the broker",
        "",
        "Generated by `benchmarks/allocation_end_to_end.py` (overwritten each run). The allocator",
        "runs as its own process (`python -m allocator`, default settings: 4 desks, 30-minute",
        "segments) on a database and a RabbitMQ vhost created for the benchmark and dropped after;",
        "the benchmark stores each run's snapshot document in a fake of booking's internal route",
        "(served from the benchmark's process, with the services' token), publishes the",
        "`allocation.requested` naming it (a claim check) and times it until the",
        "`allocation.completed` it caused arrives on a probe queue bound to the events exchange.",
        "Run from the repository root:",
        "`.venv/bin/python benchmarks/allocation_end_to_end.py [--bookings N] [--runs R] [--timeout S]`.",
        "",
        "## Machine",
        f"- nproc: {nproc()}",
        f"- CPU: {cpu_model()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- Platform: {platform.platform()}",
        f"- Load average (1/5/15 min) before: {info['load_before']}; after: {info['load_after']}",
        "  (a shared VM: other work ran beside the benchmark)",
        "- PostgreSQL and RabbitMQ on this machine, reached over loopback; "
        f"vhost: {info['vhost']}; exchange `{info['exchange']}`",
        f"- Run at: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
        "",
        "## Workload",
        f"- {args.runs} runs, each one request of {first['bookings']:,} bookings / {first['lines']:,} enterprise",
        f"  lines (1-10 per booking; the seeded day of `allocation_inprocess.py`, seed {SEED}), each",
        "  run on its own service date (a new snapshot: a full schedule is stored each time).",
        f"- Request message {first['request_bytes']:,} bytes, naming a snapshot document of"
        f" {first['snapshot_bytes'] / 1e6:.1f} MB; `allocation.completed` "
        f"{first['completed_bytes'] / 1e6:.1f} MB with all {first['assignments']:,} assignments.",
        f"- 4 desks cannot take 20,000 bookings: {first['overflow']:,} overflow (still placed; same",
        "  cost per booking as a day that fits, see the in-process report).",
        "",
        "## Results",
        "| run | date | **publish -> completed** | publish confirmed | to handler | compute (thread) |"
        " store (DB) | handler start -> completed received | /healthz slowest (median, n) |"
        " RSS after | peak RSS so far |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        out.append(
            f"| {r['run']} | {r['date']} | **{fmt(r['seconds'])}** | {fmt(r['publish_confirm'])}"
            f" | {fmt(r['to_handler'])} | {fmt(r['compute'])}"
            f" | {fmt(r['store'])} | {fmt(r['handler_to_probe'])} | {fmt(r['health_max'])}"
            f" ({fmt(r['health_median'], ' s', 3)}, {r['health_n']})"
            f" | {fmt(r['rss_after_mb'], ' MB', 0)} | **{fmt(r['peak_rss_mb'], ' MB', 0)}** |")
    out += [
        "",
        f"- publish -> completed: **min {min(totals):.2f} s, median {statistics.median(totals):.2f} s**"
        f" over {len(totals)} runs.",
        f"- Allocator memory: {fmt(info.get('idle_rss_mb'), ' MB', 0)} resident once ready, peak"
        f" **{fmt(max(r['peak_rss_mb'] or 0 for r in results), ' MB', 0)}** (VmHWM of the process).",
        f"- Every run: changed = {all(r['changed'] for r in results)}, "
        f"{first['assignments']:,} assignments in the event.",
        "- Phases, from the allocator's log timestamps: *publish confirmed* = the broker's",
        "  confirm of the request; *to handler* = that, the delivery, and the shared consumer",
        "  reading the (small) envelope before the handler starts; *compute* = `allocate`,",
        "  fingerprints and the rows, in a worker thread; *store* = the advisory lock, the",
        "  fingerprint look-ups and the COPY of the assignments (straight into the table for a",
        "  day's first schedule); the rest of *handler start -> completed received* is the fetch",
        "  of the snapshot document from booking, reading it into the snapshot (worker thread),",
        "  the outbox insert, the commit, the relay's publish and the probe's receipt.",
        "- /healthz polled every 50 ms during each run: its slowest answer is how long the event",
        "  loop was held at once (the fetch's chunks and the commit run on it; the reading and",
        "  scheduling in a worker thread).",
        "- Memory: *RSS after* is the process's resident set once the run's event arrived (VmRSS);",
        "  *peak RSS so far* its high-water mark since it started (VmHWM).",
        f"- The allocator exited with status {info['exit_code']} on SIGTERM.",
        "",
    ]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900.0, help="give up after this many seconds")
    parser.add_argument("--run-timeout", type=float, default=300.0, help="longest wait for one run")
    parser.add_argument("--json", help="also write the figures as JSON to this path")
    args = parser.parse_args()
    results, info = asyncio.run(bench(args))
    text = report(results, info, args)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(text, encoding="utf-8")
    print(text)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(orjson.dumps({
            "benchmark": "allocation_end_to_end", "bookings": args.bookings, "runs": results, "info": info,
            "machine": {"nproc": nproc(), "cpu": cpu_model(), "python": platform.python_version()},
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
            option=orjson.OPT_INDENT_2).decode(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
