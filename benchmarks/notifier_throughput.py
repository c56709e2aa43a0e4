"""Notifier throughput: SMS per second through real notifier processes, for 1, 2 and 4
processes, against a fake provider that takes 100 ms per call; then (issue 20) 1 and 4
processes against a provider taking 300 ms, where the in-flight bound, not the CPU, is
the limit (--scaleout-delay-ms, --scaleout-processes; target 4 processes >= 3.6 x one).

Each run: a fresh schema; N processes (``python -m notifier``, SMS_PROVIDER=http) started
and consuming; then a burst of booking.allocated events published as fast as the broker
confirms them (the cutoff's peak); timed until every message is delivered. The ceiling a
run is measured against is N x NOTIFIER_MAX_IN_FLIGHT / 100 ms: each process has that
many sends in flight and each call takes 100 ms. The shared rate limit is off
(NOTIFIER_PROVIDER_RATE_PER_SECOND=0) so that it does not cap the figure.

Every run also checks the result: one delivered message per event, no ref delivered twice.
Writes benchmarks/reports/notifier_throughput.md (overwritten each run).

Run: .venv/bin/python benchmarks/notifier_throughput.py [--messages 2000] [--processes 1,2,4]
     [--in-flight 16] [--delay-ms 100]
Needs PostgreSQL and RabbitMQ (DATABASE_URL / AMQP_URL, default the local ones); works in a
database and vhost of its own, dropped at the end.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import asyncpg

from shared.bus import Bus, Topology
from testsupport.fixtures import free_port
from testsupport.infra import (LOCAL_AMQP, LOCAL_PG, create_test_database, create_test_vhost,
                                  delete_test_vhost, drop_test_database)
from testsupport.harness import publish_envelope
from testsupport.notifier import events as ev
from testsupport.notifier.fake_provider import run_fake_provider
from testsupport.notifier.process import consuming
from testsupport.waiting import until_answers

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO / "benchmarks" / "reports" / "notifier_throughput.md"
SCALEOUT_TARGET = 3.6   # issue 20: 4 processes >= 3.6 x one when the provider is the limit


@dataclass
class RunResult:
    processes: int
    messages: int
    ceiling: float               # SMS/s: processes * in_flight / delay
    end_to_end: float            # messages / (last delivery - first publish)
    steady: float                # provider calls/s between the 10th and 90th percentile answers
    publish_seconds: float
    total_seconds: float
    per_process: list[int]
    refs_called_twice: int
    clean_exit: bool
    cpu_ms_per_message: float    # CPU of the notifier processes (user + system) per message
    load_before: float           # 1-minute load average when the run started


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return [f"nproc: {os.cpu_count()}", f"CPU: {cpu}", f"Memory: {mem}",
            f"Python: {platform.python_implementation()} {platform.python_version()}",
            f"Platform: {platform.platform()}"]


class Fleet:
    """N notifier processes on one schema."""

    def __init__(self, n: int, *, database_url: str, amqp_url: str, schema: str, sms_url: str,
                 in_flight: int, logdir: Path) -> None:
        self.procs: list[tuple[subprocess.Popen, int]] = []
        self.n = n
        base = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFIER_")}
        base.update(DATABASE_URL=database_url, AMQP_URL=amqp_url, SMS_PROVIDER="http", SMS_HTTP_URL=sms_url,
                    APP_ENV="dev", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1", NOTIFIER_DB_SCHEMA=schema, EVENTS_VERIFY_PUBLISHER="false",
                    NOTIFIER_MAX_IN_FLIGHT=str(in_flight), NOTIFIER_PROVIDER_RATE_PER_SECOND="0")
        self.base_env = base
        self.logdir = logdir

    def start(self) -> None:
        for _ in range(self.n):
            port = free_port()
            env = dict(self.base_env, NOTIFIER_PORT=str(port))
            with open(self.logdir / f"notifier-{port}.log", "ab") as log:
                proc = subprocess.Popen([sys.executable, "-m", "notifier"], env=env, cwd=REPO,
                                        stdout=log, stderr=subprocess.STDOUT)
            self.procs.append((proc, port))

    async def wait_consuming(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for proc, port in self.procs:
            await until_answers(f"http://127.0.0.1:{port}/metrics", proc, timeout=deadline - time.monotonic(),
                                answered=consuming, what=f"notifier on :{port}")

    def cpu_seconds(self) -> float:
        """User + system CPU the processes used so far (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for proc, _ in self.procs:
            try:
                fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks
            except (OSError, IndexError, ValueError):
                return float("nan")
        return total

    def stop(self) -> bool:
        """SIGTERM, as an orchestrator does; True when every process exited cleanly."""
        clean = True
        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, _ in self.procs:
            try:
                clean &= proc.wait(30) == 0
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                clean = False
        return clean


async def one_run(n: int, args, *, database_url: str, amqp_url: str, fake, logdir: Path,
                  delay_ms: float | None = None, messages: int | None = None) -> RunResult:
    delay_ms = args.delay_ms if delay_ms is None else delay_ms
    messages = args.messages if messages is None else messages
    schema = f"notifier_bench_{n}_{uuid.uuid4().hex[:6]}"
    fake.state.clear_messages()
    fleet = Fleet(n, database_url=database_url, amqp_url=amqp_url, schema=schema, sms_url=fake.url,
                  in_flight=args.in_flight, logdir=logdir)
    fleet.start()
    clean = False
    load_before = os.getloadavg()[0]
    try:
        await fleet.wait_consuming()
        cpu_before = fleet.cpu_seconds()
        envelopes = [ev.allocated(f"bench-{uuid.uuid4().hex[:12]}", f"138{i:08d}", queue_number=f"A{i % 1000:03d}")
                     for i in range(messages)]
        bus = Bus(amqp_url, topology=Topology(), service="benchmark")
        bus.start()
        await bus.wait_ready(15)
        t0 = time.monotonic()
        started_at = datetime.now(timezone.utc)
        try:
            for i in range(0, len(envelopes), 200):
                await asyncio.gather(*(publish_envelope(bus, e)
                                       for e in envelopes[i:i + 200]))
        finally:
            publish_seconds = time.monotonic() - t0
            await bus.close()
        conn = await asyncpg.connect(database_url, server_settings={"search_path": schema})
        try:
            while True:
                done = await conn.fetchval("SELECT count(*) FROM messages WHERE status IN ('delivered', 'failed')")
                if done >= messages:
                    break
                if time.monotonic() - t0 > args.timeout:
                    raise TimeoutError(f"{done}/{messages} delivered after {args.timeout}s")
                await asyncio.sleep(0.05)
            last = await conn.fetchval("SELECT max(delivered_at) FROM messages")
            delivered = await conn.fetchval("SELECT count(*) FROM messages WHERE status = 'delivered'")
            per_process = [r["n"] for r in await conn.fetch(
                "SELECT count(*) AS n FROM message_attempts GROUP BY sender ORDER BY n DESC")]
        finally:
            await conn.close()
        cpu_used = fleet.cpu_seconds() - cpu_before
    finally:
        clean = fleet.stop()
    assert delivered == messages, f"{delivered} of {messages} delivered"
    refs = [m.ref for m in fake.state.messages]
    assert len(refs) == len(set(refs)) == messages, "a ref was delivered twice or one is missing"
    calls: dict[str, int] = {}
    for c in fake.state.calls:
        calls[c.ref] = calls.get(c.ref, 0) + 1
    answers = sorted(datetime.fromisoformat(c.at).timestamp() for c in fake.state.calls)
    lo, hi = answers[len(answers) // 10], answers[(len(answers) * 9) // 10]
    inside = sum(1 for a in answers if lo <= a <= hi)
    return RunResult(
        processes=n, messages=messages, ceiling=n * args.in_flight / (delay_ms / 1000),
        end_to_end=messages / (last - started_at).total_seconds(),
        steady=(inside - 1) / (hi - lo) if hi > lo else float("nan"),
        publish_seconds=publish_seconds, total_seconds=(last - started_at).total_seconds(),
        per_process=per_process, refs_called_twice=sum(1 for v in calls.values() if v > 1), clean_exit=clean,
        cpu_ms_per_message=1000 * cpu_used / messages, load_before=load_before)


def write_report(results: list[RunResult], args, started: str, versions: dict[str, str],
                 scaleout: list[RunResult] | None = None) -> None:
    lines = [
        "# Notifier throughput",
        "",
        "Generated by `benchmarks/notifier_throughput.py` (overwritten each run). Real notifier",
        "processes (`python -m notifier`, `SMS_PROVIDER=http`) against the real PostgreSQL and",
        "RabbitMQ, sending to the fake provider (`testsupport.notifier.fake_provider`) which answers",
        f"every call after {args.delay_ms:.0f} ms. Run: `.venv/bin/python benchmarks/notifier_throughput.py`.",
        "",
        "## Machine",
        *[f"- {m}" for m in machine()],
        *[f"- {k}: {v}" for k, v in versions.items()],
        f"- Run at: {started}",
        "- Everything on this one machine: PostgreSQL, RabbitMQ, the fake provider (one asyncio",
        "  process, also the event publisher) and the notifier processes share its CPUs.",
        "",
        "## Workload",
        f"- {args.messages:,} `booking.allocated` events per run, published as fast as the broker confirms",
        "  them (batches of 200) into the notifier's queue while the processes consume.",
        f"- Per process: `NOTIFIER_MAX_IN_FLIGHT={args.in_flight}`, shared rate limit off, default pool",
        "  (10 connections), default consumer prefetch (32).",
        f"- Ceiling = processes x {args.in_flight} in flight / {args.delay_ms / 1000:g} s per call.",
        "- end-to-end: messages / (last delivery - first publish). steady: provider answers per",
        "  second between the 10th and 90th percentile answer (the burst without ramp-up and tail).",
        "",
        "## Results",
        "| processes | ceiling SMS/s | steady SMS/s | % of ceiling | end-to-end SMS/s | publish s | total s | messages per process | notifier CPU ms/message | load avg at start | refs called twice | clean SIGTERM exit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.processes} | {r.ceiling:,.0f} | {r.steady:,.0f} | {100 * r.steady / r.ceiling:.0f}% | "
            f"{r.end_to_end:,.0f} | {r.publish_seconds:.2f} | {r.total_seconds:.2f} | "
            f"{' / '.join(str(x) for x in r.per_process)} | {r.cpu_ms_per_message:.1f} | {r.load_before:.2f} | "
            f"{r.refs_called_twice} | {'yes' if r.clean_exit else 'no'} |")
    lines += ["", "Every run delivered every message exactly once (checked by ref at the fake provider).", ""]
    if len(results) > 1:
        base = results[0]
        lines.append("Scaling (steady, relative to 1 process): " + ", ".join(
            f"{r.processes} -> {r.steady / base.steady:.2f}x" for r in results) + ".")
        lines.append("")
    cpu = statistics.median(r.cpu_ms_per_message for r in results)
    cores = os.cpu_count() or 1
    lines += [
        "## Reading it",
        f"- The notifier costs about {cpu:.1f} ms of CPU per message (median over the runs: consume,",
        "  record, claim, attempt, outcome, outbox relay), so its processes alone could carry",
        f"  about {1000 * cores / cpu:,.0f} SMS/s on this machine's {cores} CPU(s) - which they share with",
        "  PostgreSQL, RabbitMQ, the fake provider and the publisher. Where steady stays below",
        "  the ceiling as processes are added, the machine's CPUs, not the notifier's in-flight",
        "  bound, are the limit; on separate hosts each process adds its own in-flight capacity.",
        "- The in-flight bound counts provider calls only: messages are claimed ahead (up to",
        "  NOTIFIER_MAX_IN_FLIGHT more), so a call that ends is followed at once by the next. What",
        "  keeps one process under its ceiling is then its CPU per message, not claim round trips.",
        "- A load average well above the CPU count at the start of a run means other work shared",
        "  the machine: those figures are low bounds.",
    ]
    for r in results:
        if r.publish_seconds > 0.5 * r.total_seconds:
            lines.append(f"- {r.processes} process(es): publishing took {r.publish_seconds:.1f} of {r.total_seconds:.1f} s:"
                         " the events arrived no faster than that, which bounds this run's end-to-end figure.")
    lines.append("")
    lines += scaleout_lines(scaleout or [], args)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def scaleout_lines(runs: list[RunResult], args) -> list[str]:
    if not runs:
        return []
    out = ["## Scale-out where the provider is the limit (issue 20)",
           f"The same runs with the provider answering after {args.scaleout_delay_ms:.0f} ms: each process's",
           f"{args.in_flight} sends in flight, not the CPUs, bound the rate (ceiling = processes x {args.in_flight} /",
           f"{args.scaleout_delay_ms / 1000:g} s). Target: 4 processes >= {SCALEOUT_TARGET} x one (steady).", "",
           "| processes | ceiling SMS/s | steady SMS/s | % of ceiling | end-to-end SMS/s | total s | notifier CPU ms/message | load avg at start |",
           "|---|---|---|---|---|---|---|---|"]
    for r in runs:
        out.append(f"| {r.processes} | {r.ceiling:,.0f} | {r.steady:,.0f} | {100 * r.steady / r.ceiling:.0f}% | "
                   f"{r.end_to_end:,.0f} | {r.total_seconds:.2f} | {r.cpu_ms_per_message:.1f} | {r.load_before:.2f} |")
    base = runs[0]
    out += ["", "Scaling (steady, relative to the first row): " + ", ".join(
        f"{r.processes} -> {r.steady / base.steady:.2f}x" for r in runs) + ".", ""]
    return out


async def versions(database_url: str) -> dict[str, str]:
    out = {}
    conn = await asyncpg.connect(database_url)
    try:
        out["PostgreSQL"] = (await conn.fetchval("SHOW server_version")).split()[0]
    finally:
        await conn.close()
    try:
        rmq = subprocess.run(["rabbitmqctl", "-q", "version"], capture_output=True, text=True, timeout=30)
        if rmq.returncode == 0 and rmq.stdout.strip():
            out["RabbitMQ"] = rmq.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--in-flight", type=int, default=16)
    parser.add_argument("--delay-ms", type=float, default=100.0)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run at most")
    parser.add_argument("--scaleout-delay-ms", type=float, default=300.0,
                        help="provider delay of the scale-out series (issue 20); 0: skip it")
    parser.add_argument("--scaleout-processes", default="1,4")
    parser.add_argument("--scaleout-messages", type=int, default=0, help="messages per scale-out run (default --messages)")
    parser.add_argument("--json", help="also write the figures as JSON to this path")
    args = parser.parse_args()
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    database_url = await create_test_database(os.environ.get("DATABASE_URL", LOCAL_PG))
    amqp_url, vhost = create_test_vhost(os.environ.get("AMQP_URL", LOCAL_AMQP))
    results: list[RunResult] = []
    scaleout: list[RunResult] = []
    try:
        info = await versions(database_url)
        async with run_fake_provider() as fake:
            fake.state.set_delay(args.delay_ms / 1000)
            with tempfile.TemporaryDirectory(prefix="notifier-bench-") as logdir:
                for n in (int(x) for x in args.processes.split(",")):
                    r = await one_run(n, args, database_url=database_url, amqp_url=amqp_url, fake=fake,
                                      logdir=Path(logdir))
                    print(f"{n} process(es): steady {r.steady:,.0f} SMS/s, end-to-end {r.end_to_end:,.0f} SMS/s "
                          f"(ceiling {r.ceiling:,.0f})", flush=True)
                    results.append(r)
                # Issue 20: scale-out where the provider, not the CPU, is the limit. A slow
                # provider makes each process's in-flight bound the limit at a rate two cores
                # carry easily, so added processes should add their whole window.
                if args.scaleout_delay_ms > 0:
                    fake.state.set_delay(args.scaleout_delay_ms / 1000)
                    for n in (int(x) for x in args.scaleout_processes.split(",")):
                        r = await one_run(n, args, database_url=database_url, amqp_url=amqp_url, fake=fake,
                                          logdir=Path(logdir), delay_ms=args.scaleout_delay_ms,
                                          messages=args.scaleout_messages or args.messages)
                        print(f"scale-out, provider {args.scaleout_delay_ms:.0f} ms, {n} process(es): steady"
                              f" {r.steady:,.0f} SMS/s (ceiling {r.ceiling:,.0f})", flush=True)
                        scaleout.append(r)
    finally:
        await drop_test_database(database_url)
        delete_test_vhost(vhost)
    write_report(results, args, started, info, scaleout)
    print(f"report: {REPORT.relative_to(REPO)}")
    if args.json:
        import dataclasses
        import json
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({
            "benchmark": "notifier_throughput", "messages": args.messages, "in_flight": args.in_flight,
            "delay_ms": args.delay_ms, "started": started, "versions": info,
            "runs": [dataclasses.asdict(r) for r in results],
            "scaleout": {"delay_ms": args.scaleout_delay_ms, "in_flight": args.in_flight,
                         "messages": args.scaleout_messages or args.messages, "target": SCALEOUT_TARGET,
                         "runs": [dataclasses.asdict(r) for r in scaleout]} if scaleout else None},
            indent=2), encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main())
