"""Calendar and booking-list reads under load (the rush before a release), through the gateway.

Starts the whole system (as booking_load.py does: fresh database and vhost, clock on Monday
2026-12-07 10:00, an administrator, capacity raised), then makes --agents agents (tokens
minted with identity's key) each with two bookings made through the API (one per
bookable date), and measures, each at 32 and 128 concurrent clients (loadgen.py, its own
process, bounded by --max-requests and --max-seconds):
  - GET /api/v1/calendar               (anonymous; default center and range: today + 14 days)
  - GET /api/v1/bookings               (each request an agent's own list, agents in turn)
RSS of every service sampled every 0.5 s. Then --login-burst sign-ins at once (identity's
memory: each hashes with argon2id in a thread). Then py-spy samples the booking process during
a further 32-client calendar run (GIL-held samples; the top frames go into the report).

Run: python benchmarks/read_load.py [--clients 32,128] [--agents 256] [--max-requests 5000]
     [--max-seconds 10] [--profile-seconds 6] [--json PATH] [--profile-dir DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl


async def bench(args) -> dict:
    out: dict = {"benchmark": "read_load", "machine": bl.machine(), "code_tree": bl.code_tree(),
                 "params": vars(args).copy(), "phases": []}
    clients = [int(x) for x in args.clients.split(",")]
    # Every client of this benchmark is one address: at the test system's 1000 r/s per
    # address (testsupport/system.py) the gateway's limiter, not the services, sets the
    # figure once the calendar answers faster than that (429s). Raised here, reads only.
    async with bl.started_system(extra_env={"GATEWAY_API_RATE": "100000r/s", "GATEWAY_API_BURST": "100000"}) as run:
        minter = await bl.prepare(run, registered=0)
        now = bl.MONDAY_10 + timedelta(minutes=1)
        sampler = bl.Sampler(run.pids).start()
        try:
            # Each agent books once on each bookable date (AM one day, PM the other).
            tokens = [minter.mint(f"reader-{i}-{uuid.uuid4()}", now=now) for i in range(args.agents)]
            posts = []
            for i, token in enumerate(tokens):
                for j, (date, period) in enumerate(((bl.BOOK_DATES[0], "AM"), (bl.BOOK_DATES[1], "PM"))):
                    seq = 2 * i + j
                    posts.append({"method": "POST", "path": "/api/v1/bookings",
                                  "headers": {"Authorization": f"Bearer {token}"},
                                  "body": bl.booking_body(seq, date, period, 2, org_base=20_000_000)})
            setup = await bl.run_load(run.gateway, posts, concurrency=16, max_requests=len(posts), max_seconds=120,
                                      label="setup: bookings to list")
            out["setup"] = {k: setup[k] for k in ("ok", "statuses", "elapsed", "ok_per_s")}
            if setup["ok"] != len(posts):
                raise RuntimeError(f"setup made {setup['ok']} of {len(posts)} bookings: {setup['refusal_samples']}")
            out["quiet_wait"] = await run.wait_quiet()

            calendar = [{"method": "GET", "path": "/api/v1/calendar"}]
            lists = [{"method": "GET", "path": "/api/v1/bookings", "headers": {"Authorization": f"Bearer {t}"}}
                     for t in tokens]
            for name, reqs in (("calendar", calendar), ("booking list", lists)):
                for c in clients:
                    label = f"GET {name}, {c} clients"
                    sampler.mark(label)
                    load_before = bl.loadavg()
                    async with bl.PgActivity(run.database_url) as activity:
                        r = await bl.run_load(run.gateway, reqs, concurrency=c, max_requests=args.max_requests,
                                              max_seconds=args.max_seconds, cycle=True, label=label)
                    sampler.mark(None)
                    r.update(endpoint=name, clients=c, loadavg_before=load_before, pg_activity=activity.summary())
                    out["phases"].append(r)
            if args.profile_seconds > 0:
                # Where a calendar read spends its time (GIL-held samples of the booking process).
                load = asyncio.create_task(bl.run_load(
                    run.gateway, calendar, concurrency=32, max_requests=100_000,
                    max_seconds=args.profile_seconds + 3, cycle=True, label="GET calendar, 32 clients, py-spy"))
                await asyncio.sleep(1.5)
                out["profile_calendar"] = await bl.py_spy(run.pid("booking"), args.profile_seconds,
                                                          Path(args.profile_dir), "calendar_profile_gil", gil=True)
                await load
            if args.login_burst > 0:
                # Not one of the loads, but its memory target: each sign-in hashes with
                # argon2id (64 MiB by default) in a worker thread, so identity's RSS grows with
                # the sign-ins in flight. N at once through nginx (its login burst allowance is 10).
                agent = await run.register_agent(0)
                body = {"username": agent["username"], "password": bl.PASSWORD}
                label = f"POST /api/v1/sessions, {args.login_burst} at once"
                sampler.mark(label)
                r = await bl.run_load(run.gateway, [{"method": "POST", "path": "/api/v1/sessions", "body": body}],
                                      concurrency=args.login_burst, max_requests=args.login_burst, max_seconds=60,
                                      cycle=True, label=label)
                await asyncio.sleep(1.0)   # one more RSS sample after the answers
                sampler.mark(None)
                r.update(endpoint="sessions (login burst)", clients=args.login_burst)
                out["login_burst"] = r
            # What one answer looks like (sizes), for the report.
            status, body = await run.call("GET", "/api/v1/calendar")
            out["calendar_days"] = len(body.get("days", [])) if status == 200 else None
            status, body = await run.call("GET", "/api/v1/bookings", token=tokens[0])
            out["list_items"] = len(body.get("items", [])) if status == 200 else None
        finally:
            sampler.stop()
        out["memory"] = sampler.summary()
    out["loadavg_end"] = bl.loadavg()
    return out


def main() -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="32,128")
    parser.add_argument("--agents", type=int, default=256)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--max-seconds", type=float, default=10.0)
    parser.add_argument("--profile-seconds", type=int, default=6, help="0: no profile of the calendar")
    parser.add_argument("--login-burst", type=int, default=10, help="sign-ins at once for identity's RSS (0: none)")
    parser.add_argument("--profile-dir", default=str(here / "results"))
    parser.add_argument("--json", default=str(here / "results" / "read_load.json"))
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    bl.write_json(Path(args.json), result)
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
