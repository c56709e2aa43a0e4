"""asyncpg access to the allocator's schema: runs, the schedule in force per day, and its
assignments. Every function takes the caller's connection (and so its transaction)."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

# Order of the tuples handed to apply_assignments (and of the COPY).
ASSIGNMENT_COLUMNS = ("booking_id", "period", "period_rank", "position", "desk", "queue_number",
                      "segment_start", "segment_end", "estimated_start", "estimated_end", "overflow")
_CONTENT = ", ".join(ASSIGNMENT_COLUMNS[1:])
_INCOMING = "allocator_incoming_assignments"


async def lock_day(conn: asyncpg.Connection, center: str, service_date: date) -> None:
    """Serialise everything that writes one (center, date): held until the transaction ends.
    The key is a 64-bit hash; two days sharing one only wait for each other."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                       day_lock_name(center, service_date))


def day_lock_name(center: str, service_date: date) -> str:
    return f"allocator.day:{center}:{service_date.isoformat()}"


async def current_schedule(conn: asyncpg.Connection, center: str, service_date: date):
    return await conn.fetchrow(
        "SELECT run_id, schedule_fingerprint, applied_at FROM schedules"
        " WHERE center = $1 AND service_date = $2", center, service_date)


async def find_run(conn: asyncpg.Connection, center: str, service_date: date,
                   snapshot_fingerprint: str, policy_fingerprint: str):
    return await conn.fetchrow(
        "SELECT run_id, created_at FROM allocation_runs WHERE center = $1 AND service_date = $2"
        " AND snapshot_fingerprint = $3 AND policy_fingerprint = $4",
        center, service_date, snapshot_fingerprint, policy_fingerprint)


async def insert_run(conn: asyncpg.Connection, *, run_id: uuid.UUID, center: str, service_date: date,
                     cutoff_id: str, request_event_id: uuid.UUID, closed_at: datetime,
                     snapshot_fingerprint: str, policy_fingerprint: str, schedule_fingerprint: str,
                     booking_count: int, overflow_count: int, policy: dict[str, Any],
                     stats: dict[str, Any], created_at: datetime):
    row = await conn.fetchrow(
        "INSERT INTO allocation_runs (run_id, center, service_date, cutoff_id, request_event_id,"
        " closed_at, snapshot_fingerprint, policy_fingerprint, schedule_fingerprint, booking_count,"
        " overflow_count, policy, stats, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        " ON CONFLICT ON CONSTRAINT allocation_runs_one_per_input DO NOTHING"
        " RETURNING run_id, created_at",
        run_id, center, service_date, cutoff_id, request_event_id, closed_at, snapshot_fingerprint,
        policy_fingerprint, schedule_fingerprint, booking_count, overflow_count, policy, stats,
        created_at)
    if row is None:  # only a writer that skipped lock_day can get here
        row = await find_run(conn, center, service_date, snapshot_fingerprint, policy_fingerprint)
    return row


async def apply_assignments(conn: asyncpg.Connection, center: str, service_date: date,
                            run_id: uuid.UUID, rows: list[tuple]) -> tuple[int, int]:
    """Make the day's rows equal ``rows``: delete the bookings gone, insert the new ones and
    rewrite only those whose content differs. Returns (written, removed)."""
    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM assignments"
                               " WHERE center = $1 AND service_date = $2)", center, service_date):
        # The day's first schedule (the usual case): straight in, nothing to compare.
        await conn.copy_records_to_table(
            "assignments", schema_name=None, columns=("center", "service_date", *ASSIGNMENT_COLUMNS, "run_id"),
            records=((center, service_date, *row, run_id) for row in rows))
        return len(rows), 0
    await conn.execute(
        f"CREATE TEMP TABLE {_INCOMING} ("
        " booking_id text PRIMARY KEY, period text NOT NULL, period_rank smallint NOT NULL,"
        " position integer NOT NULL, desk integer NOT NULL, queue_number text NOT NULL,"
        " segment_start time NOT NULL, segment_end time NOT NULL,"
        " estimated_start timestamp NOT NULL, estimated_end timestamp NOT NULL,"
        " overflow boolean NOT NULL) ON COMMIT DROP")
    await conn.copy_records_to_table(_INCOMING, records=rows, columns=ASSIGNMENT_COLUMNS)
    removed = await conn.execute(
        f"DELETE FROM assignments a WHERE a.center = $1 AND a.service_date = $2"
        f" AND NOT EXISTS (SELECT 1 FROM {_INCOMING} i WHERE i.booking_id = a.booking_id)",
        center, service_date)
    written = await conn.execute(
        f"INSERT INTO assignments (center, service_date, booking_id, {_CONTENT}, run_id)"
        f" SELECT $1, $2, i.booking_id, {', '.join('i.' + c for c in ASSIGNMENT_COLUMNS[1:])}, $3"
        f" FROM {_INCOMING} i"
        f" ON CONFLICT (center, service_date, booking_id) DO UPDATE SET"
        f" {', '.join(f'{c} = EXCLUDED.{c}' for c in ASSIGNMENT_COLUMNS[1:])}, run_id = EXCLUDED.run_id"
        f" WHERE ({', '.join('assignments.' + c for c in ASSIGNMENT_COLUMNS[1:])})"
        f" IS DISTINCT FROM ({', '.join('EXCLUDED.' + c for c in ASSIGNMENT_COLUMNS[1:])})",
        center, service_date, run_id)
    await conn.execute(f"DROP TABLE {_INCOMING}")
    return _count(written), _count(removed)


def _count(status: str) -> int:
    """The row count of an asyncpg status string ("INSERT 0 12", "DELETE 3")."""
    return int(status.rsplit(" ", 1)[-1])


async def set_current(conn: asyncpg.Connection, center: str, service_date: date, *, run_id: uuid.UUID,
                      previous_run_id: uuid.UUID | None, schedule_fingerprint: str, now: datetime,
                      changed: bool, written: int, removed: int) -> None:
    if changed:
        await conn.execute(
            "INSERT INTO schedules (center, service_date, run_id, schedule_fingerprint, applied_at,"
            " last_written, last_removed) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (center, service_date) DO UPDATE SET run_id = EXCLUDED.run_id,"
            " schedule_fingerprint = EXCLUDED.schedule_fingerprint, applied_at = EXCLUDED.applied_at,"
            " last_written = EXCLUDED.last_written, last_removed = EXCLUDED.last_removed",
            center, service_date, run_id, schedule_fingerprint, now, written, removed)
    elif run_id != previous_run_id:
        # A new snapshot that gives the same assignments: the newest run is the one in force;
        # the assignment rows are not touched. (The same snapshot again writes nothing at all.)
        await conn.execute("UPDATE schedules SET run_id = $3 WHERE center = $1 AND service_date = $2",
                           center, service_date, run_id)


# ---- reading (the API) --------------------------------------------------------------------

async def schedule_header(conn: asyncpg.Connection, center: str, service_date: date):
    return await conn.fetchrow(
        "SELECT s.applied_at, s.last_written, s.last_removed, r.run_id, r.cutoff_id, r.closed_at, r.created_at,"
        " r.snapshot_fingerprint, r.policy_fingerprint, r.schedule_fingerprint, r.booking_count,"
        " r.overflow_count, r.stats"
        " FROM schedules s JOIN allocation_runs r ON r.run_id = s.run_id"
        " WHERE s.center = $1 AND s.service_date = $2", center, service_date)


async def schedule_rows(conn: asyncpg.Connection, center: str, service_date: date) -> list:
    return await conn.fetch(
        "SELECT booking_id, period, desk, queue_number, segment_start, segment_end,"
        " estimated_start, estimated_end, overflow FROM assignments"
        " WHERE center = $1 AND service_date = $2 ORDER BY period_rank, position",
        center, service_date)
