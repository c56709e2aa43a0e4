"""Booking creation under load, through the gateway, against a bare baseline in the same run.

Starts the whole system (testsupport.system.System: the four services as processes,
APP_ENV=test, nginx in front, a fake SMS provider behind the notifier) in a fresh database
and RabbitMQ vhost, then:
  - moves every service's clock to Monday 2026-12-07 10:00 (Qingdao): Tuesday 12-08 and
    Wednesday 12-09 are bookable; an administrator (the operator command) raises capacity
    of both dates' AM and PM to 100,000 lines through PUT /api/v1/admin/capacity. Every
    measured phase then moves the clock one more week back (Monday 11-30, 11-23, ...) and
    raises capacity there, so that it books on dates nobody has booked yet: booking's clash
    check reads every live booking of the date, and a phase must not pay for the earlier
    phases' bookings (growth.py measures what the table's size does);
  - registers a few agents through nginx (SMS code read from the fake provider) and mints
    the rest of the agents' access tokens with identity's own signing key (read from
    identity.server_secrets, signed as identity.domain.access_tokens does): every booking
    comes from its own agent id, with its own phone and its own two enterprises (valid
    org codes), spread round-robin over the 2 dates x 2 periods;
  - starts benchmarks/baseline_server.py (its own process, same PostgreSQL, scratch schema);
  - for each client count N: POST /api/v1/bookings through nginx by N concurrent clients
    (benchmarks/loadgen.py, its own process), bounded by --max-requests and --max-seconds;
    then the baseline with the same N and the same bounds, DIRECTLY on its port (no nginx);
  - one period booked by everyone: 32 clients (against the baseline on one row), then
    64 clients followed by pgbench (pgbench_hot.py) running the baseline's transaction on
    one capacity row with 64 clients for as long, in the same database (issue 20);
  - one extra run at 32 clients straight to the booking port (no nginx), which splits
    the gateway's share;
  - a profiled run at 32 clients: py-spy records the booking process (raw collapsed stacks
    and an SVG), reported as the top frames;
  - the RSS of every service process sampled every 0.5 s (peak kept), CPU seconds per
    process group per phase (booking, nginx, notifier, identity, PostgreSQL, RabbitMQ
    (beam.smp), loadgen), and for the booking phases a second figure counted until the
    system is quiet again (every SMS the phase caused delivered and recorded): the CPU per
    booking with the SMS path included.
Between phases it waits until booking's outbox is relayed and the notifier is idle, so a
phase does not pay for the previous one's SMS tail (inside a phase it does: that is the rush).

Run (from a tree whose packages the system should run from; run_all.py does this):
  python benchmarks/booking_load.py [--clients 8,32,128] [--max-requests 3000] [--max-seconds 15]
         [--profile-seconds 10] [--json PATH] [--profile-dir DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl
import pgbench_hot


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Phases:
    """Runs one load phase with RSS marks and CPU accounting around it."""

    def __init__(self, sampler: bl.Sampler, cpu_snapshot, segment_pids, database_url: str) -> None:
        self.database_url = database_url
        self.sampler = sampler
        self.cpu_snapshot = cpu_snapshot
        self.segment_pids = segment_pids   # kind -> the pids whose PostgreSQL round trips count
        self.results: list[dict] = []

    async def run(self, label: str, kind: str, base_url: str, requests: list[dict], *, clients: int,
                  max_requests: int, max_seconds: float, side: asyncio.Future | None = None,
                  settle: Callable[[], Awaitable[float]] | None = None) -> dict:
        """One load phase. With ``settle`` (the system's wait until quiet) the CPU is also
        counted from the phase's start until every SMS the phase caused is delivered and
        recorded (``cpu_ms_per_ok_with_sms``): the booking's whole cost, SMS path included,
        where ``cpu_ms_per_ok`` stops when the last answer arrives."""
        load_before = bl.loadavg()
        seg_pids = self.segment_pids(kind)
        seg0 = bl.db_segments(seg_pids)
        cpu0, kids0, m0, t0 = self.cpu_snapshot(), children_cpu(), bl.machine_cpu(), time.monotonic()
        self.sampler.mark(label)
        try:
            async with bl.PgActivity(self.database_url) as activity:
                result = await bl.run_load(base_url, requests, concurrency=clients, max_requests=max_requests,
                                           max_seconds=max_seconds, label=label)
        finally:
            self.sampler.mark(None)
        result["pg_activity"] = activity.summary()
        wall = time.monotonic() - t0
        cpu1, kids1, m1 = self.cpu_snapshot(), children_cpu(), bl.machine_cpu()
        seg1 = bl.db_segments(seg_pids)
        cpu = {k: round(v / wall, 3) for k, v in bl.Sampler.cpu_delta(cpu0, cpu1).items()}
        cpu["loadgen"] = round((kids1 - kids0) / wall, 3)
        result.update(kind=kind, clients=clients, loadavg_before=load_before, cpu_cores_used=cpu, wall=wall,
                      machine_cpu=bl.machine_cpu_delta(m0, m1))
        if result["ok"] and seg0 >= 0 and seg1 >= 0:
            # Includes the process's background work in the phase (outbox relay, consumers).
            result["db_roundtrips_per_ok"] = round((seg1 - seg0) / result["ok"], 2)
        result["cpu_ms_per_ok"] = {k: round(v * wall * 1000 / result["ok"], 2) for k, v in cpu.items()} \
            if result["ok"] else {}
        if settle is not None:
            result["settle_seconds"] = round(await settle(), 2)
            cpu2, kids2 = self.cpu_snapshot(), children_cpu()
            if result["ok"]:
                spent = bl.Sampler.cpu_delta(cpu0, cpu2)
                spent["loadgen"] = kids2 - kids0
                result["cpu_ms_per_ok_with_sms"] = {k: round(v * 1000 / result["ok"], 2) for k, v in spent.items()}
        self.results.append(result)
        return result


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


async def start_baseline(database_url: str) -> tuple[subprocess.Popen, str]:
    from testsupport.fixtures import free_port
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("baseline_server.py")),
                             "--database-url", database_url, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 60)
    if line.strip() != "ready":
        proc.kill()
        raise RuntimeError(f"baseline server did not start: {line}{proc.stdout.read()[-2000:]}")
    return proc, f"http://127.0.0.1:{port}"


async def pgbench_phase(phases: Phases, run: bl.Running, day: str, clients: int, seconds: int,
                        hot: dict) -> dict:
    """pgbench on the baseline's capacity row of ``day`` (AM), with CPU accounting like a
    load phase; compared with ``hot``, the one-period booking phase just run."""
    # pgbench opens one connection per client: with max_connections shared by everything on
    # the server, say so rather than fail half-way (or starve someone else's connections).
    conn = await asyncpg.connect(run.database_url)
    try:
        in_use = await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
        limit = int(await conn.fetchval("SHOW max_connections")) - int(await conn.fetchval(
            "SHOW superuser_reserved_connections"))
    finally:
        await conn.close()
    if limit - in_use < clients:
        why = f"not run: {in_use} of PostgreSQL's {limit} connections in use, pgbench needs {clients} more"
        print(f"pgbench {why}", flush=True)
        return {"clients": clients, "error": why, "connections_in_use": in_use}
    cpu0, m0, t0 = phases.cpu_snapshot(), bl.machine_cpu(), time.monotonic()
    load_before = bl.loadavg()
    task = asyncio.create_task(pgbench_hot.run(run.database_url, day=day, clients=clients, seconds=seconds))
    # pgbench's backends start after the first snapshot and end with it: their CPU is read
    # while they still run, half a second before the end (and scaled to the whole run).
    await asyncio.sleep(max(0.5, seconds - 0.5))
    cpu_mid, t_mid = phases.cpu_snapshot(), time.monotonic()
    res = await task
    wall = time.monotonic() - t0
    cpu = {k: v * wall / (t_mid - t0) for k, v in bl.Sampler.cpu_delta(cpu0, cpu_mid).items()}
    res.update(connections_in_use=in_use, loadavg_before=load_before, machine_cpu=bl.machine_cpu_delta(m0, bl.machine_cpu()),
               booking_per_s=hot["ok_per_s"], booking_seconds=round(hot["elapsed"], 2),
               booking_latency=hot["latency_ok"], booking_statuses=hot["statuses"])
    if res.get("tps"):
        res["ratio"] = hot["ok_per_s"] / res["tps"]
        n = res["transactions"] or 0
        pg = next((v for k, v in cpu.items() if "this run" in k), None)
        res["pg_cpu_ms_per_transaction"] = round(pg * 1000 / n, 2) if n and pg is not None else None
        print(f"pgbench, {clients} clients, one row, {seconds} s: {res['tps']:.1f} tps; booking "
              f"{hot['ok_per_s']:.1f}/s = {100 * res['ratio']:.0f}%", flush=True)
    else:
        print(f"pgbench failed: {res.get('error', '')[-300:]}", flush=True)
    res["wall"] = round(wall, 2)
    return res


async def bench(args) -> dict:
    out: dict = {"benchmark": "booking_load", "machine": bl.machine(), "code_tree": bl.code_tree(),
                 "params": vars(args).copy()}
    print(f"code tree: {out['code_tree']}", flush=True)
    clients = [int(x) for x in args.clients.split(",")]
    async with bl.started_system() as run:
        minter = await bl.prepare(run, registered=3)
        out["agents"] = run.registration_note
        now = bl.MONDAY_10 + timedelta(minutes=1)
        baseline, baseline_url = await start_baseline(run.database_url)
        for d in [d for k in range(12) for d in bl.week(k)[1]]:
            for p in bl.PERIODS:
                async with run.http.put(f"{baseline_url}/capacity",
                                        json={"date": d, "period": p, "capacity": 10_000_000}) as r:
                    assert r.status == 200, await r.text()

        db_name = run.database_url.rsplit("/", 1)[-1]

        def groups() -> dict[str, list[int]]:
            g = run.pids()
            g["baseline"] = [baseline.pid]
            return g

        def cpu_groups() -> dict[str, list[int]]:
            g = groups()
            g["postgresql (this run's database)"] = bl.postgres_pids(db_name)
            g["postgresql (other databases, background)"] = bl.postgres_pids(db_name, others=True)
            g["rabbitmq"] = bl.rabbit_pids()
            return g
        sampler = bl.Sampler(groups).start()
        cpu_sampler = bl.Sampler(cpu_groups, interval=3600)   # never started: only cpu_snapshot() is used
        phases = Phases(sampler, cpu_sampler.cpu_snapshot,
                        lambda kind: [baseline.pid] if kind.startswith("baseline") else [run.pid("booking")],
                        run.database_url)
        seq = 0
        weeks = iter(range(1, 100))   # week 0 is the warm-up's; every measured phase books on fresh dates
        try:
            # Warm-up (not reported as a figure): connections, JWKS, caches, the first plans.
            reqs = bl.booking_requests(minter, seq, args.warmup, now=now, agents=run.agents)
            seq += args.warmup
            await phases.run("warm-up booking", "warmup", run.gateway, reqs, clients=8,
                             max_requests=args.warmup, max_seconds=30)
            await phases.run("warm-up baseline", "warmup", baseline_url, bl.baseline_requests(seq, args.warmup),
                             clients=8, max_requests=args.warmup, max_seconds=30)
            seq += args.warmup
            out["quiet_waits"] = [await run.wait_quiet()]
            # The system at rest (schedulers, sweepers, relays polling): what every phase pays anyway.
            c0, m0 = cpu_sampler.cpu_snapshot(), bl.machine_cpu()
            await asyncio.sleep(args.idle_seconds)
            c1, m1 = cpu_sampler.cpu_snapshot(), bl.machine_cpu()
            out["idle"] = {"seconds": args.idle_seconds, "machine_cpu": bl.machine_cpu_delta(m0, m1),
                           "cpu_cores_used": {k: round(v / args.idle_seconds, 3)
                                              for k, v in bl.Sampler.cpu_delta(c0, c1).items()}}

            for c in clients:
                now, dates = await bl.open_week(run, next(weeks))
                reqs = bl.booking_requests(minter, seq, args.max_requests, now=now, dates=dates)
                seq += args.max_requests
                r = await phases.run(f"booking via nginx, {c} clients", "booking", run.gateway, reqs, clients=c,
                                     max_requests=args.max_requests, max_seconds=args.max_seconds,
                                     settle=run.wait_quiet)
                out["quiet_waits"].append(r["settle_seconds"])
                base_reqs = bl.baseline_requests(seq, args.max_requests, dates=dates)
                seq += args.max_requests
                await phases.run(f"baseline direct, {c} clients", "baseline", baseline_url, base_reqs, clients=c,
                                 max_requests=args.max_requests, max_seconds=args.max_seconds)

            if args.hot:
                # The release rush: everybody books the same date and period, so every
                # request queues for the one capacity row.
                now, dates = await bl.open_week(run, next(weeks))
                reqs = bl.booking_requests(minter, seq, args.max_requests, now=now, hot=True, dates=dates)
                seq += args.max_requests
                r = await phases.run("booking via nginx, 32 clients, one period", "booking_hot", run.gateway, reqs,
                                     clients=32, max_requests=args.max_requests, max_seconds=args.max_seconds,
                                     settle=run.wait_quiet)
                out["quiet_waits"].append(r["settle_seconds"])
                base_reqs = bl.baseline_requests(seq, args.max_requests, hot=True, dates=dates)
                seq += args.max_requests
                await phases.run("baseline direct, 32 clients, one period", "baseline_hot", baseline_url, base_reqs,
                                 clients=32, max_requests=args.max_requests, max_seconds=args.max_seconds)

            if args.pgbench_clients:
                # Issue 20: one period booked by everyone at 64 clients, against PostgreSQL's own
                # ceiling for the same work on one row (pgbench, same database, same duration).
                c = args.pgbench_clients
                now, dates = await bl.open_week(run, next(weeks))
                reqs = bl.booking_requests(minter, seq, args.max_requests, now=now, hot=True, dates=dates)
                seq += args.max_requests
                hot = await phases.run(f"booking via nginx, {c} clients, one period", "booking_hot", run.gateway,
                                       reqs, clients=c, max_requests=args.max_requests,
                                       max_seconds=args.max_seconds, settle=run.wait_quiet)
                out["quiet_waits"].append(hot["settle_seconds"])
                # The baseline is done by now: its pool's connections go back for pgbench's.
                stop_process(baseline)
                out["pgbench_hot"] = await pgbench_phase(phases, run, dates[0], c, round(hot["elapsed"]), hot)

            if args.direct:
                now, dates = await bl.open_week(run, next(weeks))
                reqs = bl.booking_requests(minter, seq, args.max_requests, now=now, dates=dates)
                seq += args.max_requests
                booking_url = run.system.services["booking"].url
                r = await phases.run("booking direct (no nginx), 32 clients", "booking_direct", booking_url, reqs,
                                     clients=32, max_requests=args.max_requests, max_seconds=args.max_seconds,
                                     settle=run.wait_quiet)
                out["quiet_waits"].append(r["settle_seconds"])

            if args.profile_seconds > 0:
                n = 20_000
                now, dates = await bl.open_week(run, next(weeks))
                reqs = bl.booking_requests(minter, seq, n, now=now, dates=dates)
                seq += n
                load = asyncio.create_task(phases.run(
                    "booking via nginx, 32 clients, py-spy attached", "profiled", run.gateway, reqs, clients=32,
                    max_requests=n, max_seconds=2 * args.profile_seconds + 4))
                await asyncio.sleep(1.5)
                out["profile"] = await bl.py_spy(run.pid("booking"), args.profile_seconds, Path(args.profile_dir),
                                                 "booking_profile")
                out["profile_gil"] = await bl.py_spy(run.pid("booking"), args.profile_seconds,
                                                     Path(args.profile_dir), "booking_profile_gil", gil=True)
                await load
                out["quiet_waits"].append(await run.wait_quiet())

            # Sanity: every 201 left one booking row behind.
            conn = await run.booking_db()
            try:
                out["bookings_in_table"] = await conn.fetchval("SELECT count(*) FROM bookings")
                out["lines_booked"] = await conn.fetchval("SELECT sum(booked) FROM capacity")
                out["outbox_rows"] = await conn.fetchval("SELECT count(*) FROM outbox")
            finally:
                await conn.close()
            out["created_201"] = sum(r["statuses"].get("201", 0) for r in phases.results
                                     if r["kind"] in ("booking", "booking_direct", "booking_hot", "profiled")
                                     or r["label"] == "warm-up booking")
        finally:
            sampler.stop()
            stop_process(baseline)
        out["memory"] = sampler.summary()
        out["phases"] = phases.results
    out["loadavg_end"] = bl.loadavg()
    # Ratios, per client count.
    table = []
    for c in clients:
        b = next(r for r in phases.results if r["kind"] == "booking" and r["clients"] == c)
        base = next(r for r in phases.results if r["kind"] == "baseline" and r["clients"] == c)
        table.append({"clients": c, "booking_per_s": b["ok_per_s"], "baseline_per_s": base["ok_per_s"],
                      "ratio": b["ok_per_s"] / base["ok_per_s"] if base["ok_per_s"] else None,
                      "booking_latency": b["latency_ok"], "baseline_latency": base["latency_ok"],
                      "booking_statuses": b["statuses"], "baseline_statuses": base["statuses"]})
    out["table"] = table
    return out


def main() -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="8,32,128")
    parser.add_argument("--max-requests", type=int, default=3000)
    parser.add_argument("--max-seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="CPU of the idle system, measured once")
    parser.add_argument("--profile-seconds", type=int, default=10, help="0: no profile")
    parser.add_argument("--no-hot", dest="hot", action="store_false",
                        help="skip the 32-client pair where every booking is for the same date and period")
    parser.add_argument("--pgbench-clients", type=int, default=64,
                        help="one-period booking phase with this many clients, then pgbench on one row for"
                             " as long (issue 20); 0: skip")
    parser.add_argument("--no-direct", dest="direct", action="store_false",
                        help="skip the 32-client run straight to booking's port")
    parser.add_argument("--json", default=str(here / "results" / "booking_load.json"))
    parser.add_argument("--profile-dir", default=str(here / "results"))
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    bl.write_json(Path(args.json), result)
    print(f"wrote {args.json}")
    for row in result["table"]:
        print(f"  {row['clients']:>4} clients: booking {row['booking_per_s']:.1f}/s, baseline {row['baseline_per_s']:.1f}/s,"
              f" ratio {row['ratio']:.2f}, booking p99 {bl.fmt_ms(row['booking_latency']['p99'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
