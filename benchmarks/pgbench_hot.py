"""PostgreSQL's own ceiling for "one period booked by everyone": pgbench running the
baseline's booking transaction (baseline_server.py: the conditional capacity UPDATE and
the INSERT of one booking row, in one transaction) with every client on the same capacity
row, in the benchmark's database, for a given number of clients and seconds.

No Python, no HTTP, no pool: what is left is PostgreSQL serialising on the row lock, so
issue 20's "one period at 64 clients >= 50% of pgbench" compares booking with the database's
own limit for the same work, measured in the same run. booking_load.py calls ``run``
right after its one-period booking phase, for that phase's duration.

The tables are the baseline's (schema ``bench_baseline``, same definitions and indexes as
booking's ``capacity`` and ``bookings``: baseline_server.py creates them; its capacity
rows for the benchmark's dates are raised to 10,000,000 lines, so the UPDATE always finds
room and ``\\gset`` always gets its row). Each client's phones are its own
(15 + client id x 10^7 + its transaction count), so the one-per-phone unique index never
refuses one. ``-M prepared``: asyncpg's extended protocol with prepared statements, and the
same four round trips per booking (BEGIN, UPDATE, INSERT, COMMIT).

Run alone: python benchmarks/pgbench_hot.py --database-url URL --day 2026-11-24
               [--clients 64] [--seconds 15] [--lines 2]
(the run's database must hold bench_baseline with a capacity row for --day, AM).
"""
from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

SCRIPT = """\\set n :n + 1
\\set ph 15000000000 + :client_id * 10000000 + :n
BEGIN;
UPDATE bench_baseline.capacity SET booked = booked + :lines WHERE center = 'qingdao' AND day = :day AND period = 'AM' AND booked + :lines <= capacity RETURNING booked \\gset
INSERT INTO bench_baseline.bookings (id, agent_id, center, day, period, contact_name, contact_phone, status, created_at, updated_at) VALUES (gen_random_uuid(), gen_random_uuid()::text, 'qingdao', :day, 'AM', '李四', :ph, 'confirmed', now(), now());
END;
"""


def pgbench_binary() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))
    return candidates[-1] if candidates else None


def connection_args(database_url: str) -> tuple[list[str], dict[str, str]]:
    """pgbench's -h/-p/-U and the database name from a postgresql:// URL; the password (if
    any) goes in PGPASSWORD, never on the command line."""
    u = urlsplit(database_url)
    argv = ["-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432)]
    if u.username:
        argv += ["-U", unquote(u.username)]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = unquote(u.password)
    return argv + [u.path.lstrip("/") or "postgres"], env


def parse(text: str) -> dict:
    """The figures of pgbench's summary."""
    def grab(pattern: str, cast=float):
        m = re.search(pattern, text, re.MULTILINE)
        return cast(m.group(1)) if m else None
    return {"transactions": grab(r"number of transactions actually processed: (\d+)", int),
            "failed": grab(r"number of failed transactions: (\d+)", int),
            "latency_avg_ms": grab(r"latency average = ([\d.]+) ms"),
            "latency_stddev_ms": grab(r"latency stddev = ([\d.]+) ms"),
            "tps": grab(r"tps = ([\d.]+) \(without initial connection time\)")}


async def run(database_url: str, *, day: str, clients: int, seconds: int, lines: int = 2,
              threads: int = 2) -> dict:
    exe = pgbench_binary()
    if exe is None:
        return {"error": "pgbench is not installed (it ships with PostgreSQL's client or server packages)"}
    conn_argv, env = connection_args(database_url)
    with tempfile.TemporaryDirectory(prefix="pgbench-hot-") as tmp:
        script = Path(tmp) / "booking.sql"
        script.write_text(SCRIPT, encoding="utf-8")
        argv = [exe, "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(threads, clients)),
                "-T", str(max(1, seconds)), "-f", str(script), "-D", f"day={day}", "-D", "n=0",
                "-D", f"lines={lines}", *conn_argv]
        proc = await asyncio.create_subprocess_exec(*argv, env=env, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), seconds + 120)
    text = out.decode(errors="replace")
    result = {"clients": clients, "seconds": max(1, seconds), "day": day, "argv": " ".join(argv[1:]),
              "returncode": proc.returncode, **parse(text)}
    if proc.returncode != 0 or result["tps"] is None:
        result["error"] = (text + err.decode(errors="replace"))[-1500:]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--day", required=True, help="the date of the capacity row (AM) every client books")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--lines", type=int, default=2)
    args = parser.parse_args()
    result = asyncio.run(run(args.database_url, day=args.day, clients=args.clients, seconds=args.seconds,
                             lines=args.lines))
    print(json.dumps(result, indent=1))
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
