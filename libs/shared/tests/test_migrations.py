"""The migrations runner against the real PostgreSQL."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import asyncpg
import pytest

from shared.migrations import MigrationError, migrate


def write(folder: Path, name: str, sql: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(sql)


async def test_two_processes_migrating_at_once_apply_each_migration_once(database_url, tmp_path):
    # A migration that would fail the second time it runs (no IF NOT EXISTS) and is slow
    # enough that the two runners overlap.
    write(tmp_path, "0001_things.sql", "SELECT pg_sleep(0.5); CREATE TABLE things (id int PRIMARY KEY);")
    write(tmp_path, "0002_more.sql", "INSERT INTO things VALUES (1);")
    script = ("import asyncio, sys, pathlib; from shared.migrations import migrate;"
              "print(len(asyncio.run(migrate(sys.argv[1], 'mig_race', pathlib.Path(sys.argv[2])))))")
    procs = [await asyncio.create_subprocess_exec(sys.executable, "-c", script, database_url, str(tmp_path),
                                                  stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
             for _ in range(2)]
    outs = [await p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-500:] for o in outs]
    applied = sorted(int(o[0].decode().strip().splitlines()[-1]) for o in outs)
    assert applied == [0, 4]  # shared outbox + inbox + two of ours, all by one process
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM mig_race.things") == 1
        versions = [r[0] for r in await conn.fetch("SELECT version FROM mig_race.schema_migrations ORDER BY 1")]
        assert versions == ["mig_race/0001_things", "mig_race/0002_more", "shared/0001_outbox", "shared/0002_inbox"]
    finally:
        await conn.close()


async def test_a_changed_migration_is_refused(database_url, tmp_path):
    write(tmp_path, "0001_a.sql", "CREATE TABLE a (id int);")
    assert len(await migrate(database_url, "mig_changed", tmp_path)) == 3
    assert await migrate(database_url, "mig_changed", tmp_path) == []
    write(tmp_path, "0001_a.sql", "CREATE TABLE a (id bigint);")
    with pytest.raises(MigrationError):
        await migrate(database_url, "mig_changed", tmp_path)


async def test_a_failing_migration_leaves_nothing_half_done(database_url, tmp_path):
    write(tmp_path, "0001_ok.sql", "CREATE TABLE ok (id int);")
    write(tmp_path, "0002_bad.sql", "CREATE TABLE half (id int); SELECT no_such_function();")
    with pytest.raises(asyncpg.PostgresError):
        await migrate(database_url, "mig_bad", tmp_path)
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT to_regclass('mig_bad.ok') IS NOT NULL")
        assert await conn.fetchval("SELECT to_regclass('mig_bad.half') IS NULL")
    finally:
        await conn.close()
