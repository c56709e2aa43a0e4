"""How booking creation's cost grows with the bookings table: bookings/s at 32 clients
through the gateway with the table at 10^4, 10^5 and 10^6 rows.

Starts the whole system as booking_load.py does, then for each size: bulk-loads past
bookings with COPY straight into booking's ``bookings`` and ``booking_lines`` until the
table holds that many rows, ANALYZEs both, waits for the system to be idle, and drives
POST /api/v1/bookings through nginx with 32 clients (loadgen.py, its own process; bounded
by --max-requests and --max-seconds). A flat line is the goal. Each size books on dates of
its own (the clock moves one week back per size: see benchlib.week), so what changes from
one point to the next is the table, not the number of bookings already on the dates. After
each point, EXPLAIN ANALYZE of booking's clash check (BookingRepository.clashing, the one
read whose cost depends on how many bookings a date holds) on the point's date, on a past
date of the history (500 bookings) and on a date with none, shows where that cost lies.

The history is consistent with booking's schema (migrations 0003): completed bookings
with their allocation (desk, segment, queue number, checked in), 1-2 active lines each,
500 a day over consecutive past dates from 2019-01-01, one agent and one phone per
(date, period) booking, every enterprise once per date, agents drawn from 50,000. The
lines' foreign key is not re-checked row by row during the COPY (session_replication_role
= replica on the loading connection): the rows are built to satisfy it, and checking 10^6
of them would triple the load time. The unique indexes are checked as usual.

Run: python benchmarks/growth.py [--sizes 10000,100000,1000000] [--max-rows N]
     [--clients 32] [--max-requests 2000] [--max-seconds 10] [--json PATH]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl

PER_DAY = 500
FIRST_DAY = date(2019, 1, 1)
AGENTS = 50_000
BATCH = 50_000
BOOKING_COLUMNS = ("id", "agent_id", "center", "day", "period", "contact_name", "contact_phone", "status",
                   "created_at", "updated_at", "sms_status", "sms_resend_used", "desk", "segment_start",
                   "segment_end", "queue_number", "allocated_at", "checked_in_at")
LINE_COLUMNS = ("booking_id", "position", "org_code", "name", "businesses", "status", "center", "day")
BUSINESSES = json.dumps([{"type": "RENEW_UNLOCK", "count": 1}, {"type": "BUY_READER", "count": 1}])


def history_batch(start: int, count: int) -> tuple[list[tuple], list[tuple]]:
    """Past bookings number start .. start+count-1 and their lines."""
    bookings, lines = [], []
    for k in range(start, start + count):
        day = FIRST_DAY + timedelta(days=k // PER_DAY)
        slot = k % PER_DAY
        period = "AM" if slot % 2 == 0 else "PM"
        created = datetime.combine(day - timedelta(days=3), dtime(2, 0), tzinfo=timezone.utc) + timedelta(seconds=slot)
        seg = (9 * 60 if period == "AM" else 13 * 60 + 30) + 30 * (slot // 8 % 5)
        start_t = dtime(seg // 60, seg % 60)
        end_t = dtime((seg + 30) // 60, (seg + 30) % 60)
        served = datetime.combine(day, start_t, tzinfo=timezone.utc) - timedelta(hours=8)
        bid = uuid.uuid4()
        bookings.append((bid, f"hist-agent-{k % AGENTS}", "qingdao", day, period, "王五", bl.phone(k, "15"),
                         "completed", created, served, "delivered", False, 1 + slot % 4, start_t, end_t,
                         f"{'A' if period == 'AM' else 'B'}{slot // 2:03d}", created + timedelta(days=2), served))
        for pos in range(1 + k % 2):
            lines.append((bid, pos, bl.org_code(40_000_000 + 2 * k + pos), "青岛历史企业有限公司", BUSINESSES,
                          "active", "qingdao", day))
    return bookings, lines


async def load_history(database_url: str, have_history: int, want_history: int) -> float:
    """COPY past bookings number have_history .. want_history-1; seconds taken."""
    t0 = time.monotonic()
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "booking"})
    try:
        await conn.execute("SET session_replication_role = replica")
        k = have_history
        while k < want_history:
            n = min(BATCH, want_history - k)
            bookings, lines = await asyncio.to_thread(history_batch, k, n)
            async with conn.transaction():
                await conn.copy_records_to_table("bookings", records=bookings, columns=BOOKING_COLUMNS)
                await conn.copy_records_to_table("booking_lines", records=lines, columns=LINE_COLUMNS)
            k += n
        await conn.execute("SET session_replication_role = DEFAULT")
        # As after any bulk load: visibility map and statistics now, and the load's WAL
        # flushed, so that autovacuum and a checkpoint do not land inside the measurement.
        await conn.execute("VACUUM (ANALYZE) bookings")
        await conn.execute("VACUUM (ANALYZE) booking_lines")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return time.monotonic() - t0


CLASH = ("SELECT id FROM bookings b WHERE center = $1 AND day = $2 AND status <> 'cancelled'"
         " AND ((period = $3 AND (agent_id = $4 OR contact_phone = $5))"
         "  OR EXISTS (SELECT 1 FROM booking_lines l WHERE l.booking_id = b.id AND l.status = 'active'"
         "             AND l.org_code = ANY($6::text[])))")


async def explain_clash(run: bl.Running, day: str, with_history: bool) -> list[dict]:
    """EXPLAIN ANALYZE of booking's clash check (its WHERE clause, as in
    booking.adapters.bookings.BookingRepository.clashing) for a new candidate on three dates."""
    conn = await run.booking_db()
    out = []
    try:
        cases = [("the point's date, after its phase", date.fromisoformat(day)),
                 ("a date with no bookings", date(2030, 6, 4))]
        if with_history:
            cases.insert(1, (f"a past date of the history ({PER_DAY} bookings)", FIRST_DAY + timedelta(days=3)))
        for label, d in cases:
            n = await conn.fetchval("SELECT count(*) FROM bookings WHERE center = 'qingdao' AND day = $1"
                                    " AND status <> 'cancelled'", d)
            args = ("qingdao", d, "AM", "nobody", "13999999999", [bl.org_code(99_999_990), bl.org_code(99_999_991)])
            plan = await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + CLASH, *args)
            plan = json.loads(plan)[0] if isinstance(plan, str) else plan[0]
            nodes = []

            def walk(node, depth=0, nodes=nodes):
                nodes.append("  " * depth + f"{node['Node Type']}"
                             + (f" on {node['Relation Name']}" if "Relation Name" in node else "")
                             + (f" using {node['Index Name']}" if "Index Name" in node else "")
                             + f" (rows {node.get('Actual Rows')}, loops {node.get('Actual Loops')})")
                for child in node.get("Plans", []):
                    walk(child, depth + 1)
            walk(plan["Plan"])
            out.append({"date": label, "bookings_on_date": n, "execution_ms": plan.get("Execution Time"),
                        "plan": nodes})
    finally:
        await conn.close()
    return out


async def bench(args) -> dict:
    sizes = [int(x) for x in args.sizes.split(",")]
    if args.max_rows:
        capped = [s for s in sizes if s <= args.max_rows]
        sizes = capped or [args.max_rows]
    out: dict = {"benchmark": "growth", "machine": bl.machine(), "code_tree": bl.code_tree(),
                 "params": vars(args).copy(), "sizes": sizes, "points": []}
    deadline = time.monotonic() + args.timeout
    async with bl.started_system() as run:
        minter = await bl.prepare(run, registered=0)
        now = bl.MONDAY_10 + timedelta(minutes=1)
        sampler = bl.Sampler(run.pids).start()
        db_name = run.database_url.rsplit("/", 1)[-1]
        cpu = bl.Sampler(lambda: {**run.pids(), "postgresql (this run's database)": bl.postgres_pids(db_name)})
        weeks = iter(range(1, 100))
        seq = 0
        history = 0
        try:
            warm = bl.booking_requests(minter, seq, 200, now=now)
            seq += 200
            await bl.run_load(run.gateway, warm, concurrency=8, max_requests=200, max_seconds=30, label="warm-up")
            for size in sizes:
                if time.monotonic() > deadline:
                    out["stopped"] = f"time budget of {args.timeout:.0f} s spent before {size:,} rows"
                    break
                conn = await run.booking_db()
                try:
                    current = await conn.fetchval("SELECT count(*) FROM bookings")
                finally:
                    await conn.close()
                add = max(0, size - current)
                print(f"  loading {add:,} past bookings to reach {size:,} ...", flush=True)
                load_s = await load_history(run.database_url, history, history + add)
                history += add
                await run.wait_quiet()
                conn = await run.booking_db()
                try:
                    rows = await conn.fetchval("SELECT count(*) FROM bookings")
                    line_rows = await conn.fetchval("SELECT count(*) FROM booking_lines")
                    size_mb = await conn.fetchval(
                        "SELECT (pg_total_relation_size('bookings') + pg_total_relation_size('booking_lines'))"
                        " / 1048576.0")
                finally:
                    await conn.close()
                now, dates = await bl.open_week(run, next(weeks))
                reqs = bl.booking_requests(minter, seq, args.max_requests, now=now, dates=dates)
                seq += args.max_requests
                label = f"booking via nginx at {rows:,} rows"
                sampler.mark(label)
                load_before = bl.loadavg()
                c0, m0, t0 = cpu.cpu_snapshot(), bl.machine_cpu(), time.monotonic()
                async with bl.PgActivity(run.database_url) as activity:
                    r = await bl.run_load(run.gateway, reqs, concurrency=args.clients,
                                          max_requests=args.max_requests, max_seconds=args.max_seconds, label=label)
                sampler.mark(None)
                spent = bl.Sampler.cpu_delta(c0, cpu.cpu_snapshot())
                # CPU per booking is steadier than bookings/s on a shared machine: it does not
                # move with what the other engineers' work leaves free.
                r["cpu_ms_per_ok"] = {k: round(v * 1000 / r["ok"], 2) for k, v in spent.items()} if r["ok"] else {}
                r["machine_cpu"] = bl.machine_cpu_delta(m0, bl.machine_cpu())
                r["wall"] = time.monotonic() - t0
                r.update(target_rows=size, rows=rows, line_rows=line_rows, tables_mb=round(float(size_mb), 1),
                         load_seconds=round(load_s, 1), loadavg_before=load_before, pg_activity=activity.summary(),
                         dates=list(dates), clash_check=await explain_clash(run, dates[0], history > 0))
                out["points"].append(r)
                await run.wait_quiet()
        finally:
            sampler.stop()
        out["memory"] = sampler.summary()
    out["loadavg_end"] = bl.loadavg()
    return out


def main() -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--max-rows", type=int, default=0, help="cap the largest size (0: no cap)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--max-seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=420.0, help="skip the sizes not started by then")
    parser.add_argument("--json", default=str(here / "results" / "growth.json"))
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    bl.write_json(Path(args.json), result)
    print(f"wrote {args.json}")
    for p in result["points"]:
        print(f"  {p['rows']:>9,} rows: {p['ok_per_s']:.1f} bookings/s, p99 {bl.fmt_ms(p['latency_ok']['p99'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
