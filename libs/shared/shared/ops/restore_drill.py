"""Restore drill: prove that a backup of the suite's database comes back whole.

    python -m shared.ops.restore_drill [--database-url URL] [--workdir DIR] [--keep]
    python -m shared.ops.restore_drill --from-dump FILE [--database-url URL] [--keep]
    python -m shared.ops.restore_drill --backup-only [--database-url URL] [--workdir DIR]

1. Opens a read-only REPEATABLE READ transaction on the database and exports its snapshot.
   In it, records the state of every service schema (identity, booking, allocator,
   notifier): each table's row count, the outbox (rows sent, rows unsent, the unsent ids, a
   digest of every id with its sent flag) and the inbox (per consumer: ids and their digest).
2. Runs ``pg_dump --format=custom --snapshot=<that snapshot>``: the dump and the record see
   the same instant, so the drill runs against a live system and still expects exact
   equality. The record is written beside the dump (``<dump>.manifest.json``).
3. Restores the dump with ``pg_restore --exit-on-error`` into a **fresh database** on the
   same server (or ``--target-url``'s), created from template0 with the source's encoding
   and locale. Never over the source: a drill must not put the data it tests at risk, and
   the source stays there to look at when the copy differs.
4. Records the restored database the same way and compares: every difference is one JSON
   line. The restored database is dropped at the end unless ``--keep``.

``--backup-only`` does 1-2 and stops: a nightly backup with its manifest. ``--from-dump``
skips 1-2 and drills such an existing backup: that tests the file you would really restore
from.

pg_dump and pg_restore must be of the server's major version (``--pg-bin`` picks another
installation, e.g. /usr/lib/postgresql/15/bin); the drill refuses to run otherwise.

Output: JSON lines on stdout, never row contents or a password. Exit status: 0 the restored
copy equals the record, 1 it differs, 2 the drill could not run (versions, connection,
pg_dump or pg_restore failed, a missing manifest).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from shared.db import with_database

SERVICE_SCHEMAS = ("identity", "booking", "allocator", "notifier")
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/cardcenter"
_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

Emit = Callable[[dict[str, Any]], None]
State = dict[str, Any]


class DrillError(RuntimeError):
    """The drill could not run (exit status 2)."""


def print_line(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False, default=str), flush=True)


# ---- what is recorded ------------------------------------------------------------------

async def capture(conn: asyncpg.Connection, schemas: tuple[str, ...] = SERVICE_SCHEMAS) -> State:
    """The state the restored copy must reproduce, read in ``conn``'s current transaction."""
    present = {r["nspname"] for r in await conn.fetch(
        "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])", list(schemas))}
    tables = await conn.fetch(
        "SELECT n.nspname AS schema, c.relname AS name FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1::text[]) ORDER BY 1, 2", list(schemas))
    state: State = {"schemas": sorted(present), "rows": {}, "outbox": {}, "inbox": {}}
    for t in tables:
        qualified = f'"{t["schema"]}"."{t["name"]}"'
        state["rows"][f'{t["schema"]}.{t["name"]}'] = await conn.fetchval(f"SELECT count(*) FROM {qualified}")
        if t["name"] == "outbox":
            row = await conn.fetchrow(
                "SELECT count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent,"
                " count(*) FILTER (WHERE sent_at IS NULL) AS unsent,"
                " coalesce(array_agg(id::text ORDER BY id) FILTER (WHERE sent_at IS NULL), '{}') AS unsent_ids,"
                " md5(coalesce(string_agg(id::text || ':' || (sent_at IS NOT NULL)::text, ',' ORDER BY id), ''))"
                f" AS digest FROM {qualified}")
            state["outbox"][t["schema"]] = {"sent": row["sent"], "unsent": row["unsent"],
                                            "unsent_ids": list(row["unsent_ids"]), "digest": row["digest"]}
        elif t["name"] == "inbox":
            consumers = await conn.fetch(
                "SELECT consumer, count(*) AS ids, md5(string_agg(event_id::text, ',' ORDER BY event_id)) AS digest"
                f" FROM {qualified} GROUP BY consumer ORDER BY consumer")
            state["inbox"][t["schema"]] = {r["consumer"]: {"ids": r["ids"], "digest": r["digest"]}
                                           for r in consumers}
    return state


def compare(expected: State, found: State) -> list[dict[str, Any]]:
    """Every place where the restored state differs from the recorded one."""
    diffs: list[dict[str, Any]] = []

    def walk(path: tuple[str, ...], a: Any, b: Any) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                walk((*path, key), a.get(key), b.get(key))
        elif a != b:
            if path[0] == "rows":
                diffs.append({"what": "rows", "table": ".".join(path[1:]), "expected": a, "found": b})
            elif isinstance(a, list) and isinstance(b, list):
                diffs.append({"what": ".".join(path), "missing": sorted(set(a) - set(b)),
                              "extra": sorted(set(b) - set(a))})
            else:
                diffs.append({"what": ".".join(path), "expected": a, "found": b})

    walk((), expected, found)
    return diffs


def summarize(state: State) -> dict[str, Any]:
    return {"schemas": state["schemas"], "tables": len(state["rows"]), "rows": sum(state["rows"].values()),
            "outbox_unsent": {s: o["unsent"] for s, o in state["outbox"].items()},
            "inbox_ids": {s: sum(c["ids"] for c in i.values()) for s, i in state["inbox"].items()}}


# ---- the PostgreSQL tools ----------------------------------------------------------------

def tool(name: str, pg_bin: str | None) -> str:
    path = str(Path(pg_bin) / name) if pg_bin else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise DrillError(f"{name} not found (install postgresql-client of the server's version, or --pg-bin)")
    return path


async def tool_major(path: str) -> int:
    proc = await asyncio.create_subprocess_exec(path, "--version", stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    m = re.search(rb"\) (\d+)", out)         # "pg_dump (PostgreSQL) 15.20 (Debian ...)"
    if not m:
        raise DrillError(f"cannot read the version of {path}: {out[:80]!r}")
    return int(m.group(1))


async def server_major(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SHOW server_version_num")) // 10000


async def check_versions(conn: asyncpg.Connection, pg_bin: str | None, names: tuple[str, ...], emit: Emit) -> None:
    """pg_dump refuses a newer server and an older one makes a dump a newer pg_restore may
    read differently: the drill uses exactly the server's major version."""
    server = await server_major(conn)
    found = {name: await tool_major(tool(name, pg_bin)) for name in names}
    emit({"action": "versions", "server": server, **found})
    wrong = {n: v for n, v in found.items() if v != server}
    if wrong:
        raise DrillError(f"tool versions {wrong} differ from the server's major version {server}; "
                         f"use --pg-bin /usr/lib/postgresql/{server}/bin")


def libpq_args(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password (kept out of the process list) and the environment
    that carries it."""
    parts = urlsplit(url)
    env = dict(os.environ)
    netloc = parts.netloc
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        netloc = netloc.replace(":" + parts.password + "@", "@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), env


async def run_tool(argv: list[str], env: dict[str, str]) -> None:
    proc = await asyncio.create_subprocess_exec(*argv, env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise DrillError(f"{Path(argv[0]).name} exited with {proc.returncode}: {err.decode(errors='replace')[-800:]}")


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


# ---- the steps ---------------------------------------------------------------------------

async def backup(source_url: str, dump_file: Path, *, pg_bin: str | None = None,
                 schemas: tuple[str, ...] = SERVICE_SCHEMAS, emit: Emit = print_line) -> State:
    """pg_dump of the whole database and the state recorded in the dump's own snapshot;
    the state is also written to ``<dump>.manifest.json``."""
    conn = await asyncpg.connect(source_url)
    try:
        await check_versions(conn, pg_bin, ("pg_dump", "pg_restore"), emit)
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            started = time.monotonic()
            state = await capture(conn, schemas)
            if not state["schemas"]:
                raise DrillError(f"none of the schemas {list(schemas)} is in {database_name(source_url)}")
            url, env = libpq_args(source_url)
            # The transaction stays open until pg_dump has taken the snapshot and finished.
            await run_tool([tool("pg_dump", pg_bin), "--format=custom", f"--snapshot={snapshot}",
                            f"--file={dump_file}", f"--dbname={url}"], env)
        manifest = {"database": database_name(source_url), "taken_at": datetime.now(timezone.utc).isoformat(),
                    "server_major": await server_major(conn), "state": state}
        manifest_path(dump_file).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    finally:
        await conn.close()
    emit({"action": "dumped", "file": str(dump_file), "bytes": dump_file.stat().st_size,
          "seconds": round(time.monotonic() - started, 2), **summarize(state)})
    return state


def manifest_path(dump_file: Path) -> Path:
    return dump_file.with_name(dump_file.name + ".manifest.json")


async def restore(dump_file: Path, server_url: str, target_db: str, *, like_url: str | None = None,
                  pg_bin: str | None = None, jobs: int = 1, emit: Emit = print_line) -> str:
    """Create ``target_db`` (it must not exist) and restore the dump into it; its URL."""
    if not _DB_NAME.match(target_db):
        raise DrillError(f"not a database name: {target_db!r}")
    admin = await asyncpg.connect(with_database(server_url, "postgres"))
    try:
        await check_versions(admin, pg_bin, ("pg_restore",), lambda _: None)
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", target_db):
            raise DrillError(f"database {target_db} exists already: the drill never restores over a database")
        # The source's encoding and locale (sort order and unique indexes depend on them).
        like = await admin.fetchrow(
            "SELECT pg_encoding_to_char(encoding) AS enc, datcollate, datctype FROM pg_database WHERE datname = $1",
            database_name(like_url)) if like_url else None
        options = (f" ENCODING '{like['enc']}' LC_COLLATE '{like['datcollate']}' LC_CTYPE '{like['datctype']}'"
                   if like else "")
        await admin.execute(f'CREATE DATABASE "{target_db}" TEMPLATE template0{options}')
    finally:
        await admin.close()
    target_url = with_database(server_url, target_db)
    url, env = libpq_args(target_url)
    started = time.monotonic()
    try:
        await run_tool([tool("pg_restore", pg_bin), "--exit-on-error", f"--jobs={jobs}", f"--dbname={url}",
                        str(dump_file)], env)
    except BaseException:
        await drop_database(server_url, target_db)      # half a restore is nothing to keep
        raise
    emit({"action": "restored", "database": target_db, "seconds": round(time.monotonic() - started, 2)})
    return target_url


async def verify(expected: State, target_url: str, *, emit: Emit = print_line) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(target_url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            found = await capture(conn, tuple(expected["schemas"]) or SERVICE_SCHEMAS)
    finally:
        await conn.close()
    diffs = compare(expected, found)
    for d in diffs:
        emit({"action": "difference", **d})
    emit({"action": "summary", "result": "different" if diffs else "equal", "differences": len(diffs),
          **summarize(found)})
    return diffs


async def drop_database(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(with_database(server_url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def dump_file_name(source_url: str) -> str:
    return f"{database_name(source_url)}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.dump"


def drill_database_name(source: str) -> str:
    return f"{source[:40]}_drill_{datetime.now(timezone.utc):%Y%m%d%H%M%S}"


async def drill(source_url: str, workdir: Path, *, from_dump: Path | None = None, target_url: str | None = None,
                target_db: str | None = None, keep: bool = False, pg_bin: str | None = None, jobs: int = 1,
                schemas: tuple[str, ...] = SERVICE_SCHEMAS, emit: Emit = print_line,
                after_restore: Callable[[str], Awaitable[None]] | None = None) -> list[dict[str, Any]]:
    """The whole drill; the differences found (empty: the copy is whole).
    ``after_restore`` runs on the restored copy before it is compared (tests lose a row there)."""
    if from_dump is None:
        dump_file = workdir / dump_file_name(source_url)
        expected = await backup(source_url, dump_file, pg_bin=pg_bin, schemas=schemas, emit=emit)
    else:
        dump_file = from_dump
        try:
            expected = json.loads(manifest_path(dump_file).read_text())["state"]
        except (OSError, ValueError, KeyError) as exc:
            raise DrillError(f"no readable manifest beside {dump_file}: {exc}") from None
    server_url = target_url or source_url
    name = target_db or drill_database_name(database_name(source_url))
    restored = await restore(dump_file, server_url, name, like_url=source_url if target_url is None else None,
                             pg_bin=pg_bin, jobs=jobs, emit=emit)
    try:
        if after_restore is not None:
            await after_restore(restored)
        return await verify(expected, restored, emit=emit)
    finally:
        if keep:
            emit({"action": "kept", "database": name})
        else:
            await drop_database(server_url, name)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m shared.ops.restore_drill", description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL),
                   help="the database to back up (default: $DATABASE_URL)")
    p.add_argument("--workdir", type=Path, default=Path("."), help="where the dump and its manifest go")
    p.add_argument("--backup-only", action="store_true", help="write the dump and its manifest, restore nothing")
    p.add_argument("--from-dump", type=Path, help="drill this existing dump (its .manifest.json beside it)")
    p.add_argument("--target-url", help="restore on this server instead (any database name in it is ignored)")
    p.add_argument("--target-db", help="name of the fresh database (default: <source>_drill_<UTC time>)")
    p.add_argument("--keep", action="store_true", help="keep the restored database to look at")
    p.add_argument("--pg-bin", help="directory of pg_dump/pg_restore of the server's major version")
    p.add_argument("--jobs", type=int, default=1, help="pg_restore --jobs")
    p.add_argument("--schema", action="append", dest="schemas", help="a schema to check (default: the four services')")
    args = p.parse_args(argv)
    if args.backup_only and args.from_dump:
        p.error("--backup-only and --from-dump exclude each other")
    try:
        if args.backup_only:
            asyncio.run(backup(args.database_url, args.workdir / dump_file_name(args.database_url), pg_bin=args.pg_bin,
                               schemas=tuple(args.schemas) if args.schemas else SERVICE_SCHEMAS))
            return 0
        diffs = asyncio.run(drill(args.database_url, args.workdir, from_dump=args.from_dump,
                                  target_url=args.target_url, target_db=args.target_db, keep=args.keep,
                                  pg_bin=args.pg_bin, jobs=args.jobs,
                                  schemas=tuple(args.schemas) if args.schemas else SERVICE_SCHEMAS))
    except (DrillError, OSError, asyncpg.PostgresError) as exc:
        print_line({"action": "error", "error": f"{type(exc).__name__}: {exc}"})
        return 2
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
