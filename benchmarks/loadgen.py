"""The load generator: an aiohttp client in a process of its own (never the servers').

Usage: python benchmarks/loadgen.py SPEC.json OUT.json

SPEC: {"base_url", "concurrency", "max_requests", "max_seconds", "cycle": bool,
       "requests": [{"method", "path", "headers"?, "body"?}, ...]}
``concurrency`` clients, each a coroutine sending its next request as soon as the previous
answer is read (closed loop), over one keep-alive connection pool of that size. Stops at
``max_requests`` sent or ``max_seconds`` elapsed, whichever first (bounded both ways);
without ``cycle`` each request of the list is sent at most once. Loopback only.

On uvloop, like the services (shared.event_loop): the generator's own loop costs less CPU
on the two cores it shares with the system under test.

OUT: counts by status, elapsed wall time (first send to last answer), successful answers
per second, latency percentiles (all answers and 2xx only), a few refusal bodies.
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import orjson
import uvloop


def pct(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "mean": None, "max": None, "n": 0}
    s = sorted(values)

    def q(p: float) -> float:   # nearest-rank percentile
        return s[min(len(s) - 1, max(0, int(round(p * len(s) + 0.5)) - 1))]
    return {"p50": q(0.5), "p95": q(0.95), "p99": q(0.99), "mean": sum(s) / len(s), "max": s[-1], "n": len(s)}


async def main(spec_path: str, out_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    base = spec["base_url"].rstrip("/")
    if urlsplit(base).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loadgen: loopback targets only")
    concurrency = int(spec["concurrency"])
    max_requests = int(spec["max_requests"])
    max_seconds = float(spec["max_seconds"])
    cycle = bool(spec.get("cycle"))
    prepared = []
    for r in spec["requests"]:
        headers = dict(r.get("headers") or {})
        body = None
        if r.get("body") is not None:
            body = orjson.dumps(r["body"])
            headers["Content-Type"] = "application/json"
        prepared.append((r["method"], base + r["path"], headers, body))
    if not cycle:
        max_requests = min(max_requests, len(prepared))

    latencies: list[tuple[float, float, int]] = []   # (start offset, seconds, status)
    statuses: dict[str, int] = {}
    samples: list[dict] = []
    errors: dict[str, int] = {}
    next_index = 0
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency, ttl_dns_cache=300)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        t_start = time.perf_counter()
        deadline = t_start + max_seconds

        async def client() -> None:
            nonlocal next_index
            while True:
                i = next_index
                if i >= max_requests or time.perf_counter() >= deadline:
                    return
                next_index += 1
                method, url, headers, body = prepared[i % len(prepared)]
                t0 = time.perf_counter()
                try:
                    async with http.request(method, url, headers=headers, data=body) as resp:
                        payload = await resp.read()
                        status = resp.status
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    continue
                t1 = time.perf_counter()
                latencies.append((t0 - t_start, t1 - t0, status))
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if not 200 <= status < 300 and len(samples) < 5:
                    samples.append({"status": status, "body": payload[:400].decode("utf-8", "replace")})

        await asyncio.gather(*(client() for _ in range(concurrency)))
        t_end = time.perf_counter()

    ok = [lat for _, lat, st in latencies if 200 <= st < 300]
    elapsed = max((start + lat for start, lat, _ in latencies), default=0.0) or (t_end - t_start)
    per_second: dict[int, int] = {}
    for start, lat, st in latencies:
        if 200 <= st < 300:
            sec = int(start + lat)
            per_second[sec] = per_second.get(sec, 0) + 1
    out = {
        "base_url": base, "concurrency": concurrency, "max_requests": max_requests, "max_seconds": max_seconds,
        "sent": next_index, "completed": len(latencies), "ok": len(ok), "statuses": statuses, "errors": errors,
        "elapsed": elapsed, "ok_per_s": len(ok) / elapsed if elapsed > 0 else 0.0,
        "stopped_by": "count" if next_index >= max_requests else "time",
        "latency_all": pct([lat for _, lat, _ in latencies]), "latency_ok": pct(ok),
        "ok_per_second_series": [per_second.get(s, 0) for s in range(int(elapsed) + 1)],
        "refusal_samples": samples,
    }
    Path(out_path).write_text(json.dumps(out))


if __name__ == "__main__":
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main(sys.argv[1], sys.argv[2]))
