"""Live calls fanned out to many hall displays (issue 18): N Server-Sent Events clients on
one booking process, through nginx, and a clerk calling numbers.

Starts the whole system (as booking_load.py does: fresh database and vhost, the four
services and nginx), then:
  1. makes --calls + 4 Tuesday-morning bookings of one enterprise each (the default capacity:
     40 lines) through the API (minted agent tokens), lets
     the scheduler close Tuesday at Monday 15:00 and the allocator allocate it, moves every
     clock to Tuesday 08:50 and checks every booking in; a clerk takes desk 1;
  2. reads booking's RSS, opens --clients display streams through nginx
     (GET /api/v1/display/stream?token=, one display token) and waits until each has its
     `board`; reads the RSS again: (after - before) / clients = memory per connected client;
  3. makes --calls calls (POST /api/v1/desk/call, then completes the booking called), one at
     a time: each waits until every client has the `call` event (or --deadline seconds).
     Delivery latency of one client for one call = its arrival time - the instant the call
     request was sent (so it includes the call's own request: an upper bound).
Target (the issue): p99 delivery under 1 s with 500 clients; memory per client reported.

The clients run in this process (one asyncio loop, aiohttp), on the same 2-CPU machine as
the system: their own parsing is inside the figures.

Run: python benchmarks/stream_fanout.py [--clients 500] [--calls 20] [--json PATH] [--markdown PATH]
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl

TUESDAY = bl.BOOK_DATES[0]                                   # 2026-12-08
CUTOFF = datetime(2026, 12, 7, 15, 0, 30, tzinfo=bl.TZ)      # just after Monday 15:00
TUESDAY_0850 = datetime(2026, 12, 8, 8, 50, tzinfo=bl.TZ)
TARGET_P99_S = 1.0


class Display:
    """One stream client: when each call (by seq) reached it."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.ready = asyncio.Event()
        self.arrived: dict[int, float] = {}
        self.waiters: dict[int, asyncio.Event] = {}
        self.error: str | None = None

    async def run(self, http: aiohttp.ClientSession, url: str) -> None:
        try:
            async with http.get(url, timeout=aiohttp.ClientTimeout(total=None, sock_read=60)) as r:
                if r.status != 200:
                    self.error = f"HTTP {r.status}"
                    self.ready.set()
                    return
                while True:
                    block = await r.content.readuntil(b"\n\n")
                    if not block.endswith(b"\n\n"):
                        return
                    now = time.perf_counter()
                    if b"event: board" in block:
                        self.ready.set()
                    elif b"event: call" in block:
                        seq = int(block.split(b"id: ", 1)[1].split(b"\n", 1)[0])
                        self.arrived[seq] = now
                        if seq in self.waiters:
                            self.waiters[seq].set()
        except (aiohttp.ClientError, asyncio.IncompleteReadError, ValueError) as exc:
            self.error = type(exc).__name__
            self.ready.set()


def rss_mb(pid: int, children: bool = False) -> float:
    proc = psutil.Process(pid)
    procs = proc.children() if children else [proc]
    return sum(p.memory_info().rss for p in procs) / 1024 / 1024


async def make_day(run: bl.Running, minter: bl.TokenMinter, bookings: int) -> list[str]:
    """``bookings`` Tuesday AM bookings, closed, allocated and checked in; their ids."""
    await run.set_clock(bl.MONDAY_10)
    ids = []
    for k in range(bookings):
        token = minter.mint(str(uuid.uuid4()), now=bl.MONDAY_10)
        _, b = await run.call("POST", "/api/v1/bookings", token=token, expect=201,
                              json_body=bl.booking_body(50_000 + k, TUESDAY, "AM", lines=1))
        ids.append(b["id"])
    await run.set_clock(CUTOFF)
    conn = await run.booking_db()
    try:
        deadline = time.monotonic() + 180
        while await conn.fetchval("SELECT count(*) FROM bookings WHERE day = $1::date AND desk IS NOT NULL",
                                  datetime.fromisoformat(TUESDAY).date()) < bookings:
            if time.monotonic() > deadline:
                raise TimeoutError("Tuesday was not allocated within 180 s")
            await asyncio.sleep(0.25)
    finally:
        await conn.close()
    await run.set_clock(TUESDAY_0850)
    staff = minter.mint(str(uuid.uuid4()), now=TUESDAY_0850, roles=("staff",))
    for booking_id in ids:
        await run.call("POST", f"/api/v1/desk/bookings/{booking_id}/check-in", token=staff, expect=200)
    return ids


async def measure(args) -> dict:
    async with bl.started_system(extra_env={"BOOKING_SCHEDULER_INTERVAL": "0.5"}) as run:
        minter = await run.minter()
        await make_day(run, minter, args.calls + 4)
        clerk = minter.mint(str(uuid.uuid4()), now=TUESDAY_0850, roles=("staff",))
        await run.call("POST", "/api/v1/desk/shift", token=clerk, expect=200, json_body={"center": "qingdao", "desk": 1})
        _, created = await run.call("POST", "/api/v1/display-tokens", token=clerk, expect=201,
                                    json_body={"center": "qingdao", "name": "bench"})
        url = f"{run.gateway}/api/v1/display/stream?token={created['token']}"
        booking_pid, nginx_pid = run.pid("booking"), run.system.gateway.proc.pid
        await asyncio.sleep(2)
        before = {"booking": rss_mb(booking_pid), "nginx_workers": rss_mb(nginx_pid, children=True)}

        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http:
            displays = [Display(n) for n in range(args.clients)]
            started = time.perf_counter()
            tasks = []
            for d in displays:                     # in waves, as displays and agents come and go
                tasks.append(asyncio.create_task(d.run(http, url)))
                if len(tasks) % 50 == 0:
                    await asyncio.sleep(0.05)
            await asyncio.wait_for(asyncio.gather(*(d.ready.wait() for d in displays)), 120)
            connect_s = time.perf_counter() - started
            failed = [d.error for d in displays if d.error]
            await asyncio.sleep(2)
            connected = {"booking": rss_mb(booking_pid), "nginx_workers": rss_mb(nginx_pid, children=True)}

            latencies: list[float] = []
            per_call = []
            current = None
            for i in range(args.calls):
                if current is not None:
                    await run.call("POST", f"/api/v1/desk/bookings/{current}/complete", token=clerk, expect=200)
                sent = time.perf_counter()
                _, view = await run.call("POST", "/api/v1/desk/call", token=clerk, expect=200,
                                         json_body={"center": "qingdao"})
                answered = time.perf_counter()
                current = view["booking_id"]
                seq = await call_seq(run, view["id"])
                live = [d for d in displays if not d.error]
                for d in live:
                    d.waiters[seq] = asyncio.Event()
                    if seq in d.arrived:
                        d.waiters[seq].set()
                try:
                    await asyncio.wait_for(asyncio.gather(*(d.waiters[seq].wait() for d in live)), args.deadline)
                except TimeoutError:
                    pass
                got = [d.arrived[seq] - sent for d in live if seq in d.arrived]
                latencies += got
                per_call.append({"call": i + 1, "seq": seq, "request_s": answered - sent, "delivered": len(got),
                                 "clients": len(live), **bl.percentiles(got)})
                print(f"  call {i + 1}: {len(got)}/{len(live)} clients, p50 {bl.fmt_ms(per_call[-1]['p50'])}, "
                      f"max {bl.fmt_ms(per_call[-1]['max'])}", flush=True)
                await asyncio.sleep(args.pause)
            after = {"booking": rss_mb(booking_pid), "nginx_workers": rss_mb(nginx_pid, children=True)}
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        lost = sum(c["clients"] - c["delivered"] for c in per_call)
        overall = bl.percentiles(latencies)
        return {
            "machine": bl.machine(), "code": bl.code_tree(), "clients": args.clients, "calls": args.calls,
            "through": "nginx", "connect_seconds": round(connect_s, 2), "connect_failures": failed,
            "rss_mb": {"before": before, "connected": connected, "after_calls": after},
            "per_client_kb": {k: (connected[k] - before[k]) * 1024 / args.clients for k in before},
            "latency_s": overall, "per_call": per_call, "undelivered": lost,
            "met": bool(overall["p99"] is not None and overall["p99"] < TARGET_P99_S and lost == 0 and not failed),
            "target_p99_s": TARGET_P99_S, "loadavg": bl.loadavg(),
        }


async def call_seq(run: bl.Running, call_id: str) -> int:
    conn = await run.booking_db()
    try:
        return await conn.fetchval("SELECT seq FROM booking_calls WHERE id = $1::uuid", call_id)
    finally:
        await conn.close()


def markdown(res: dict) -> str:
    lat = res["latency_s"]
    rss = res["rss_mb"]
    lines = [
        "# Live calls: Server-Sent Events fan-out (issue 18)", "",
        f"`stream_fanout.py`: **{res['clients']} hall-display streams on one booking process, through nginx**"
        f" (`GET /api/v1/display/stream?token=`), {res['calls']} calls by a clerk at desk 1, one after another;"
        " each waits until every client has it. Latency = when the `call` event reached a client minus when the"
        " call request was sent (the request itself included). The clients run in one asyncio process on the"
        " same 2-CPU machine as the system.", "",
        f"- Machine: {res['machine'].get('cpu', '?')}, nproc {res['machine'].get('nproc', '?')};"
        f" load average when done: {' / '.join(str(x) for x in res['loadavg'])}",
        f"- Code: the tree at {res['code'].get('repo')}", "",
        "| figure | value |", "|---|---|",
        f"| clients connected (board received) | {res['clients'] - len(res['connect_failures'])} of {res['clients']}"
        f" in {res['connect_seconds']:.1f} s |",
        f"| deliveries (client x call) | {sum(c['delivered'] for c in res['per_call']):,}; missing {res['undelivered']} |",
        f"| delivery latency p50 / p95 / p99 / max | {bl.fmt_ms(lat['p50'])} / {bl.fmt_ms(lat['p95'])} / "
        f"**{bl.fmt_ms(lat['p99'])}** / {bl.fmt_ms(lat['max'])} |",
        f"| target p99 under {res['target_p99_s']:.0f} s | {'**met**' if res['met'] else '**NOT met**'} |",
        f"| booking RSS: before / {res['clients']} connected / after the calls | {rss['before']['booking']:.1f} / "
        f"{rss['connected']['booking']:.1f} / {rss['after_calls']['booking']:.1f} MB |",
        f"| **booking memory per connected client** | **{res['per_client_kb']['booking']:.1f} KB** |",
        f"| nginx workers RSS: before / connected (per client) | {rss['before']['nginx_workers']:.1f} / "
        f"{rss['connected']['nginx_workers']:.1f} MB ({res['per_client_kb']['nginx_workers']:.1f} KB) |",
        "", "| call | delivered | request | p50 | p99 | max |", "|---|---|---|---|---|---|",
    ]
    lines += [f"| {c['call']} | {c['delivered']}/{c['clients']} | {bl.fmt_ms(c['request_s'])} | {bl.fmt_ms(c['p50'])} | "
              f"{bl.fmt_ms(c['p99'])} | {bl.fmt_ms(c['max'])} |" for c in res["per_call"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between calls")
    parser.add_argument("--deadline", type=float, default=10.0, help="seconds a call may take to reach everyone")
    parser.add_argument("--json", type=Path, default=bl.DEFAULT_RESULTS / "stream_fanout.json")
    parser.add_argument("--markdown", type=Path, default=Path(__file__).resolve().parent / "stream_fanout.md")
    args = parser.parse_args()
    res = asyncio.run(measure(args))
    bl.write_json(args.json, res)
    args.markdown.write_text(markdown(res), encoding="utf-8")
    print(markdown(res))
    return 0 if res["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
