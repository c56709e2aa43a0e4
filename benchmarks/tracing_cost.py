"""What tracing costs booking creation: the same load, interleaved, on one system whose
services are restarted between phases with tracing off, on, or as the code of another
revision.

One whole system (testsupport.system: four service processes, nginx, a fake SMS
provider; its own database and vhost). PostgreSQL's 100 connections are shared with other
work on this machine, so the variants take turns on one system instead of running side by
side. Before each phase the four services are restarted (their clocks kept) as:
  - ``off``:   this tree, no ``OTEL_EXPORTER_OTLP_ENDPOINT`` (no SDK, no instrumentation;
               only the W3C context carried as strings);
  - ``on``:    this tree, ``OTEL_EXPORTER_OTLP_ENDPOINT`` pointing at an OTLP/HTTP receiver in
               this process that decodes and counts every span (a local collector), exports
               every second; every request sampled (nginx marks its traces sampled): the
               worst case (no query spans: TRACING_DB_QUERIES unset);
  - ``on+db``: as ``on`` with ``TRACING_DB_QUERIES=true`` (a span for every query too);
  - ``on-10%``: as ``on`` with ``OTEL_TRACES_SAMPLER=traceidratio``, ``..._ARG=0.1``: one trace
               in ten recorded (the production setting the docs suggest);
  - ``today``: with ``--today REV`` (e.g. ``main``), the code of that revision (``git archive``
               into a temporary folder, run through PYTHONPATH as run_all.py does).

Then ``--rounds`` rounds; in each, every variant runs one phase (the order rotates from
round to round, so a drift of the machine's load favours none): restart, a week of its own
(fresh dates, capacity raised), ``--warmup`` bookings at 8 clients (not reported: pools,
JWKS, caches), then ``--max-requests`` POST /api/v1/bookings through nginx by ``--clients``
closed-loop clients (benchmarks/loadgen.py), bounded by ``--max-seconds``; then the system
goes quiet (outboxes relayed, SMS sent, for ``on`` the span count steady). Each variant is
compared with ``off`` of the same round (paired); the report gives the median ratio and
its range, for bookings/s and for the CPU seconds the four service processes used per
booking (from the phase's start until the system is quiet again: requests, relays, SMS, span
export), which a shared machine shakes much less.

    .venv/bin/python benchmarks/tracing_cost.py [--today main] [--rounds 5] [--clients 32]
        [--max-requests 2000] [--max-seconds 10] [--json benchmarks/results/tracing_cost.json]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import benchlib as bl  # noqa: E402

SERVICES = ("identity", "booking", "allocator", "notifier")


def archive_tree(rev: str) -> Path:
    tree = Path(tempfile.mkdtemp(prefix=f"bench-{rev.replace('/', '_')}-"))
    archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", rev], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def tree_pythonpath(tree: Path) -> str:
    return os.pathsep.join(str(p) for p in [tree / "libs" / "shared", *(tree / "services" / s for s in SERVICES)])


async def wait_spans_steady(receiver, seconds: float = 1.0, timeout: float = 30.0) -> None:
    """Until the receiver's span count has not moved for ``seconds`` (the batch exporters
    flush every 5 s at most): the next variant's phase does not pay for this one's export."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last, since = -1, loop.time()
    while loop.time() < deadline:
        if receiver.count != last:
            last, since = receiver.count, loop.time()
        elif loop.time() - since >= seconds:
            return
        await asyncio.sleep(0.2)


def services_cpu(run: bl.Running) -> float:
    """CPU seconds (user + system) the four service processes have used so far."""
    import psutil
    total = 0.0
    for sp in run.system.services.values():
        t = psutil.Process(sp.proc.pid).cpu_times()
        total += t.user + t.system
    return total


def bookable_weeks():
    """Week numbers (benchlib.week: going back from its Monday) whose Tuesday and Wednesday are
    both working days: a week of a public holiday (National Day) refuses every booking."""
    import chinese_calendar
    from datetime import date
    k = 0
    while True:
        k += 1
        if all(chinese_calendar.is_workday(date.fromisoformat(d)) for d in bl.week(k)[1]):
            yield k


async def restart_as(run: bl.Running, env: dict[str, str]) -> None:
    """Every service stopped and started again with ``env`` over the system's own, at the
    clock the services show now (a restart at the real time would run every past cutoff)."""
    system = run.system
    clock = await system.clock_now("booking")
    base = {k: v for k, v in system.env_used.items() if not k.startswith("OTEL_")}
    for name, sp in system.services.items():
        sp.stop()
        sp.env = dict(base, TEST_CLOCK_START=clock.isoformat(), **env)
        sp.start([sys.executable, "-m", name])
    await system.wait_ready(120)


async def bench(args) -> dict:
    from testsupport.otlp_receiver import run_otlp_receiver
    out: dict = {"benchmark": "tracing_cost", "machine": bl.machine(), "code_tree": bl.code_tree(),
                 "params": vars(args).copy(), "rounds": []}
    async with run_otlp_receiver(keep=False) as receiver:
        variants: dict[str, dict[str, str]] = {
            "off": {},
            "on": {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "1000"},
            "on+db": {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "1000",
                      "TRACING_DB_QUERIES": "true"},
            "on-10%": {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_BSP_SCHEDULE_DELAY": "1000",
                       "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"},
        }
        today_tree = None
        if args.today:
            today_tree = archive_tree(args.today)
            variants["today"] = {"PYTHONPATH": tree_pythonpath(today_tree)}
            out["today"] = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", args.today],
                                          capture_output=True, text=True).stdout.strip()
        wanted = args.variants.split(",")
        variants = {k: v for k, v in variants.items() if k in wanted}
        names = list(variants)
        try:
            async with bl.started_system() as run:
                minter = await bl.prepare(run, registered=0)
                seq, week = 0, bookable_weeks()
                for r in range(args.rounds):
                    order = names[r % len(names):] + names[:r % len(names)]
                    row: dict = {"round": r + 1, "order": order}
                    for name in order:
                        await restart_as(run, variants[name])
                        now, dates = await bl.open_week(run, next(week))
                        reqs = bl.booking_requests(minter, seq, args.warmup, now=now, dates=dates)
                        seq += args.warmup
                        await bl.run_load(run.gateway, reqs, concurrency=8, max_requests=args.warmup,
                                          max_seconds=30, label=f"warm-up {name}")
                        await run.wait_quiet()
                        await wait_spans_steady(receiver)
                        reqs = bl.booking_requests(minter, seq, args.max_requests, now=now, dates=dates)
                        seq += args.max_requests
                        spans0 = receiver.count
                        cpu0 = services_cpu(run)
                        res = await bl.run_load(run.gateway, reqs, concurrency=args.clients,
                                                max_requests=args.max_requests, max_seconds=args.max_seconds,
                                                label=f"round {r + 1} {name}")
                        await run.wait_quiet()
                        await wait_spans_steady(receiver)
                        # Everything the phase's bookings cost the services: the requests, the
                        # relays, the SMS, the spans' export. Less shaken by the other work on
                        # a shared machine than bookings/s (a process waiting for a core uses none).
                        cpu = services_cpu(run) - cpu0
                        row[name] = {"ok_per_s": res["ok_per_s"], "ok": res["ok"], "statuses": res["statuses"],
                                     "cpu_ms_per_booking": 1000 * cpu / res["ok"] if res["ok"] else None,
                                     "latency_ok": res["latency_ok"], "spans": receiver.count - spans0,
                                     "loadavg_before": res.get("loadavg_before") or bl.loadavg()}
                    out["rounds"].append(row)
        finally:
            if today_tree is not None:
                shutil.rmtree(today_tree, ignore_errors=True)
    out["summary"] = summary(out["rounds"], names)
    out["loadavg_end"] = bl.loadavg()
    return out


def summary(rounds: list[dict], names: list[str]) -> dict:
    s: dict = {}
    for name in names:
        rates = [r[name]["ok_per_s"] for r in rounds]
        p99 = [r[name]["latency_ok"]["p99"] for r in rounds]
        s[name] = {"ok_per_s_median": statistics.median(rates), "ok_per_s": rates,
                   "p99_median": statistics.median(p99)}
        cpu = [r[name]["cpu_ms_per_booking"] for r in rounds if r[name]["cpu_ms_per_booking"]]
        s[name]["cpu_ms_per_booking_median"] = statistics.median(cpu) if cpu else None
        if name != "off":
            ratios = [r[name]["ok_per_s"] / r["off"]["ok_per_s"] for r in rounds if r["off"]["ok_per_s"]]
            s[name]["ratio_to_off"] = {"median": statistics.median(ratios), "min": min(ratios),
                                       "max": max(ratios), "each": ratios}
            cr = [r[name]["cpu_ms_per_booking"] / r["off"]["cpu_ms_per_booking"] for r in rounds
                  if r[name]["cpu_ms_per_booking"] and r["off"]["cpu_ms_per_booking"]]
            s[name]["cpu_ratio_to_off"] = {"median": statistics.median(cr), "min": min(cr), "max": max(cr),
                                           "each": cr}
        if name.startswith("on"):
            s[name]["spans_per_booking"] = statistics.median(
                r[name]["spans"] / r[name]["ok"] for r in rounds if r[name]["ok"])
    return s


def markdown(res: dict) -> str:
    names = list(res["summary"])
    lines = ["| round | order | " + " | ".join(f"{n}: /s, CPU ms per booking" for n in names) + " | "
             + " | ".join(f"{n} / off: /s, CPU" for n in names if n != "off") + " |",
             "|---|---|" + "---|" * (2 * len(names) - 1)]
    for r in res["rounds"]:
        cells = [f"{r[n]['ok_per_s']:.1f}, {r[n]['cpu_ms_per_booking'] or 0:.1f}" for n in names]
        ratios = [f"{r[n]['ok_per_s'] / r['off']['ok_per_s']:.2f}, "
                  f"{(r[n]['cpu_ms_per_booking'] or 0) / (r['off']['cpu_ms_per_booking'] or 1):.2f}"
                  for n in names if n != "off"]
        lines.append(f"| {r['round']} | {', '.join(r['order'])} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    lines.append("")
    for n in names:
        s = res["summary"][n]
        line = (f"- {n}: median {s['ok_per_s_median']:.1f} bookings/s, median p99 {bl.fmt_ms(s['p99_median'])},"
                f" median {s['cpu_ms_per_booking_median'] or 0:.2f} service CPU ms per booking")
        if "ratio_to_off" in s:
            q, c = s["ratio_to_off"], s["cpu_ratio_to_off"]
            line += (f"; {n}/off bookings/s median {q['median']:.3f} (range {q['min']:.3f}-{q['max']:.3f}),"
                     f" CPU per booking median {c['median']:.3f} (range {c['min']:.3f}-{c['max']:.3f})")
        if "spans_per_booking" in s:
            line += f"; {s['spans_per_booking']:.1f} spans exported per booking"
        lines.append(line)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="off,on,on+db,on-10%,today",
                        help="which of them to run (today only with --today)")
    parser.add_argument("--today", default="", help="a git revision to compare with (tracing absent), e.g. main")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--max-seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--json", default=str(HERE / "results" / "tracing_cost.json"))
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    bl.write_json(Path(args.json), result)
    print(f"wrote {args.json}\n")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
