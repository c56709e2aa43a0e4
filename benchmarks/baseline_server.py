"""The baseline of the booking benchmark: a bare aiohttp + asyncpg endpoint doing only what
a booking cannot do without: one conditional capacity UPDATE and the INSERT of one booking
row, in one transaction. No JWT, no validation beyond reading the JSON, no rules, no
outbox, no logging, no middlewares.

Its tables live in a scratch schema of the run's database (``bench_baseline``), created
at start with the same definitions as booking's ``capacity`` and ``bookings`` (the same
CHECKs and the same unique and listing indexes), so the INSERT costs what booking's does.

Usage: python benchmarks/baseline_server.py --database-url URL --port P [--pool-max 10]
Prints ``ready`` on stdout once listening on 127.0.0.1:P. POST /bookings takes booking's
request body; the agent id is a fresh uuid per request (there is no token to read it from).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from datetime import date, datetime, timezone

import asyncpg
import orjson
import uvloop
from aiohttp import web

SCHEMA = "bench_baseline"
DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
SET search_path TO {SCHEMA};
CREATE TABLE IF NOT EXISTS capacity (
    center text NOT NULL, day date NOT NULL, period text NOT NULL,
    capacity integer NOT NULL CHECK (capacity >= 0),
    booked integer NOT NULL DEFAULT 0 CHECK (booked >= 0),
    updated_at timestamptz, updated_by text,
    PRIMARY KEY (center, day, period),
    CONSTRAINT capacity_not_exceeded CHECK (booked <= capacity));
CREATE TABLE IF NOT EXISTS bookings (
    id uuid PRIMARY KEY, agent_id text NOT NULL, center text NOT NULL, day date NOT NULL,
    period text NOT NULL, contact_name text NOT NULL,
    contact_phone text NOT NULL CHECK (contact_phone ~ '^1[3-9][0-9]{{9}}$'),
    status text NOT NULL CHECK (status IN
        ('confirmed', 'allocated', 'checked_in', 'completed', 'no_show', 'cancelled')),
    created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL,
    sms_status text NOT NULL DEFAULT 'pending' CHECK (sms_status IN ('pending', 'delivered', 'failed')),
    sms_resend_used boolean NOT NULL DEFAULT false,
    desk integer CHECK (desk > 0), segment_start time, segment_end time, queue_number text,
    allocated_at timestamptz, checked_in_at timestamptz,
    CONSTRAINT bookings_allocation_complete CHECK (
        (desk IS NULL) = (segment_start IS NULL) AND (desk IS NULL) = (segment_end IS NULL)
        AND (desk IS NULL) = (queue_number IS NULL)),
    CONSTRAINT bookings_id_center_day UNIQUE (id, center, day));
CREATE UNIQUE INDEX IF NOT EXISTS bookings_one_per_agent_period
    ON bookings (center, day, period, agent_id) WHERE status <> 'cancelled';
CREATE UNIQUE INDEX IF NOT EXISTS bookings_one_per_phone_period
    ON bookings (center, day, period, contact_phone) WHERE status <> 'cancelled';
CREATE INDEX IF NOT EXISTS bookings_agent_listing ON bookings (agent_id, day, created_at, id);
CREATE INDEX IF NOT EXISTS bookings_center_day ON bookings (center, day, period);
"""
TAKE = ("UPDATE capacity SET booked = booked + $4 WHERE center = $1 AND day = $2 AND period = $3"
        " AND booked + $4 <= capacity RETURNING booked")
INSERT = ("INSERT INTO bookings (id, agent_id, center, day, period, contact_name, contact_phone, status,"
          " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'confirmed', $8, $8)")
POOL = web.AppKey("pool", asyncpg.Pool)


async def book(request: web.Request) -> web.Response:
    body = orjson.loads(await request.read())
    day = date.fromisoformat(body["date"])
    lines = len(body.get("enterprises") or ())
    booking_id = uuid.uuid4()
    now = datetime.now(timezone.utc)
    async with request.app[POOL].acquire() as conn:
        async with conn.transaction():
            if await conn.fetchval(TAKE, "qingdao", day, body["period"], lines) is None:
                return web.Response(status=409, body=b'{"code":"booking.capacity_exhausted"}',
                                    content_type="application/json")
            await conn.execute(INSERT, booking_id, str(uuid.uuid4()), "qingdao", day, body["period"],
                               body["contact_name"], body["contact_phone"], now)
    return web.Response(status=201, body=orjson.dumps({"id": str(booking_id), "status": "confirmed"}),
                        content_type="application/json")


async def seed(request: web.Request) -> web.Response:
    """PUT /capacity {date, period, capacity}: the benchmark's own setup, not timed."""
    body = orjson.loads(await request.read())
    async with request.app[POOL].acquire() as conn:
        await conn.execute("INSERT INTO capacity (center, day, period, capacity) VALUES ('qingdao', $1, $2, $3)"
                           " ON CONFLICT (center, day, period) DO UPDATE SET capacity = EXCLUDED.capacity",
                           date.fromisoformat(body["date"]), body["period"], int(body["capacity"]))
    return web.Response(status=200, body=b"{}", content_type="application/json")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pool-max", type=int, default=10, help="booking's default BOOKING_DB_POOL_MAX")
    args = parser.parse_args()
    setup = await asyncpg.connect(args.database_url)
    try:
        await setup.execute(DDL)
    finally:
        await setup.close()
    pool = await asyncpg.create_pool(args.database_url, min_size=2, max_size=args.pool_max,
                                     server_settings={"search_path": SCHEMA})
    app = web.Application()
    app[POOL] = pool
    app.add_routes([web.post("/bookings", book), web.put("/capacity", seed)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()
    await pool.close()


if __name__ == "__main__":
    # On uvloop, like the services since issue 20 (shared.event_loop): the ratio compares
    # what booking does per request, not which event loop runs it.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())
    sys.exit(0)
