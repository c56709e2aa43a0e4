"""The cutoff of a 5,000-booking day, end to end: from the cutoff instant until the last
booking's allocation is stored in booking's tables (the moment its booking.allocated is
written to the outbox, in the same transaction).

Starts the whole system (as booking_load.py does) with the services' default scheduler
settings, then:
  1. checks that booking has the cutoff in place (GET /api/v1/admin/cutoffs/{center}/{date}
     answers 200); if not, it stops at once, writes {"status": "not_available"} with the
     reason and exits with status 2 — the number cannot be measured on that tree;
  2. makes --bookings bookings for Tuesday 2026-12-08 (AM and PM alternately), each its own
     agent (token minted with identity's key), phone and two enterprises, through the API
     (POST /api/v1/bookings through nginx, 32 clients; the default) or, with --insert copy,
     by COPY straight into booking's tables (capacity counters raised to match);
  3. waits until the system is idle, moves every service's clock to the cutoff instant
     (Monday 15:00 Qingdao) and times, by polling booking's tables every 50 ms:
     the date closed (cutoffs row), the cutoff row ``allocated``, every booking of the
     date holding an allocation; and, as a further milestone, the notifier having
     stored one more SMS per booking (the allocation SMS) when it keeps a messages table.
Target (the issue): under 30 s from the cutoff to the last allocation stored.

Run: python benchmarks/cutoff_end_to_end.py [--bookings 5000] [--insert api|copy] [--timeout 180]
     [--json PATH]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as bl

DAY = bl.BOOK_DATES[0]                          # Tuesday 2026-12-08
CUTOFF = datetime(2026, 12, 7, 15, 0, tzinfo=bl.TZ)   # Monday 15:00, its cutoff
TARGET_S = 30.0


class NotAvailable(RuntimeError):
    pass


async def copy_bookings(run: bl.Running, n: int, now: datetime) -> None:
    from datetime import date
    day = date.fromisoformat(DAY)
    bookings, lines = [], []
    per_period = {"AM": 0, "PM": 0}
    for k in range(n):
        period = "AM" if k % 2 == 0 else "PM"
        bid = uuid.uuid4()
        bookings.append((bid, f"cut-{uuid.uuid4()}", "qingdao", day, period, "李四", bl.phone(k, "16"), "confirmed",
                         now, now))
        for pos in range(2):
            lines.append((bid, pos, bl.org_code(30_000_000 + 2 * k + pos), "", json.dumps(bl.MIXES[(k + pos) % 3]),
                          "active", "qingdao", day))
        per_period[period] += 2
    conn = await run.booking_db()
    try:
        async with conn.transaction():
            await conn.copy_records_to_table("bookings", records=bookings, columns=(
                "id", "agent_id", "center", "day", "period", "contact_name", "contact_phone", "status",
                "created_at", "updated_at"))
            await conn.copy_records_to_table("booking_lines", records=lines, columns=(
                "booking_id", "position", "org_code", "name", "businesses", "status", "center", "day"))
            for period, taken in per_period.items():
                await conn.execute("UPDATE capacity SET booked = booked + $3 WHERE center = 'qingdao' AND day = $1"
                                   " AND period = $2", day, period, taken)
    finally:
        await conn.close()


async def bench(args) -> dict:
    out: dict = {"benchmark": "cutoff_end_to_end", "machine": bl.machine(), "code_tree": bl.code_tree(),
                 "params": vars(args).copy(), "target_s": TARGET_S}
    async with bl.started_system() as run:
        await run.set_clock(bl.MONDAY_10)
        await run.make_admin()
        status, body = await run.call("GET", f"/api/v1/admin/cutoffs/qingdao/{DAY}", token=run.admin_token)
        if status != 200:
            raise NotAvailable(f"GET /api/v1/admin/cutoffs/qingdao/{DAY} answered {status} "
                               f"{json.dumps(body, ensure_ascii=False)[:200]}: booking's cutoff (closing a date "
                               "at 15:00, allocation.requested, storing allocation.completed) is not in this tree")
        out["cutoff_before"] = body
        for p in bl.PERIODS:
            await run.set_capacity(DAY, p, 100_000)
        minter = await run.minter()
        now = bl.MONDAY_10 + timedelta(minutes=1)
        sampler = bl.Sampler(run.pids).start()
        try:
            t0 = time.monotonic()
            if args.insert == "api":
                reqs = []
                for k in range(args.bookings):
                    token = minter.mint(f"cut-{uuid.uuid4()}", now=now)
                    reqs.append({"method": "POST", "path": "/api/v1/bookings",
                                 "headers": {"Authorization": f"Bearer {token}"},
                                 "body": bl.booking_body(k, DAY, "AM" if k % 2 == 0 else "PM", 2,
                                                         org_base=30_000_000)})
                r = await bl.run_load(run.gateway, reqs, concurrency=32, max_requests=len(reqs),
                                      max_seconds=args.insert_timeout, label="setup: bookings through the API")
                out["insert"] = {k: r[k] for k in ("ok", "statuses", "elapsed", "ok_per_s", "latency_ok")}
            else:
                await copy_bookings(run, args.bookings, now)
                out["insert"] = {"ok": args.bookings, "copy": True}
            out["insert_seconds"] = time.monotonic() - t0
            out["quiet_wait"] = await run.wait_quiet(timeout=180)
            conn = await asyncpg.connect(run.database_url)
            try:
                booked = await conn.fetchval("SELECT count(*) FROM booking.bookings WHERE center = 'qingdao'"
                                             " AND day = $1 AND status <> 'cancelled'", datetime.fromisoformat(DAY).date())
                if booked < args.bookings:
                    raise RuntimeError(f"only {booked} of {args.bookings} bookings were made: {out['insert']}")
                out["bookings"] = booked
                try:
                    sms_before = await conn.fetchval("SELECT count(*) FROM notifier.messages")
                except asyncpg.PostgresError:
                    sms_before = None

                sampler.mark("cutoff")
                t_cut = time.monotonic()
                await run.set_clock(CUTOFF)
                milestones: dict[str, float] = {"clock moved (PUT /_test/clock answered)": time.monotonic() - t_cut}
                day = datetime.fromisoformat(DAY).date()
                deadline = t_cut + args.timeout
                done = False
                while time.monotonic() < deadline:
                    row = await conn.fetchrow("SELECT status, closed_at, allocated_at FROM booking.cutoffs"
                                              " WHERE center = 'qingdao' AND day = $1", day)
                    elapsed = time.monotonic() - t_cut
                    if row is not None and row["status"] in ("closed", "allocated"):
                        milestones.setdefault("date closed (cutoffs row)", elapsed)
                    if row is not None and row["status"] == "allocated":
                        milestones.setdefault("cutoff row allocated", elapsed)
                    allocated = await conn.fetchval(
                        "SELECT count(*) FROM booking.bookings WHERE center = 'qingdao' AND day = $1"
                        " AND queue_number IS NOT NULL", day)
                    if allocated and "first booking allocated" not in milestones:
                        milestones["first booking allocated"] = elapsed
                    if allocated >= booked:
                        milestones.setdefault("last booking allocated (all stored)", elapsed)
                        done = True
                    if done and sms_before is not None:
                        sms = await conn.fetchval("SELECT count(*) FROM notifier.messages")
                        if sms >= sms_before + booked:
                            milestones.setdefault("notifier stored one more SMS per booking", elapsed)
                        # The last SMS sent: every allocation SMS of the day delivered by the provider.
                        sent = await conn.fetchval(
                            "SELECT count(*) FROM notifier.messages WHERE template = 'booking.allocated'"
                            " AND status = 'delivered'")
                        if sent >= booked:
                            milestones["last allocation SMS delivered"] = elapsed
                            break
                        if elapsed > milestones["last booking allocated (all stored)"] + args.sms_timeout:
                            milestones["notifier: SMS not all stored within"] = args.sms_timeout
                            break
                    elif done:
                        break
                    await asyncio.sleep(0.05)
                sampler.mark(None)
                out["milestones_s"] = milestones
                out["completed"] = done
                if not done:
                    out["allocated_at_timeout"] = allocated
                    out["cutoff_row_at_timeout"] = dict(row) if row else None
                final = await conn.fetchrow("SELECT status, closed_at, allocated_at FROM booking.cutoffs"
                                            " WHERE center = 'qingdao' AND day = $1", day)
                out["cutoff_row"] = dict(final) if final else None
                # The services' own timestamps (their moved clock): cutoff instant -> stored.
                if final and final["allocated_at"]:
                    out["service_clock_s"] = {
                        "closed_at - cutoff": (final["closed_at"] - CUTOFF).total_seconds(),
                        "allocated_at - cutoff": (final["allocated_at"] - CUTOFF).total_seconds()}
            finally:
                await conn.close()
        finally:
            sampler.stop()
        out["memory"] = sampler.summary()
    total = out.get("milestones_s", {}).get("last booking allocated (all stored)")
    out["seconds"] = total
    out["met"] = total is not None and total < TARGET_S
    out["status"] = "measured" if out.get("completed") else "timed_out"
    out["loadavg_end"] = bl.loadavg()
    return out


def main() -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--insert", choices=("api", "copy"), default="api")
    parser.add_argument("--insert-timeout", type=float, default=240.0)
    parser.add_argument("--timeout", type=float, default=180.0, help="longest wait after the cutoff")
    parser.add_argument("--sms-timeout", type=float, default=60.0,
                        help="longest further wait for the notifier's SMS after the last allocation")
    parser.add_argument("--json", default=str(here / "results" / "cutoff_end_to_end.json"))
    args = parser.parse_args()
    try:
        result = asyncio.run(bench(args))
    except NotAvailable as exc:
        result = {"benchmark": "cutoff_end_to_end", "status": "not_available", "reason": str(exc),
                  "code_tree": bl.code_tree(), "params": vars(args).copy(), "target_s": TARGET_S}
        bl.write_json(Path(args.json), result)
        print(f"NOT AVAILABLE: {exc}", file=sys.stderr)
        return 2
    bl.write_json(Path(args.json), result)
    print(f"wrote {args.json}: {json.dumps(result.get('milestones_s'), indent=1)}")
    return 0 if result["status"] == "measured" else 1


if __name__ == "__main__":
    sys.exit(main())
